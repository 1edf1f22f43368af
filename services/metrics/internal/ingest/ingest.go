package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"

	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"github.com/corporate-parenting/suite/services/metrics/internal/store"
)

// Durable consumer names (architecture: "Streams and subjects"): those of
// a metrics service run with the default durable prefix.
const (
	DefaultDurablePrefix = "metrics"

	DurableCaseload   = DefaultDurablePrefix + "-caseload"
	DurablePlacement  = DefaultDurablePrefix + "-placement"
	DurableCareleaver = DefaultDurablePrefix + "-careleaver"
)

// maxDurablePrefix bounds a durable prefix; NATS stores a consumer under
// its name, and a pod name ("metrics-2") is far shorter.
const maxDurablePrefix = 64

// DefaultBatch is the most events applied per bbolt transaction. Large
// batches make a replay from the start of the streams fast (one fsync per
// batch); at live rates a batch is whatever arrived within events.Consume's
// linger (5 ms), so they do not add latency.
const DefaultBatch = 2048

// Sequence reservation: a process reserves change sequences in blocks
// (store.KeySeqReserved) so that they keep increasing across restarts
// without a write per change. A new block is reserved, inside a consumer's
// transaction, once fewer than seqMargin sequences of the block are left.
const (
	SeqBlock  = 1 << 20
	seqMargin = 1 << 12
)

// DefaultLinger is how long a consumer waits, once an event has arrived,
// for more to share its transaction (one fsync). Measured at 1,000
// events/s: 1 ms makes a transaction per event or two, more commits than
// one bbolt writer sustains on this hardware, and a backlog of seconds;
// 5 ms keeps commits near 200/s and the write-to-subscriber p50 under
// 10 ms. A replay does not depend on it: its events are already waiting.
const DefaultLinger = 5 * time.Millisecond

// Specs are the three durable consumers, with the default durable names,
// batch (DefaultBatch if 0) and linger (DefaultLinger if 0).
func Specs(batch int, linger time.Duration) []events.ConsumerSpec {
	specs, err := SpecsFor(DefaultDurablePrefix, batch, linger)
	if err != nil {
		panic(err) // the default prefix is valid
	}
	return specs
}

// SpecsFor are the three durable consumers of a metrics replica whose
// durable names are <prefix>-caseload, <prefix>-placement and
// <prefix>-careleaver. Each replica of the metrics service projects every
// event into its own bbolt file, so each needs durables of its own: two
// replicas sharing a durable would each see only part of the events. An
// empty prefix is DefaultDurablePrefix; a prefix is letters, digits, '-'
// and '_' (NATS consumer names allow no '.', '*', '>' or spaces).
func SpecsFor(prefix string, batch int, linger time.Duration) ([]events.ConsumerSpec, error) {
	if prefix == "" {
		prefix = DefaultDurablePrefix
	}
	if err := ValidDurablePrefix(prefix); err != nil {
		return nil, err
	}
	if batch <= 0 {
		batch = DefaultBatch
	}
	if linger <= 0 {
		linger = DefaultLinger
	}
	return []events.ConsumerSpec{
		{Stream: events.StreamCaseload, Durable: prefix + "-caseload", Batch: batch, Linger: linger},
		{Stream: events.StreamPlacement, Durable: prefix + "-placement", Batch: batch, Linger: linger},
		{Stream: events.StreamCareleaver, Durable: prefix + "-careleaver", Batch: batch, Linger: linger},
	}, nil
}

// ValidDurablePrefix reports whether prefix can start a durable name.
func ValidDurablePrefix(prefix string) error {
	if prefix == "" || len(prefix) > maxDurablePrefix {
		return fmt.Errorf("ingest: durable prefix must be 1 to %d characters", maxDurablePrefix)
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("ingest: durable prefix %q: only letters, digits, '-' and '_'", prefix)
		}
	}
	return nil
}

// CheckDurables refuses a bbolt file that was projected by durables other
// than specs'. A file keeps each durable's applied events; started under a
// new prefix, its consumers would replay every stream from the start into
// totals that already hold those events, counting each twice. The prefix
// belongs to the data directory: keep it, or start the replica on an empty
// directory.
func CheckDurables(db *bolt.DB, specs []events.ConsumerSpec) error {
	want := map[string]bool{}
	for _, s := range specs {
		want[s.Durable] = true
	}
	var other []string
	err := db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(events.ConsumersBucket)
		if c == nil {
			return nil
		}
		return c.ForEach(func(k, v []byte) error {
			if v == nil && !want[string(k)] {
				other = append(other, string(k))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	if len(other) > 0 {
		return fmt.Errorf("ingest: this data directory was projected by durable consumers %s, not %s: its durable prefix cannot change (start with an empty data directory to use another)",
			strings.Join(other, ", "), strings.Join(slices.Sorted(maps.Keys(want)), ", "))
	}
	return nil
}

// Ingest applies events to the store and the projection.
type Ingest struct {
	proj     *projection.Projection
	reserved atomic.Uint64

	mu     sync.Mutex
	cur    *pending
	spares [][]projection.Point // committed batches' slices, for reuse
	maxLen int                  // the most points a batch has held
}

// pending are the points of one write transaction, applied to the
// projection when (and only if) it commits.
type pending struct {
	tx     *bolt.Tx
	points []projection.Point
}

// New returns an Ingest feeding proj; reservedEnd is the end of the
// sequence block reserved at start (store.ReserveAtStart); batch is the
// consumers' batch size (DefaultBatch if 0), used to size the buffers.
func New(proj *projection.Projection, reservedEnd uint64, batch int) *Ingest {
	if batch <= 0 {
		batch = DefaultBatch
	}
	// An event makes one or two points (three at most, rarely).
	in := &Ingest{proj: proj, maxLen: 2 * batch}
	in.reserved.Store(reservedEnd)
	return in
}

// Apply is the events.ApplyFunc: it decodes the event, appends its points
// to the store in tx, and arranges for them to reach the projection after
// tx commits. A rolled-back transaction (events.Consume retrying a batch,
// or isolating a poison event) leaves the projection untouched.
func (in *Ingest) Apply(tx *bolt.Tx, ev events.Delivered) error {
	pts, err := Decode(ev.Subject, ev.Data, in.proj)
	if err != nil || len(pts) == 0 {
		return err // a malformed event is dead-lettered by events.Consume
	}
	p, err := in.pendingFor(tx)
	if err != nil {
		return events.Retry(err)
	}
	if err := store.Append(tx, pts); err != nil {
		return events.Retry(err)
	}
	p.points = append(p.points, pts...)
	return nil
}

// pendingFor returns tx's pending points, registering the commit hook on
// the first event of tx. bbolt runs one write transaction at a time, so a
// pending of another transaction still held here is one that rolled back.
func (in *Ingest) pendingFor(tx *bolt.Tx) (*pending, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cur != nil && in.cur.tx == tx {
		return in.cur, nil
	}
	p := &pending{tx: tx}
	if n := len(in.spares); n > 0 {
		p.points, in.spares = in.spares[n-1], in.spares[:n-1]
	} else {
		p.points = make([]projection.Point, 0, in.maxLen)
	}
	in.cur = p
	if seq, end := in.proj.Seq(), in.reserved.Load(); seq+seqMargin >= end {
		next := seq + SeqBlock
		if err := store.PutSeqReserved(tx, next); err != nil {
			in.cur = nil
			return nil, err
		}
		tx.OnCommit(func() { in.reserved.Store(next) })
	}
	tx.OnCommit(func() {
		in.proj.Apply(p.points)
		in.mu.Lock()
		if in.cur == p {
			in.cur = nil
		}
		// The projection copied what it keeps: the slice can serve a later
		// transaction (a replay applies batches of thousands; the next
		// transaction may begin before this hook runs, hence a few spares).
		in.maxLen = max(in.maxLen, len(p.points))
		if len(in.spares) < 4 {
			clear(p.points)
			in.spares = append(in.spares, p.points[:0])
		}
		in.mu.Unlock()
	})
	return p, nil
}

// Consume runs one durable consumer until ctx ends.
func (in *Ingest) Consume(ctx context.Context, js jetstream.JetStream, db *bolt.DB, spec events.ConsumerSpec) error {
	if js == nil || db == nil {
		return errors.New("ingest: Consume needs JetStream and the bbolt file")
	}
	return events.Consume(ctx, js, db, spec, in.Apply)
}

// Reserved returns the end of the reserved sequence block.
func (in *Ingest) Reserved() uint64 { return in.reserved.Load() }
