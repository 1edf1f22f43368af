package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/idem"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
)

// Store is the placement service's storage over its bbolt file.
//
// Writes run through Write in a bbolt group-commit transaction (db.Batch):
// the child's placements, the outbox row of the event and the request's
// idempotency entry commit together, fsynced, before Write returns. Reads
// run in read transactions and never see a write that did not commit.
type Store struct {
	db        *bolt.DB
	clock     clock.Clock
	published func()
}

// Options tunes Open.
type Options struct {
	// Clock stamps idempotency entries (clock.System if nil).
	Clock clock.Clock
	// Published is called after a commit that appended events (the
	// runtime's Published, which wakes the outbox relay). May be nil.
	Published func()
}

// Open returns the store over db, which must have been opened with Schema().
func Open(db *bolt.DB, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = clock.System
	}
	if opts.Published == nil {
		opts.Published = func() {}
	}
	err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(BucketChildren) == nil || tx.Bucket(idem.Bucket) == nil {
			return fmt.Errorf("store: buckets missing (file not opened with store.Schema)")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Store{db: db, clock: opts.Clock, published: opts.Published}, nil
}

// DB is the bbolt file.
func (s *Store) DB() *bolt.DB { return s.db }

// Replay looks requestID up: if it was recorded for the same request, resp
// is filled with the first response and found is true; if for another
// request, AlreadyExists. A retried write is answered from here without
// asking the caseload service again.
func (s *Store) Replay(requestID string, req, resp proto.Message) (found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		found, err = idem.Check(tx, requestID, req, resp)
		return err
	})
	return found, err
}

// DryRun runs fn in a read transaction whose writes go nowhere: the checks
// of a write without the write. A write refused here never enters the group
// commit, where its failure would make the whole batch run again. If
// requestID was already recorded (a concurrent retry committed meanwhile)
// resp holds the first response and found is true.
//
// Otherwise checked holds what fn read and what it would write, for
// WriteChecked.
func (s *Store) DryRun(requestID string, req, resp proto.Message, fn func(tx placement.Tx) error) (checked *Checked, found bool, err error) {
	w := &writeTx{dry: &Checked{requestID: requestID, req: req, resp: resp}}
	err = s.db.View(func(btx *bolt.Tx) error {
		w.tx = btx
		if found, err = idem.Check(btx, requestID, req, resp); err != nil || found {
			return err
		}
		return fn(w)
	})
	if err != nil || found {
		return nil, found, err
	}
	if resp != nil {
		w.dry.filled = proto.Clone(resp)
	}
	return w.dry, false, nil
}

// Checked is a write DryRun accepted: the child records it read, as it
// read them, and the records and events it would write.
type Checked struct {
	requestID    string
	req, resp    proto.Message
	filled       proto.Message     // resp as the dry run left it
	read         map[string][]byte // child id → record read (nil: none stored)
	records      map[string][]byte // child id → record to write, encoded
	recordsOrder []string          // the order PutChild was called in
	events       []outboxEvent     // in the order emitted
}

// outboxEvent is an event ready for the outbox.
type outboxEvent struct {
	subject string
	msg     *placementv1.PlacementEvent
}

// current reports whether every child record the dry run read is still
// stored as it was: then the write, which depends only on what it reads
// through its transaction, would do exactly what the dry run did.
func (c *Checked) current(btx *bolt.Tx) bool {
	b := btx.Bucket(BucketChildren)
	for id, v := range c.read {
		if !bytes.Equal(b.Get([]byte(id)), v) {
			return false
		}
	}
	return true
}

// Write runs fn in one durable write transaction together with the
// request's idempotency entry.
//
// If requestID was seen before with the same request, resp is filled with
// the first response and fn does not run; with another request, Write
// returns AlreadyExists. fn fills resp from what it wrote. Group commit may
// run fn more than once (resp is reset each time), so fn must depend only
// on what it reads through the Tx and on values fixed before the call.
func (s *Store) Write(ctx context.Context, requestID string, req, resp proto.Message, fn func(tx placement.Tx) error) error {
	return s.write(ctx, requestID, req, resp, fn, nil)
}

// WriteChecked is Write for a write DryRun accepted (fn is the function
// the dry run ran). If the child records the dry run read are unchanged in
// the group-commit transaction, what the dry run would have written is
// written, and fn does not run again (it would decode the same records,
// apply the same rules and reach the same result); if another write
// changed one of them meanwhile, fn runs against the committed state.
func (s *Store) WriteChecked(ctx context.Context, c *Checked, fn func(tx placement.Tx) error) error {
	return s.write(ctx, c.requestID, c.req, c.resp, fn, c)
}

func (s *Store) write(ctx context.Context, requestID string, req, resp proto.Message, fn func(tx placement.Tx) error, checked *Checked) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var w *writeTx
	err := s.db.Batch(func(btx *bolt.Tx) error {
		w = &writeTx{tx: btx}
		if resp != nil {
			proto.Reset(resp)
		}
		if found, err := idem.Check(btx, requestID, req, resp); err != nil || found {
			return err
		}
		if checked != nil && checked.current(btx) {
			if err := w.replay(checked); err != nil {
				return err
			}
			if resp != nil {
				proto.Merge(resp, checked.filled)
			}
		} else if err := fn(w); err != nil {
			return err
		}
		return idem.Record(btx, requestID, req, resp, s.clock.Now())
	})
	if err != nil {
		return err
	}
	if w.emitted > 0 {
		s.published()
	}
	return nil
}

// Child returns the child's placements (none for a child never placed).
func (s *Store) Child(id string) (*placement.Child, error) {
	var c *placement.Child
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = readChild(tx, id)
		return err
	})
	return c, err
}

// Filter selects placements for a list. Empty fields match everything.
type Filter struct {
	Place    string
	Provider string
	Group    codes.PlacementGroup
	Location string // "IN", "OUT" or "" for any
}

func (f Filter) match(p placement.Placement) bool {
	return (f.Place == "" || p.Place == f.Place) &&
		(f.Provider == "" || p.Provider == f.Provider) &&
		(f.Group == "" || p.Group() == f.Group) &&
		(f.Location == "" || p.Location == f.Location)
}

// Listed is one placement in a list, with its child.
type Listed struct {
	ChildID   string
	Placement placement.Placement
}

// List returns up to limit placements in force on d that match f, one per
// child at most, for children whose id sorts after after, in child id
// order; more says whether another page follows.
func (s *Store) List(d clock.Date, f Filter, after string, limit int) (page []Listed, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(BucketChildren).Cursor()
		k, v := cur.First()
		if after != "" {
			k, v = cur.Seek([]byte(after))
			if k != nil && bytes.Equal(k, []byte(after)) {
				k, v = cur.Next()
			}
		}
		for ; k != nil; k, v = cur.Next() {
			c, err := decodeChild(string(k), v)
			if err != nil {
				return errs.Wrap(errs.KindInternal, err, "read child record")
			}
			p, ok := c.On(d)
			if !ok || !f.match(p) {
				continue
			}
			if len(page) == limit {
				more = true
				return nil
			}
			page = append(page, Listed{ChildID: c.ID, Placement: p})
		}
		return nil
	})
	return page, more, err
}

func readChild(tx *bolt.Tx, id string) (*placement.Child, error) {
	v := tx.Bucket(BucketChildren).Get([]byte(id))
	if v == nil {
		return &placement.Child{ID: id}, nil
	}
	c, err := decodeChild(id, v)
	if err != nil {
		return nil, errs.Wrap(errs.KindInternal, err, "read child record")
	}
	return c, nil
}

// writeTx is placement.Tx over one bbolt transaction. A dry run (dry set)
// reads the file, keeps its writes to itself and notes in dry what it read
// and what it would write.
type writeTx struct {
	tx      *bolt.Tx
	dry     *Checked
	put     map[string]*placement.Child
	emitted int
}

func (w *writeTx) Child(id string) (*placement.Child, error) {
	if c, ok := w.put[id]; ok {
		return c, nil
	}
	if w.dry != nil {
		if _, ok := w.dry.read[id]; !ok {
			if w.dry.read == nil {
				w.dry.read = map[string][]byte{}
			}
			// bbolt's bytes live as long as the transaction; keep a copy.
			w.dry.read[id] = bytes.Clone(w.tx.Bucket(BucketChildren).Get([]byte(id)))
		}
	}
	return readChild(w.tx, id)
}

func (w *writeTx) PutChild(c *placement.Child) error {
	if c.ID == "" {
		return errs.Internalf("child record without an id")
	}
	if w.put == nil {
		w.put = map[string]*placement.Child{}
	}
	w.put[c.ID] = c
	v, err := encodeChild(c)
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "encode child record")
	}
	if d := w.dry; d != nil {
		if d.records == nil {
			d.records = map[string][]byte{}
		}
		if _, ok := d.records[c.ID]; !ok {
			d.recordsOrder = append(d.recordsOrder, c.ID)
		}
		d.records[c.ID] = v
		return nil
	}
	if err := w.tx.Bucket(BucketChildren).Put([]byte(c.ID), v); err != nil {
		return errs.Wrap(errs.KindInternal, err, "write child record")
	}
	return nil
}

func (w *writeTx) Emit(e placement.Event) error {
	msg, err := EventPB(e)
	if err != nil {
		return err
	}
	ev := outboxEvent{subject: e.Kind.Subject(), msg: msg}
	if w.dry != nil {
		w.dry.events = append(w.dry.events, ev)
		return nil
	}
	return w.appendEvent(ev)
}

// appendEvent writes the event to the outbox (events.AppendEvent stamps
// event_id with the outbox row's id).
func (w *writeTx) appendEvent(ev outboxEvent) error {
	if _, err := events.AppendEvent(w.tx, ev.subject, ev.msg); err != nil {
		return errs.Wrap(errs.KindInternal, err, "append event")
	}
	w.emitted++
	return nil
}

// replay writes what a dry run would have written.
func (w *writeTx) replay(c *Checked) error {
	for _, id := range c.recordsOrder {
		if err := w.tx.Bucket(BucketChildren).Put([]byte(id), c.records[id]); err != nil {
			return errs.Wrap(errs.KindInternal, err, "write child record")
		}
	}
	for _, ev := range c.events {
		if err := w.appendEvent(ev); err != nil {
			return err
		}
	}
	return nil
}
