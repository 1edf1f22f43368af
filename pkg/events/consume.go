package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
)

// Consumer defaults.
const (
	DefaultConsumeBatch = 256
	DefaultAckWait      = 30 * time.Second
	DefaultLinger       = 5 * time.Millisecond
	// floorEvery is how often Consume records the server's ack floor.
	floorEvery = 5 * time.Second
	// pruneEvery is how often Consume prunes applied ids.
	pruneEvery = time.Hour
)

// ConsumerSpec configures Consume. Zero values take the defaults.
type ConsumerSpec struct {
	Stream  string // e.g. StreamPlacement
	Durable string // e.g. "metrics-placement"
	// FilterSubjects limits the consumer to these subjects (all if empty).
	FilterSubjects []string
	// Batch is the most messages applied per bbolt transaction (256).
	Batch int
	// Logger receives failures, dead letters and recoveries (slog.Default()).
	Logger *slog.Logger

	// AckWait is how long the server waits for an ack before redelivering
	// (30 s). MaxAckPending bounds unacknowledged messages (4×Batch, at
	// least 1024).
	AckWait       time.Duration
	MaxAckPending int
	// Linger is how long to wait for more messages to fill a batch once one
	// has arrived (5 ms).
	Linger time.Duration
	// Retention is how long applied ids are kept before Consume prunes them
	// (hourly); DefaultRetention (7 days) if 0, never if negative.
	Retention time.Duration
	// OnApplied, if set, is called after each committed batch with the
	// number of events applied (not counting skipped duplicates).
	OnApplied func(n int)
}

// Delivered is an event as a consumer receives it.
type Delivered struct {
	ID        string // event id (Nats-Msg-Id), or "seq:<n>" if the header is absent
	Subject   string
	Type      string // protobuf full name (Cp-Event-Type), "" if absent
	Data      []byte
	StreamSeq uint64
	Published time.Time   // when JetStream stored it
	Created   time.Time   // when the outbox row was written (zero if absent)
	Header    nats.Header // all headers
}

// ApplyFunc applies one event inside the batch's bbolt write transaction.
// It must not commit or roll back tx. Returning an error rolls back the
// batch; see the package documentation for poison events and Retry.
type ApplyFunc func(tx *bolt.Tx, ev Delivered) error

// Retry marks an apply error as transient: Consume retries the batch after a
// back-off instead of dead-lettering the event.
func Retry(err error) error {
	if err == nil {
		return nil
	}
	return retryError{err}
}

type retryError struct{ err error }

func (e retryError) Error() string { return "retry: " + e.err.Error() }
func (e retryError) Unwrap() error { return e.err }

// IsRetry reports whether err was marked with Retry.
func IsRetry(err error) bool {
	var r retryError
	return errors.As(err, &r)
}

// applyError is an error returned by the ApplyFunc for one event.
type applyError struct {
	ev  Delivered
	err error
}

func (e *applyError) Error() string {
	return fmt.Sprintf("apply event %s (seq %d): %v", e.ev.ID, e.ev.StreamSeq, e.err)
}
func (e *applyError) Unwrap() error { return e.err }

// Consume applies the stream's events to db through apply until ctx is
// done, then returns nil. It creates or updates the durable pull consumer
// (explicit acks, deliver all), and survives NATS restarts and a stream
// that does not exist yet by retrying with back-off. Each batch is applied
// in one bbolt transaction that also records the events' ids; events whose
// id is already recorded are skipped; messages are acked after the commit.
func Consume(ctx context.Context, js jetstream.JetStream, db *bolt.DB, c ConsumerSpec, apply ApplyFunc) error {
	if c.Stream == "" || c.Durable == "" {
		return errors.New("events: Consume: stream and durable are required")
	}
	if apply == nil {
		return errors.New("events: Consume: nil apply")
	}
	k := newConsumer(js, db, c, apply)
	return k.run(ctx)
}

type consumer struct {
	js    jetstream.JetStream
	db    *bolt.DB
	spec  ConsumerSpec
	apply ApplyFunc
	log   *slog.Logger

	streamCreated time.Time // creation time of the stream being consumed
	nextCseq      uint64    // consumer sequence the next delivery must carry
	lastFloor     time.Time
	lastPrune     time.Time
	crashed       bool // set by the crashBeforeCommit test hook

	// Test hooks (nil in production):
	// skipAck makes a batch's messages go unacked after the commit, as if
	// the process had died between commit and ack;
	skipAck func([]Delivered) bool
	// crashBeforeCommit makes the run stop before applying a batch, leaving
	// its messages (and those buffered) unacked, as if the process had died;
	crashBeforeCommit func([]Delivered) bool
	// dropDelivery discards a delivery as if it had been lost in transit.
	dropDelivery func(Delivered) bool
}

func newConsumer(js jetstream.JetStream, db *bolt.DB, c ConsumerSpec, apply ApplyFunc) *consumer {
	if c.Batch <= 0 {
		c.Batch = DefaultConsumeBatch
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = max(4*c.Batch, 1024)
	}
	if c.Linger <= 0 {
		c.Linger = DefaultLinger
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	return &consumer{js: js, db: db, spec: c, apply: apply,
		log: log.With("component", "events.consume", "stream", c.Stream, "durable", c.Durable)}
}

func (k *consumer) run(ctx context.Context) error {
	backoff := time.Duration(0)
	failures := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		cons, err := k.ensureConsumer(ctx)
		if err == nil {
			if failures > 0 {
				k.log.Info("consumer recovered", "failed_attempts", failures)
				failures, backoff = 0, 0
			}
			err = k.consume(ctx, cons)
		}
		if ctx.Err() != nil {
			return nil
		}
		failures++
		backoff = nextBackoff(backoff)
		lvl := slog.LevelDebug
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound) && failures <= 40:
			// The producer creates its stream when it starts; a consumer
			// started first (the all-in-one run, a fresh cluster) waits for
			// it. That is normal for the first few seconds, not a warning.
			if failures == 1 {
				lvl = slog.LevelInfo
			}
		case failures == 1 || errors.Is(err, jetstream.ErrStreamNotFound):
			lvl = slog.LevelWarn
		}
		k.log.Log(ctx, lvl, "consumer interrupted; retrying", "err", err, "attempt", failures, "backoff", backoff)
		if !sleepCtx(ctx, backoff) {
			return nil
		}
	}
}

// ensureConsumer creates or updates the durable. An existing durable keeps
// its deliver policy. A missing durable of a file that has consumed before
// (it was deleted on the server) starts just above the recorded ack floor,
// whose ids are all kept (see Prune), unless the stream itself is a new one.
func (k *consumer) ensureConsumer(ctx context.Context) (jetstream.Consumer, error) {
	stream, err := k.js.Stream(ctx, k.spec.Stream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", k.spec.Stream, err)
	}
	k.streamCreated = stream.CachedInfo().Created
	cfg := jetstream.ConsumerConfig{
		Durable:        k.spec.Durable,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        k.spec.AckWait,
		MaxAckPending:  k.spec.MaxAckPending,
		MaxDeliver:     -1,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		ReplayPolicy:   jetstream.ReplayInstantPolicy,
		FilterSubjects: append([]string(nil), k.spec.FilterSubjects...),
	}
	existing, err := stream.Consumer(ctx, k.spec.Durable)
	if err == nil && existing.CachedInfo().NumAckPending > 0 {
		// Deliveries of an earlier run (or lost in transit) await their
		// ack. JetStream would redeliver them only after AckWait, behind
		// newer messages. Restart the durable just above its ack floor
		// instead: everything after the floor comes again in stream order,
		// and what was already applied is skipped by id.
		info := existing.CachedInfo()
		floor := info.AckFloor.Stream
		k.log.Info("unacknowledged deliveries pending; recreating the durable above its ack floor to keep stream order",
			"ack_pending", info.NumAckPending, "ack_floor", floor)
		if err := k.storeFloor(floor); err != nil {
			return nil, err
		}
		if err := stream.DeleteConsumer(ctx, k.spec.Durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return nil, fmt.Errorf("delete consumer %s: %w", k.spec.Durable, err)
		}
		existing, err = nil, jetstream.ErrConsumerNotFound
	}
	switch {
	case err == nil:
		old := existing.CachedInfo().Config
		cfg.DeliverPolicy, cfg.OptStartSeq, cfg.OptStartTime = old.DeliverPolicy, old.OptStartSeq, old.OptStartTime
	case errors.Is(err, jetstream.ErrConsumerNotFound):
		floor, created, err := k.recordedFloor()
		if err != nil {
			return nil, err
		}
		if floor > 0 {
			if created.Equal(k.streamCreated) {
				cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
				cfg.OptStartSeq = floor + 1
				k.log.Info("creating the durable above the recorded ack floor", "start_seq", floor+1)
			} else {
				k.log.Warn("durable missing and the stream is not the one last consumed; delivering all, applied ids still deduplicate",
					"recorded_floor", floor)
			}
		}
	default:
		return nil, fmt.Errorf("consumer %s: %w", k.spec.Durable, err)
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create or update consumer %s: %w", k.spec.Durable, err)
	}
	k.nextCseq = cons.CachedInfo().Delivered.Consumer + 1
	return cons, nil
}

func (k *consumer) recordedFloor() (uint64, time.Time, error) {
	var floor uint64
	var created time.Time
	err := k.db.View(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, k.spec.Durable)
		if err != nil || st == nil {
			return err
		}
		floor = st.uint(keyAckFloor)
		if v := st.root.Get(keyStreamCreated); len(v) > 0 {
			if err := created.UnmarshalBinary(v); err != nil {
				return err
			}
		}
		return nil
	})
	return floor, created, err
}

var errDeliveryGap = errors.New("a delivery was lost in transit")

// consume pulls and applies batches until ctx is done or the message
// iterator fails. Deliveries must carry consecutive consumer sequences: a
// gap means a delivery was lost (e.g. in a dropped connection) and would
// come back only after AckWait, out of order, so consume applies what came
// before the gap and returns; the next ensureConsumer restarts the durable
// above its ack floor.
func (k *consumer) consume(ctx context.Context, cons jetstream.Consumer) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(2 * k.spec.Batch))
	if err != nil {
		return fmt.Errorf("pull messages: %w", err)
	}
	defer k.release(it)
	k.housekeeping(ctx, cons, true)
	for {
		first, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("next message: %w", err)
		}
		batch := []jetstream.Msg{first}
		var iterErr error
		// Linger bounds the whole batch, not each further message: under a
		// steady trickle (one event a millisecond) a per-message wait never
		// expires and a batch would wait for Batch events.
		lingerEnd := time.Now().Add(k.spec.Linger)
		for len(batch) < k.spec.Batch {
			wait := time.Until(lingerEnd)
			if wait <= 0 {
				break
			}
			m, err := it.Next(jetstream.NextMaxWait(wait))
			if err != nil {
				if !errors.Is(err, nats.ErrTimeout) {
					iterErr = fmt.Errorf("next message: %w", err)
				}
				break
			}
			batch = append(batch, m)
		}
		evs := make([]Delivered, 0, len(batch))
		kept := batch[:0]
		for _, m := range batch {
			ev := toDelivered(m)
			if k.dropDelivery != nil && k.dropDelivery(ev) {
				continue // lost in transit
			}
			if md, err := m.Metadata(); err == nil {
				if md.Sequence.Consumer != k.nextCseq {
					k.log.Warn("gap in deliveries; restarting the durable to keep stream order",
						"want_consumer_seq", k.nextCseq, "got_consumer_seq", md.Sequence.Consumer)
					iterErr = errDeliveryGap
					break
				}
				k.nextCseq++
			}
			kept = append(kept, m)
			evs = append(evs, ev)
		}
		if len(kept) > 0 {
			if k.crashBeforeCommit != nil && k.crashBeforeCommit(evs) {
				k.crashed = true
				return errors.New("events: simulated crash before commit")
			}
			if err := k.handle(ctx, kept, evs); err != nil {
				return err
			}
		}
		if iterErr != nil {
			return iterErr
		}
		k.housekeeping(ctx, cons, false)
	}
}

// release stops the iterator and naks the messages it had buffered but not
// handed out, so the next run of this durable gets them at once (JetStream
// redelivers nak'd messages before new ones) instead of after AckWait.
func (k *consumer) release(it jetstream.MessagesContext) {
	if k.crashed {
		it.Stop()
		return
	}
	it.Drain()
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		m, err := it.Next(jetstream.NextMaxWait(100 * time.Millisecond))
		if errors.Is(err, nats.ErrTimeout) {
			continue
		}
		if err != nil {
			break
		}
		_ = m.Nak()
	}
	it.Stop()
}

func nakAll(batch []jetstream.Msg) {
	for _, m := range batch {
		_ = m.Nak()
	}
}

// housekeeping records the server's ack floor every few seconds and prunes
// old applied ids hourly. Failures are logged only.
func (k *consumer) housekeeping(ctx context.Context, cons jetstream.Consumer, force bool) {
	now := time.Now()
	if force || now.Sub(k.lastFloor) >= floorEvery {
		k.lastFloor = now
		if err := k.recordFloor(ctx, cons); err != nil {
			k.log.Debug("record ack floor", "err", err)
		}
	}
	if k.spec.Retention > 0 && (force || now.Sub(k.lastPrune) >= pruneEvery) {
		k.lastPrune = now
		n, err := Prune(k.db, k.spec.Durable, k.spec.Retention)
		if err != nil {
			k.log.Warn("prune applied ids", "err", err)
		} else if n > 0 {
			k.log.Info("pruned applied ids", "removed", n)
		}
	}
}

func (k *consumer) recordFloor(ctx context.Context, cons jetstream.Consumer) error {
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := cons.Info(ictx)
	if err != nil {
		return err
	}
	return k.storeFloor(info.AckFloor.Stream)
}

// storeFloor records the server's ack floor for the durable, with the
// creation time of the stream it belongs to.
func (k *consumer) storeFloor(floor uint64) error {
	created, err := k.streamCreated.MarshalBinary()
	if err != nil {
		return err
	}
	return k.db.Update(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, k.spec.Durable)
		if err != nil {
			return err
		}
		if st.uint(keyAckFloor) == floor && string(st.root.Get(keyStreamCreated)) == string(created) {
			return nil
		}
		if err := st.putUint(keyAckFloor, floor); err != nil {
			return err
		}
		return st.root.Put(keyStreamCreated, created)
	})
}

// handle applies a batch exactly once in effect, then acks it. It returns
// only when the batch is committed (nil) or ctx is done (its error).
func (k *consumer) handle(ctx context.Context, batch []jetstream.Msg, evs []Delivered) error {
	backoff := time.Duration(0)
	failures := 0
	var applied int
	for {
		var err error
		applied, err = k.applyBatch(evs)
		var ae *applyError
		if err != nil && errors.As(err, &ae) && !IsRetry(ae.err) {
			// A poison event (or several): isolate it.
			applied, err = k.applyEach(evs)
		}
		if err == nil {
			break
		}
		failures++
		backoff = nextBackoff(backoff)
		lvl := slog.LevelDebug
		if failures == 1 {
			lvl = slog.LevelWarn
		}
		k.log.Log(ctx, lvl, "apply batch failed; retrying", "err", err, "attempt", failures, "backoff", backoff)
		if !sleepCtx(ctx, backoff) {
			nakAll(batch)
			return ctx.Err()
		}
	}
	if k.skipAck == nil || !k.skipAck(evs) {
		for _, m := range batch {
			if err := m.Ack(); err != nil {
				// Redelivered later and skipped as already applied.
				k.log.Debug("ack failed", "err", err)
			}
		}
	}
	if k.spec.OnApplied != nil {
		k.spec.OnApplied(applied)
	}
	return nil
}

// applyBatch applies the new events of evs in one transaction.
func (k *consumer) applyBatch(evs []Delivered) (int, error) {
	applied := 0
	err := k.db.Update(func(tx *bolt.Tx) error {
		applied = 0
		st, err := openDurable(tx, k.spec.Durable)
		if err != nil {
			return err
		}
		now := time.Now()
		for _, ev := range evs {
			if st.isApplied(ev.ID) {
				if err := st.raiseSeq(ev.StreamSeq); err != nil {
					return err
				}
				continue
			}
			if err := k.apply(tx, ev); err != nil {
				return &applyError{ev: ev, err: err}
			}
			if err := st.markApplied(ev.ID, ev.StreamSeq, now); err != nil {
				return err
			}
			applied++
		}
		return nil
	})
	return applied, err
}

// applyEach applies evs one transaction each, dead-lettering any event
// whose apply fails with an error not marked Retry.
func (k *consumer) applyEach(evs []Delivered) (int, error) {
	applied := 0
	for _, ev := range evs {
		n, err := k.applyBatch([]Delivered{ev})
		applied += n
		if err == nil {
			continue
		}
		var ae *applyError
		if !errors.As(err, &ae) || IsRetry(ae.err) {
			return applied, err
		}
		if err := k.deadLetter(ev, ae.err); err != nil {
			return applied, fmt.Errorf("dead-letter event %s: %w", ev.ID, err)
		}
	}
	return applied, nil
}

func (k *consumer) deadLetter(ev Delivered, cause error) error {
	k.log.Error("event cannot be applied; set aside as a dead letter",
		"event_id", ev.ID, "subject", ev.Subject, "stream_seq", ev.StreamSeq, "err", cause)
	return k.db.Update(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, k.spec.Durable)
		if err != nil {
			return err
		}
		now := time.Now()
		d := DeadLetter{ID: ev.ID, Subject: ev.Subject, StreamSeq: ev.StreamSeq, Data: ev.Data, Err: cause.Error(), At: now.UTC()}
		if err := st.dead.Put([]byte(ev.ID), encodeDead(d)); err != nil {
			return err
		}
		// Handled: a redelivery must not try again.
		return st.markApplied(ev.ID, ev.StreamSeq, now)
	})
}

func toDelivered(m jetstream.Msg) Delivered {
	ev := Delivered{Subject: m.Subject(), Data: m.Data(), Header: m.Headers()}
	if md, err := m.Metadata(); err == nil {
		ev.StreamSeq = md.Sequence.Stream
		ev.Published = md.Timestamp
	}
	if h := m.Headers(); h != nil {
		ev.ID = h.Get(jetstream.MsgIDHeader)
		ev.Type = h.Get(HeaderType)
		if c := h.Get(HeaderCreated); c != "" {
			if t, err := time.Parse(time.RFC3339Nano, c); err == nil {
				ev.Created = t
			}
		}
	}
	if ev.ID == "" {
		ev.ID = "seq:" + strconv.FormatUint(ev.StreamSeq, 10)
	}
	return ev
}

// ConsumerLag returns how many messages the consumer has not yet had
// acknowledged: those not yet delivered (NumPending) plus those delivered
// and awaiting an ack (NumAckPending). It is the figure for a lag gauge.
func ConsumerLag(ctx context.Context, cons jetstream.Consumer) (uint64, error) {
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(max(info.NumAckPending, 0)), nil
}

// ConsumerLagByName is ConsumerLag for the durable named on stream.
func ConsumerLagByName(ctx context.Context, js jetstream.JetStream, stream, durable string) (uint64, error) {
	cons, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return 0, err
	}
	return ConsumerLag(ctx, cons)
}
