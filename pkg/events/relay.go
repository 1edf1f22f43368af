package events

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
)

// Relay defaults.
const (
	DefaultBatchSize    = 256
	DefaultPollInterval = 200 * time.Millisecond
	DefaultAckTimeout   = 10 * time.Second
	// MaxBackoff caps the relay's and the consumer's retry back-off.
	MaxBackoff = 2 * time.Second
	minBackoff = 25 * time.Millisecond
)

// RelayOptions configures a Relay. Zero values take the defaults.
type RelayOptions struct {
	// BatchSize is the most publishes in flight at once (256).
	BatchSize int
	// PollInterval is how often the outbox is looked at when nobody calls
	// Notify (200 ms).
	PollInterval time.Duration
	// AckTimeout bounds the wait for a batch's publish acknowledgements
	// (10 s); rows not acknowledged by then are published again.
	AckTimeout time.Duration
	// Logger receives failures and recoveries (slog.Default() if nil).
	Logger *slog.Logger
	// OnPublished, if set, is called each time acknowledged rows have left
	// the outbox, with their number.
	OnPublished func(n int)
	// Retain, when positive, keeps each acknowledged row (in
	// PublishedBucket) for this long instead of deleting it, and Run
	// publishes the retained rows again when it starts. It is for a
	// JetStream server that fsyncs on an interval rather than per message
	// (sync_interval other than always): a crash of the machine can take the
	// stream's unsynced tail, and the restarted relay puts it back, in the
	// same order and so at the same stream sequences, while the rows still
	// in the stream are dropped as duplicates. Set it well above the
	// server's sync interval (natsembed.Options.SyncInterval). Zero deletes
	// rows on acknowledgement, for a server with sync_interval always.
	Retain time.Duration
}

// Relay publishes outbox rows of one bbolt file to JetStream. Make one per
// file with NewRelay, run it with Run, and call Notify after each commit
// that appended events.
//
// For the strictest ordering, give the relay's connection
// nats.ReconnectBufSize(-1) (see RelayConnectOptions): publishes made while
// the client is reconnecting then fail at once instead of being buffered and
// sent after the reconnect, behind a publish that may have been lost.
type Relay struct {
	db      *bolt.DB
	js      jetstream.JetStream
	opts    RelayOptions
	log     *slog.Logger
	notify  chan struct{}
	running atomic.Bool

	// crashAfterPublish, set only by tests, is called each time
	// acknowledgements have been received, before their rows are handed to
	// the deleter; returning true makes Run return there as if the process
	// had died.
	crashAfterPublish func() bool
}

// RelayConnectOptions are the nats.Options recommended for the relay's
// connection: reconnect forever, and no reconnect buffer, so a publish is
// never queued behind one that was lost with the old connection.
func RelayConnectOptions() []nats.Option {
	return []nats.Option{nats.MaxReconnects(-1), nats.ReconnectBufSize(-1)}
}

// NewRelay makes a relay for db publishing through js.
func NewRelay(db *bolt.DB, js jetstream.JetStream, opts RelayOptions) *Relay {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = DefaultAckTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Relay{
		db:     db,
		js:     js,
		opts:   opts,
		log:    log.With("component", "events.relay"),
		notify: make(chan struct{}, 1),
	}
}

// Notify wakes the relay; it never blocks. Call it after committing a
// transaction that appended events.
func (r *Relay) Notify() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Depth returns the number of rows waiting in the outbox.
func (r *Relay) Depth() (int, error) {
	var n int
	err := r.db.View(func(tx *bolt.Tx) error {
		n = OutboxDepth(tx)
		return nil
	})
	return n, err
}

// Run publishes outbox rows until ctx is done, then returns nil. Failures
// (NATS down, no stream, timeouts) are logged and retried with exponential
// back-off capped at MaxBackoff; rows are never skipped. Only one Run may be
// active per Relay.
//
// Publishing is a pipeline, not a sequence of passes: up to BatchSize rows
// are in flight at once (published, acknowledgement awaited), new rows are
// published as soon as a commit calls Notify and there is room, and the rows
// whose publish was acknowledged are deleted by a separate goroutine in
// batches. So a publish never waits for a bbolt write transaction (whose
// lock the service's own writes hold most of the time under load), and the
// outbox-to-stream lag is the stream's own store time.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("events: relay already running")
	}
	defer r.running.Store(false)

	// Rows retained from before (a restart, perhaps after the machine
	// crashed and the stream lost its unsynced tail) are published again
	// first: the stream drops those it holds and stores those it lost.
	if n, err := r.restoreRetained(); err != nil {
		return fmt.Errorf("events: restore retained rows: %w", err)
	} else if n > 0 {
		r.log.Info("publishing retained rows again", "rows", n)
	}

	del := newDeleter(r)
	defer del.close()

	var (
		from     []byte // first outbox key not yet published (nil: the first row)
		queue    []inflight
		backoff  time.Duration
		failures int
	)
	nc := r.js.Conn()
	for {
		if ctx.Err() != nil {
			return nil
		}

		// Fill the window with rows not yet published, in key order; stop
		// at the first publish that cannot even be sent.
		var failed error
		if room := r.opts.BatchSize - len(queue); room > 0 {
			rows, err := r.readFrom(from, room)
			if err != nil {
				failed = err
			}
			for _, row := range rows {
				if nc.Status() != nats.CONNECTED {
					failed = errNotConnected
					break
				}
				f, err := r.js.PublishMsgAsync(eventMsg(row.ev), jetstream.WithRetryAttempts(0))
				if err != nil {
					failed = fmt.Errorf("publish event %s: %w", row.ev.ID, err)
					break
				}
				queue = append(queue, inflight{key: row.key, id: row.ev.ID, fut: f, sent: time.Now()})
				from = keyAfter(row.key)
			}
		}

		// Wait for the oldest acknowledgement, then take every one already
		// in; more rows may be published meanwhile if there is room.
		acked := 0
		if failed == nil && len(queue) > 0 {
			var more <-chan struct{}
			if len(queue) < r.opts.BatchSize {
				more = r.notify
			}
			front := queue[0]
			deadline := time.NewTimer(time.Until(front.sent.Add(r.opts.AckTimeout)))
			select {
			case <-front.fut.Ok(): // a duplicate ack counts: the stream holds the event
				acked = 1
			case err := <-front.fut.Err():
				failed = fmt.Errorf("publish event %s: %w", front.id, err)
			case <-deadline.C:
				failed = fmt.Errorf("publish event %s: no acknowledgement within %s", front.id, r.opts.AckTimeout)
			case <-more:
			case <-ctx.Done():
				deadline.Stop()
				return nil
			}
			deadline.Stop()
		drain:
			for acked > 0 && acked < len(queue) {
				select {
				case <-queue[acked].fut.Ok():
					acked++
				case err := <-queue[acked].fut.Err():
					failed = fmt.Errorf("publish event %s: %w", queue[acked].id, err)
					break drain
				default:
					break drain
				}
			}
		}

		if acked > 0 {
			if r.crashAfterPublish != nil && r.crashAfterPublish() {
				return nil // as if the process died: the acknowledged rows stay
			}
			keys := make([][]byte, acked)
			for i := range acked {
				keys[i] = queue[i].key
			}
			del.add(keys)
			queue = queue[acked:]
		}

		if failed != nil {
			// Start again from the first row not acknowledged, with the
			// same ids; what was in flight after it is published again and
			// the stream drops what it already holds.
			if len(queue) > 0 {
				from = queue[0].key
			}
			clear(queue)
			queue = queue[:0]
			failures++
			backoff = nextBackoff(backoff)
			lvl := slog.LevelDebug
			if failures == 1 {
				lvl = slog.LevelWarn
			}
			r.log.Log(ctx, lvl, "publish failed; retrying", "err", failed, "attempt", failures, "backoff", backoff)
			if !sleepCtx(ctx, backoff) {
				return nil
			}
			continue
		}
		if failures > 0 && acked > 0 {
			r.log.Info("publishing recovered", "failed_attempts", failures)
			failures, backoff = 0, 0
		}

		if len(queue) == 0 {
			t := time.NewTimer(r.opts.PollInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-r.notify:
				t.Stop()
			case <-t.C:
			}
		}
	}
}

// inflight is a published row whose acknowledgement is awaited.
type inflight struct {
	key  []byte
	id   string
	fut  jetstream.PubAckFuture
	sent time.Time
}

type outboxRow struct {
	key []byte
	ev  Event
}

var errNotConnected = errors.New("events: NATS connection not connected")

// keyAfter is the smallest key greater than k.
func keyAfter(k []byte) []byte {
	return append(append(make([]byte, 0, len(k)+1), k...), 0)
}

// readFrom reads up to n outbox rows in key order, starting at the first key
// at or above from.
func (r *Relay) readFrom(from []byte, n int) ([]outboxRow, error) {
	var rows []outboxRow
	err := r.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(OutboxBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		var k, v []byte
		if from == nil {
			k, v = c.First()
		} else {
			k, v = c.Seek(from)
		}
		for ; k != nil && len(rows) < n; k, v = c.Next() {
			ev, err := decodeRow(v)
			if err != nil {
				// Never skip a row: stop here and keep retrying, loudly.
				return fmt.Errorf("outbox row %x: %w", k, err)
			}
			rows = append(rows, outboxRow{key: append([]byte(nil), k...), ev: ev})
		}
		return nil
	})
	return rows, err
}

// deleter removes acknowledged outbox rows in batches, off the publish path.
// A row it has not yet removed when the process dies is published again
// after a restart, and the stream drops the duplicate.
type deleter struct {
	r    *Relay
	mu   sync.Mutex
	keys [][]byte
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

func newDeleter(r *Relay) *deleter {
	d := &deleter{r: r, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go d.run()
	return d
}

func (d *deleter) add(keys [][]byte) {
	d.mu.Lock()
	d.keys = append(d.keys, keys...)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// removePublished takes acknowledged rows out of the outbox: deleted, or
// with Retain moved to PublishedBucket stamped with now, where the rows
// older than the retention are deleted.
func (r *Relay) removePublished(tx *bolt.Tx, keys [][]byte, now time.Time) error {
	b := tx.Bucket(OutboxBucket)
	if b == nil {
		return errors.New("events: outbox bucket vanished")
	}
	if r.opts.Retain <= 0 {
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}
	pb, err := tx.CreateBucketIfNotExists(PublishedBucket)
	if err != nil {
		return err
	}
	stamp := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	for _, k := range keys {
		v := b.Get(k)
		if v == nil {
			continue
		}
		if err := pb.Put(k, append(append(make([]byte, 0, 8+len(v)), stamp...), v...)); err != nil {
			return err
		}
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	// Rows are acknowledged in key order, so the expired ones lead.
	expired := now.Add(-r.opts.Retain).UnixNano()
	c := pb.Cursor()
	for k, v := c.First(); k != nil; k, v = c.First() {
		if len(v) >= 8 && int64(binary.BigEndian.Uint64(v[:8])) > expired {
			break
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// restoreRetained moves the retained rows back into the outbox, under their
// own keys (all below any row still waiting), to be published again. A row
// acknowledged longer ago than DefaultRetention is dropped instead: its
// republish would fall outside the stream's duplicate window and the
// consumers' record of applied ids (Prune), and be counted twice; only a
// machine that crashed within a second of that acknowledgement and stayed
// down for a week could have lost it.
func (r *Relay) restoreRetained() (int, error) {
	n, dropped := 0, 0
	oldest := time.Now().Add(-DefaultRetention).UnixNano()
	defer func() {
		if dropped > 0 {
			r.log.Warn("retained rows older than the consumers' retention dropped, not republished", "rows", dropped)
		}
	}()
	err := r.db.Update(func(tx *bolt.Tx) error {
		pb := tx.Bucket(PublishedBucket)
		if pb == nil || pb.Stats().KeyN == 0 {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(OutboxBucket)
		if err != nil {
			return err
		}
		c := pb.Cursor()
		for k, v := c.First(); k != nil; k, v = c.First() {
			if len(v) < 8 {
				return fmt.Errorf("retained row %x: malformed", k)
			}
			if int64(binary.BigEndian.Uint64(v[:8])) < oldest {
				if err := c.Delete(); err != nil {
					return err
				}
				dropped++
				continue
			}
			if err := b.Put(append([]byte(nil), k...), append([]byte(nil), v[8:]...)); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// close removes what was handed over so far and stops.
func (d *deleter) close() {
	close(d.stop)
	<-d.done
}

func (d *deleter) run() {
	defer close(d.done)
	backoff := time.Duration(0)
	for {
		stopping := false
		select {
		case <-d.wake:
		case <-d.stop:
			stopping = true
		}
		d.mu.Lock()
		keys := d.keys
		d.keys = nil
		d.mu.Unlock()
		if len(keys) == 0 {
			if stopping {
				return
			}
			continue
		}
		err := d.r.db.Update(func(tx *bolt.Tx) error {
			return d.r.removePublished(tx, keys, time.Now())
		})
		if err != nil {
			// The rows stay: they are published again after a restart and
			// the stream drops the duplicates. Try again shortly.
			d.r.log.Warn("delete published rows", "err", err, "rows", len(keys))
			if stopping {
				return
			}
			d.mu.Lock()
			d.keys = append(keys, d.keys...)
			d.mu.Unlock()
			backoff = nextBackoff(backoff)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
				d.add(nil)
			case <-d.stop:
				t.Stop()
				d.add(nil)
			}
			continue
		}
		backoff = 0
		if d.r.opts.OnPublished != nil {
			d.r.opts.OnPublished(len(keys))
		}
		if stopping {
			return
		}
	}
}

// eventMsg builds the JetStream message for an outbox row.
func eventMsg(ev Event) *nats.Msg {
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, ev.ID)
	if ev.Type != "" {
		h.Set(HeaderType, ev.Type)
	}
	h.Set(HeaderCreated, ev.Created.UTC().Format(time.RFC3339Nano))
	return &nats.Msg{Subject: ev.Subject, Data: ev.Data, Header: h}
}

func nextBackoff(d time.Duration) time.Duration {
	if d < minBackoff {
		return minBackoff
	}
	d *= 2
	if d > MaxBackoff {
		d = MaxBackoff
	}
	return d
}

// sleepCtx waits d or until ctx is done; it reports whether ctx is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
