package feed

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

func val(n int64) []projection.Value {
	return []projection.Value{{Key: projection.Key{Indicator: "cla_count", Variant: "dfe", AgeBand: "all"}, Numerator: n, AsAt: clock.MustParseDate("2026-03-31")}}
}

func TestSinceResumesOrAsksForASnapshot(t *testing.T) {
	f := New(3, 10)
	if ch, ok, _ := f.Since(10); !ok || len(ch) != 0 {
		t.Fatal("up to date at the base")
	}
	if _, ok, _ := f.Since(4); ok {
		t.Fatal("a sequence from before the base (an earlier run) resumed")
	}
	for s := uint64(11); s <= 15; s++ {
		f.Publish(s, val(int64(s)))
	}
	// The ring holds 13, 14, 15.
	for _, tt := range []struct {
		after uint64
		want  []uint64
		ok    bool
	}{
		{15, nil, true}, {14, []uint64{15}, true}, {12, []uint64{13, 14, 15}, true},
		{11, nil, false}, {0, nil, false}, {16, nil, false},
	} {
		ch, ok, _ := f.Since(tt.after)
		var got []uint64
		for _, c := range ch {
			got = append(got, c.Seq)
		}
		if ok != tt.ok || len(got) != len(tt.want) {
			t.Fatalf("Since(%d) = %v,%v want %v,%v", tt.after, got, ok, tt.want, tt.ok)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("Since(%d) = %v", tt.after, got)
			}
		}
	}
	if f.Last() != 15 {
		t.Fatal("Last")
	}
}

func TestWakeIsClosedByPublish(t *testing.T) {
	f := New(4, 0)
	_, _, wake := f.Since(0)
	select {
	case <-wake:
		t.Fatal("woken before a publish")
	default:
	}
	f.Publish(1, val(1))
	select {
	case <-wake:
	case <-time.After(5 * time.Second):
		t.Fatal("not woken")
	}
}

// follower records what Follow sends.
type follower struct {
	mu   sync.Mutex
	msgs []Message
}

func (r *follower) send(m Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func (r *follower) get() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

func checkFor(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFollowSnapshotThenChangesThenSnapshotWhenBehind(t *testing.T) {
	f := New(2, 100)
	var mu sync.Mutex
	cur := uint64(100)
	snap := func() (uint64, []projection.Value) {
		mu.Lock()
		defer mu.Unlock()
		return cur, val(int64(cur))
	}
	publish := func(s uint64) {
		mu.Lock()
		cur = s
		mu.Unlock()
		f.Publish(s, val(int64(s)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var r follower
	done := make(chan error, 1)
	go func() { done <- f.Follow(ctx, snap, 0, r.send) }()
	checkFor(t, 5*time.Second, func() error {
		if len(r.get()) != 1 || f.Followers() != 1 {
			return errors.New("no snapshot yet")
		}
		return nil
	})
	publish(101)
	publish(102)
	checkFor(t, 5*time.Second, func() error {
		if len(r.get()) != 3 {
			return errors.New("changes not followed")
		}
		return nil
	})
	m := r.get()
	if !m[0].Snapshot || m[0].Seq != 100 || m[1].Seq != 101 || m[1].Snapshot || m[2].Seq != 102 {
		t.Fatalf("messages %+v", m)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow returned %v", err)
	}

	// A follower resuming from a sequence the ring no longer holds gets a snapshot.
	publish(103)
	publish(104)
	var r2 follower
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() { _ = f.Follow(ctx2, snap, 101, r2.send) }()
	checkFor(t, 5*time.Second, func() error {
		if len(r2.get()) != 1 {
			return errors.New("no snapshot for a stale resume")
		}
		return nil
	})
	if m := r2.get()[0]; !m.Snapshot || m.Seq != 104 {
		t.Fatalf("stale resume got %+v", m)
	}
	// Resuming from a sequence the ring still holds gets only what followed.
	var r3 follower
	go func() { _ = f.Follow(ctx2, snap, 103, r3.send) }()
	checkFor(t, 5*time.Second, func() error {
		if len(r3.get()) != 1 {
			return errors.New("no change for a fresh resume")
		}
		return nil
	})
	if m := r3.get()[0]; m.Snapshot || m.Seq != 104 {
		t.Fatalf("resume got %+v", m)
	}
}

func TestFollowStopsWhenSendFails(t *testing.T) {
	f := New(2, 0)
	boom := errors.New("gone")
	err := f.Follow(context.Background(), func() (uint64, []projection.Value) { return 0, nil }, 0, func(Message) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Follow returned %v", err)
	}
}
