package events

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// checkFor calls f every interval until it returns nil, failing the test if
// timeout passes first.
func checkFor(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		<-tick.C
	}
}

const waitLong = 30 * time.Second

func openDB(t testing.TB, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open bbolt %s: %v", path, err)
	}
	if err := db.Update(EnsureBuckets); err != nil {
		t.Fatalf("ensure buckets: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func tempDB(t testing.TB, name string) (*bolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	return openDB(t, path), path
}

func connect(t testing.TB, s *natsembed.Server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := s.Connect(append(RelayConnectOptions(), nats.ReconnectWait(100*time.Millisecond))...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

func testStream(name, prefix string) StreamSpec {
	return StreamSpec{Name: name, Subjects: []string{prefix + ".>"}}
}

func ensureStream(t testing.TB, js jetstream.JetStream, spec StreamSpec) jetstream.Stream {
	t.Helper()
	st, err := EnsureStream(context.Background(), js, spec)
	if err != nil {
		t.Fatalf("ensure stream: %v", err)
	}
	return st
}

// appendN appends events with payloads from..from+n-1 (Int64Value), perTx
// per transaction, cycling over subjects, and returns them in write order.
func appendN(t testing.TB, db *bolt.DB, subjects []string, from, n, perTx int) []Event {
	t.Helper()
	var out []Event
	for i := 0; i < n; {
		err := db.Update(func(tx *bolt.Tx) error {
			for j := 0; j < perTx && i+j < n; j++ {
				v := int64(from + i + j)
				ev, err := Append(tx, subjects[int(v)%len(subjects)], wrapperspb.Int64(v))
				if err != nil {
					return err
				}
				out = append(out, ev)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		i += perTx
	}
	if len(out) != n {
		t.Fatalf("appended %d, want %d", len(out), n)
	}
	return out
}

// runRelay runs r until the test ends (or the returned stop is called).
func runRelay(t testing.TB, r *Relay) (stop func()) {
	t.Helper()
	return runBackground(t, r.Run)
}

func runBackground(t testing.TB, f func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("background run: %v", err)
				}
			case <-time.After(waitLong):
				t.Errorf("background run did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// Counter projection: bucket "counts" holds, per payload value, how many
// times it was applied, and "order" lists payloads in the order applied.
var (
	bucketCounts = []byte("counts")
	bucketOrder  = []byte("order")
)

func counterApply(tx *bolt.Tx, ev Delivered) error {
	var v wrapperspb.Int64Value
	if err := proto.Unmarshal(ev.Data, &v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	counts, err := tx.CreateBucketIfNotExists(bucketCounts)
	if err != nil {
		return err
	}
	order, err := tx.CreateBucketIfNotExists(bucketOrder)
	if err != nil {
		return err
	}
	k := binary.BigEndian.AppendUint64(nil, uint64(v.Value))
	n := uint64(0)
	if old := counts.Get(k); old != nil {
		n = binary.BigEndian.Uint64(old)
	}
	if err := counts.Put(k, binary.BigEndian.AppendUint64(nil, n+1)); err != nil {
		return err
	}
	seq, err := order.NextSequence()
	if err != nil {
		return err
	}
	return order.Put(binary.BigEndian.AppendUint64(nil, seq), k)
}

// counts returns value -> times applied, and the total number of applies.
func counts(t testing.TB, db *bolt.DB) (map[int64]uint64, uint64) {
	t.Helper()
	m := map[int64]uint64{}
	var total uint64
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCounts)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			n := binary.BigEndian.Uint64(v)
			m[int64(binary.BigEndian.Uint64(k))] = n
			total += n
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read counts: %v", err)
	}
	return m, total
}

// appliedOrder returns the payload values in the order they were applied.
func appliedOrder(t testing.TB, db *bolt.DB) []int64 {
	t.Helper()
	var out []int64
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOrder)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			out = append(out, int64(binary.BigEndian.Uint64(v)))
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read order: %v", err)
	}
	return out
}

// waitCounts waits until each of values 0..n-1 has been applied, then
// checks each exactly once and nothing else.
func waitExactlyOnce(t testing.TB, db *bolt.DB, n int) {
	t.Helper()
	checkFor(t, waitLong, 20*time.Millisecond, func() error {
		m, total := counts(t, db)
		if len(m) < n {
			return fmt.Errorf("%d of %d values applied (total applies %d)", len(m), n, total)
		}
		return nil
	})
	m, total := counts(t, db)
	for i := range n {
		if m[int64(i)] != 1 {
			t.Fatalf("value %d applied %d times, want once", i, m[int64(i)])
		}
	}
	if len(m) != n || total != uint64(n) {
		t.Fatalf("%d values, %d applies; want %d and %d", len(m), total, n, n)
	}
}

func streamMsgs(t testing.TB, st jetstream.Stream) uint64 {
	t.Helper()
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	return info.State.Msgs
}

func waitStreamMsgs(t testing.TB, st jetstream.Stream, want uint64) {
	t.Helper()
	checkFor(t, waitLong, 20*time.Millisecond, func() error {
		if got := streamMsgs(t, st); got != want {
			return fmt.Errorf("stream holds %d messages, want %d", got, want)
		}
		return nil
	})
}

func waitDepth(t testing.TB, r *Relay, want int) {
	t.Helper()
	checkFor(t, waitLong, 20*time.Millisecond, func() error {
		d, err := r.Depth()
		if err != nil {
			return err
		}
		if d != want {
			return fmt.Errorf("outbox depth %d, want %d", d, want)
		}
		return nil
	})
}

// storedIDs returns the Nats-Msg-Id of every message in the stream, in
// stream order.
func storedIDs(t testing.TB, st jetstream.Stream) []string {
	t.Helper()
	ctx := context.Background()
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("stream info: %v", err)
	}
	var ids []string
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			t.Fatalf("get msg %d: %v", seq, err)
		}
		ids = append(ids, m.Header.Get(jetstream.MsgIDHeader))
	}
	return ids
}

func consume(t testing.TB, js jetstream.JetStream, db *bolt.DB, spec ConsumerSpec, apply ApplyFunc) (stop func()) {
	t.Helper()
	return runBackground(t, func(ctx context.Context) error {
		return Consume(ctx, js, db, spec, apply)
	})
}
