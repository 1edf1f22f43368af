// Package feed keeps a bounded ring of the most recent changes of the live
// indicator values and lets any number of followers (gRPC WatchIndicators
// streams, the core-NATS broadcaster) read it at their own pace: a
// follower gets a snapshot, then every change in sequence order; one that
// falls further behind than the ring, or resumes from a sequence the ring
// no longer holds (or never held: a restart), gets a fresh snapshot
// instead. Nothing is buffered per follower and a slow follower never
// slows the projection.
package feed

import (
	"context"
	"sync"

	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// DefaultCapacity is the number of changes kept.
const DefaultCapacity = 4096

// Change is one change of the live values.
type Change struct {
	Seq    uint64
	Values []projection.Value // the values that changed
}

// Feed is the ring of recent changes.
type Feed struct {
	mu    sync.Mutex
	ring  []Change
	head  int // index of the oldest change
	n     int
	last  uint64 // sequence of the newest change (or the base)
	wake  chan struct{}
	subsN int
}

// New returns an empty feed whose newest sequence is base (the sequence
// the live values start at).
func New(capacity int, base uint64) *Feed {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Feed{ring: make([]Change, capacity), last: base, wake: make(chan struct{})}
}

// Publish adds a change; it has the signature of projection.ChangeFunc and
// never blocks.
func (f *Feed) Publish(seq uint64, values []projection.Value) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == len(f.ring) {
		f.ring[f.head] = Change{}
		f.head = (f.head + 1) % len(f.ring)
		f.n--
	}
	f.ring[(f.head+f.n)%len(f.ring)] = Change{Seq: seq, Values: values}
	f.n++
	f.last = seq
	close(f.wake)
	f.wake = make(chan struct{})
}

// Since returns the changes after sequence after, oldest first. ok is
// false when they cannot all be given (after is older than the ring, or
// newer than the newest change): the caller needs a snapshot. wake is
// closed by the next Publish.
func (f *Feed) Since(after uint64) (changes []Change, ok bool, wake <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	wake = f.wake
	if after == f.last {
		return nil, true, wake
	}
	if after > f.last || f.n == 0 {
		return nil, false, wake
	}
	oldest := f.ring[f.head].Seq
	if after+1 < oldest {
		return nil, false, wake
	}
	// Sequences in the ring are consecutive: the change after `after` is at
	// offset after+1-oldest.
	for i := int(after + 1 - oldest); i < f.n; i++ {
		changes = append(changes, f.ring[(f.head+i)%len(f.ring)])
	}
	return changes, true, wake
}

// Last returns the newest sequence.
func (f *Feed) Last() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// Followers returns how many followers are running.
func (f *Feed) Followers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.subsN
}

// Message is what a follower is sent.
type Message struct {
	Seq      uint64
	Snapshot bool               // every value, not only the changed ones
	Values   []projection.Value // the values (all of them in a snapshot)
}

// SnapshotFunc returns every current value with its sequence.
type SnapshotFunc func() (seq uint64, values []projection.Value)

// Follow sends a follower its messages until ctx ends (returning
// ctx.Err()) or send fails (returning its error): a snapshot first when
// after is 0 or cannot be resumed from, then every change after it; a
// fresh snapshot whenever the follower has fallen behind the ring.
//
// The projection adds a change to the feed before it publishes the live
// values carrying that sequence, so a snapshot's sequence is never ahead
// of the feed.
func (f *Feed) Follow(ctx context.Context, snapshot SnapshotFunc, after uint64, send func(Message) error) error {
	f.mu.Lock()
	f.subsN++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.subsN--
		f.mu.Unlock()
	}()
	last, needSnapshot := after, after == 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if needSnapshot {
			seq, values := snapshot()
			if err := send(Message{Seq: seq, Snapshot: true, Values: values}); err != nil {
				return err
			}
			last, needSnapshot = seq, false
		}
		changes, ok, wake := f.Since(last)
		if !ok {
			needSnapshot = true
			continue
		}
		for _, c := range changes {
			if err := send(Message{Seq: c.Seq, Values: c.Values}); err != nil {
				return err
			}
			last = c.Seq
		}
		if len(changes) == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-wake:
			}
		}
	}
}
