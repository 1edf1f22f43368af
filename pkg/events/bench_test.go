package events

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkRelay measures relay throughput: b.N outbox rows (written before
// the timer starts) published to a file-storage stream and deleted, with the
// server's sync_interval always (what the suite ships) and at its default.
// Run: go test -run '^$' -bench 'Relay|Consume' -benchtime 20000x ./events/
func BenchmarkRelay(b *testing.B) {
	for _, syncAlways := range []bool{true, false} {
		b.Run(fmt.Sprintf("sync_always=%v", syncAlways), func(b *testing.B) {
			srv := natsembed.StartForTestWith(b, natsembed.Options{SyncAlways: syncAlways})
			_, js := connect(b, srv)
			st := ensureStream(b, js, CaseloadStream())
			db, _ := tempDB(b, "producer.db")
			appendN(b, db, []string{"caseload.a", "caseload.b"}, 0, b.N, 1000)

			done := make(chan struct{})
			var published atomic.Int64
			r := NewRelay(db, js, RelayOptions{OnPublished: func(n int) {
				if published.Add(int64(n)) == int64(b.N) {
					close(done)
				}
			}})
			b.ResetTimer()
			start := time.Now()
			stop := runRelay(b, r)
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				b.Fatalf("published %d of %d", published.Load(), b.N)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			stop()
			if got := streamMsgs(b, st); got != uint64(b.N) {
				b.Fatalf("stream holds %d, want %d", got, b.N)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}

// BenchmarkConsume measures applied events/s: b.N events already in the
// stream (published before the timer starts), applied by Consume to a
// counter projection in bbolt, batches of 256 per transaction. The events
// are published to a server at the default sync interval (to keep set-up
// short), which is then restarted with sync_interval always on the same
// store before the timer starts.
func BenchmarkConsume(b *testing.B) {
	srv := natsembed.StartForTestWith(b, natsembed.Options{SyncAlways: false})
	nc, js := connect(b, srv)
	st := ensureStream(b, js, CaseloadStream())
	pdb, _ := tempDB(b, "producer.db")
	evs := appendN(b, pdb, []string{"caseload.a"}, 0, b.N, 1000)
	publishAll(b, js, evs)
	srv.Shutdown()
	opts := srv.Options()
	opts.SyncAlways = true
	srv2, err := natsembed.Start(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv2.Shutdown)
	checkFor(b, waitLong, 20*time.Millisecond, func() error {
		if !nc.IsConnected() {
			return errors.New("not reconnected")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		info, err := st.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs != uint64(b.N) {
			return fmt.Errorf("stream holds %d, want %d", info.State.Msgs, b.N)
		}
		return nil
	})

	cdb, _ := tempDB(b, "consumer.db")
	done := make(chan struct{})
	var applied atomic.Int64
	spec := ConsumerSpec{Stream: StreamCaseload, Durable: "bench", OnApplied: func(n int) {
		if applied.Add(int64(n)) == int64(b.N) {
			close(done)
		}
	}}
	b.ResetTimer()
	start := time.Now()
	stop := runBackground(b, func(ctx context.Context) error {
		return Consume(ctx, js, cdb, spec, counterApply)
	})
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("applied %d of %d", applied.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// publishAll publishes evs directly, pipelined in windows of 1000.
func publishAll(b *testing.B, js jetstream.JetStream, evs []Event) {
	for i, ev := range evs {
		if _, err := js.PublishMsgAsync(eventMsg(ev)); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 || i == len(evs)-1 {
			select {
			case <-js.PublishAsyncComplete():
			case <-time.After(2 * time.Minute):
				b.Fatal("publish did not complete")
			}
		}
	}
}

// BenchmarkRawPublish is the baseline for BenchmarkRelay: the same events
// published straight to JetStream, pipelined, with no outbox.
func BenchmarkRawPublish(b *testing.B) {
	for _, syncAlways := range []bool{true, false} {
		b.Run(fmt.Sprintf("sync_always=%v", syncAlways), func(b *testing.B) {
			srv := natsembed.StartForTestWith(b, natsembed.Options{SyncAlways: syncAlways})
			_, js := connect(b, srv)
			ensureStream(b, js, CaseloadStream())
			evs := make([]Event, b.N)
			for i := range evs {
				evs[i] = Event{ID: fmt.Sprintf("raw-%d", i), Subject: "caseload.a", Data: []byte("0123456789")}
			}
			b.ResetTimer()
			start := time.Now()
			publishAll(b, js, evs)
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}
