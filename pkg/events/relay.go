package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// BatchSize is the most rows read and published per pass (256).
	BatchSize int
	// PollInterval is how often the outbox is looked at when nobody calls
	// Notify (200 ms).
	PollInterval time.Duration
	// AckTimeout bounds the wait for a batch's publish acknowledgements
	// (10 s); rows not acknowledged by then are published again.
	AckTimeout time.Duration
	// Logger receives failures and recoveries (slog.Default() if nil).
	Logger *slog.Logger
	// OnPublished, if set, is called after each pass that removed rows, with
	// the number of rows published and removed.
	OnPublished func(n int)
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

	// crashAfterPublish, set only by tests, is called after the batch's
	// acknowledgements have been received and before the rows are deleted;
	// returning true makes the pass stop there as if the process had died.
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
// back-off capped at MaxBackoff; rows are never skipped or reordered. Only
// one Run may be active per Relay.
func (r *Relay) Run(ctx context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New("events: relay already running")
	}
	defer r.running.Store(false)

	backoff := time.Duration(0)
	failures := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		n, full, err := r.pass(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			backoff = nextBackoff(backoff)
			lvl := slog.LevelDebug
			if failures == 1 {
				lvl = slog.LevelWarn
			}
			r.log.Log(ctx, lvl, "publish failed; retrying", "err", err, "published", n, "attempt", failures, "backoff", backoff)
			if !sleepCtx(ctx, backoff) {
				return nil
			}
			continue
		}
		if failures > 0 {
			r.log.Info("publishing recovered", "failed_attempts", failures)
			failures = 0
		}
		backoff = 0
		if full {
			continue
		}
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

type outboxRow struct {
	key []byte
	ev  Event
}

var errNotConnected = errors.New("events: NATS connection not connected")

// pass publishes one batch. It returns the number of rows published and
// deleted, whether the batch was full (more rows may wait), and the first
// failure.
func (r *Relay) pass(ctx context.Context) (int, bool, error) {
	rows, err := r.readBatch()
	if err != nil {
		return 0, false, err
	}
	if len(rows) == 0 {
		return 0, false, nil
	}

	// Publish the batch pipelined; stop at the first publish that cannot
	// even be sent, so nothing after it goes out.
	nc := r.js.Conn()
	futures := make([]jetstream.PubAckFuture, 0, len(rows))
	var failed error
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
		futures = append(futures, f)
	}

	// Wait for the acknowledgements in order; the rows acknowledged before
	// the first failure are the ones to delete.
	acked := 0
	if len(futures) > 0 {
		deadline := time.NewTimer(r.opts.AckTimeout)
	wait:
		for i, f := range futures {
			select {
			case <-f.Ok(): // a duplicate ack counts: the stream holds the event
				acked++
			case err := <-f.Err():
				failed = fmt.Errorf("publish event %s: %w", rows[i].ev.ID, err)
				break wait
			case <-deadline.C:
				failed = fmt.Errorf("publish event %s: no acknowledgement within %s", rows[i].ev.ID, r.opts.AckTimeout)
				break wait
			case <-ctx.Done():
				deadline.Stop()
				return 0, false, ctx.Err()
			}
		}
		deadline.Stop()
	}

	if r.crashAfterPublish != nil && r.crashAfterPublish() {
		return 0, false, errors.New("events: simulated crash after publish")
	}

	if acked > 0 {
		err := r.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(OutboxBucket)
			if b == nil {
				return errors.New("events: outbox bucket vanished")
			}
			for _, row := range rows[:acked] {
				if err := b.Delete(row.key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			// The rows stay and are published again; the stream drops the
			// duplicates.
			return 0, false, fmt.Errorf("delete published rows: %w", err)
		}
		if r.opts.OnPublished != nil {
			r.opts.OnPublished(acked)
		}
	}
	if failed != nil {
		return acked, false, failed
	}
	return acked, len(rows) == r.opts.BatchSize, nil
}

func (r *Relay) readBatch() ([]outboxRow, error) {
	var rows []outboxRow
	err := r.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(OutboxBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(rows) < r.opts.BatchSize; k, v = c.Next() {
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
