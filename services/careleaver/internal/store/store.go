package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/idem"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
)

// Store is the care-leaver service's storage over its bbolt file.
//
// Writes run through Write in a bbolt group-commit transaction (db.Batch):
// the record, its outbox rows and its idempotency entry commit together,
// fsynced, before Write returns. Reads run in bbolt read transactions.
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
		for _, b := range Schema().Buckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("store: bucket %q missing (file not opened with store.Schema)", b)
			}
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

// Write runs fn in one durable write transaction together with the
// request's idempotency entry.
//
// If requestID was seen before with the same request, resp is filled with
// the first response and fn does not run; with another request, Write
// returns AlreadyExists. fn fills resp from what it wrote. Group commit may
// run fn more than once (resp is reset each time), so fn must depend only
// on what it reads through the Tx and its arguments. An empty requestID
// opts out (the service's own background writes); req and resp may then be
// nil.
func (s *Store) Write(ctx context.Context, requestID string, req, resp proto.Message, fn func(tx careleaver.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var w *writeTx
	err := s.db.Batch(func(btx *bolt.Tx) error {
		w = &writeTx{readTx: readTx{tx: btx}}
		if resp != nil {
			proto.Reset(resp)
		}
		if requestID != "" {
			if found, err := idem.Check(btx, requestID, req, resp); err != nil || found {
				return err
			}
		}
		if err := fn(w); err != nil {
			return err
		}
		if requestID == "" {
			return nil
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

// Replay fills resp with the first response to requestID if it was recorded
// for the same request (found), or returns AlreadyExists for another
// request. It lets a handler that must ask another service first answer a
// retry without asking again.
func (s *Store) Replay(requestID string, req, resp proto.Message) (found bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		found, err = idem.Check(tx, requestID, req, resp)
		return err
	})
	return found, err
}

// InTx is the domain's Tx over a write transaction someone else runs (the
// caseload consumer, inside pkg/events.Consume's transaction). Whoever
// commits it calls the runtime's Published.
func (s *Store) InTx(tx *bolt.Tx) careleaver.Tx { return &writeTx{readTx: readTx{tx: tx}} }

// CareLeaver reads one record.
func (s *Store) CareLeaver(childID string) (c *careleaver.CareLeaver, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c, ok, err = readTx{tx: tx}.CareLeaver(childID)
		return err
	})
	return c, ok, err
}

// View returns the record of childID as at asAt, or NotFound.
func (s *Store) View(childID string, asAt clock.Date, w careleaver.BirthdayWindow) (v careleaver.View, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		r := readTx{tx: tx}
		c, ok, err := r.CareLeaver(childID)
		if err != nil {
			return err
		}
		if !ok {
			return errs.NotFoundf("no care leaver with child_id %q", childID)
		}
		v, err = careleaver.ViewOn(c, asAt, w, r)
		return err
	})
	return v, err
}

// Query selects a page of care leavers.
type Query struct {
	AsAt   clock.Date
	Window careleaver.BirthdayWindow
	Filter careleaver.Filter
	After  string // child id the previous page ended with
	Limit  int
}

// List returns up to q.Limit views of records open on q.AsAt that match
// the filter, in child id order after q.After, and whether more follow.
func (s *Store) List(q Query) (page []careleaver.View, more bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		r := readTx{tx: tx}
		cur := tx.Bucket(BucketCareLeavers).Cursor()
		k, v := cur.First()
		if q.After != "" {
			k, v = cur.Seek([]byte(q.After))
			if k != nil && string(k) == q.After {
				k, v = cur.Next()
			}
		}
		for ; k != nil; k, v = cur.Next() {
			var c careleaver.CareLeaver
			if err := decode(v, &c); err != nil {
				return fmt.Errorf("store: care leaver %s: %w", k, err)
			}
			if !c.OpenOn(q.AsAt) {
				continue
			}
			view, err := careleaver.ViewOn(&c, q.AsAt, q.Window, r)
			if err != nil {
				return err
			}
			if !q.Filter.Match(view) {
				continue
			}
			if len(page) == q.Limit {
				more = true
				return nil
			}
			page = append(page, view)
		}
		return nil
	})
	return page, more, err
}

// Contacts returns up to limit of the young person's contacts, newest
// first, after the position a previous page ended with (nil: from the
// newest); next is the position to continue from, nil on the last page.
func (s *Store) Contacts(childID string, after []byte, limit int) (page []careleaver.Contact, next []byte, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if ok, err := (readTx{tx: tx}).exists(childID); err != nil || !ok {
			if err == nil {
				err = errs.NotFoundf("no care leaver with child_id %q", childID)
			}
			return err
		}
		prefix := contactPrefix(childID)
		cur := tx.Bucket(BucketContacts).Cursor()
		var k, v []byte
		if after == nil {
			k, v = seekBefore(cur, append(bytes.Clone(prefix[:len(prefix)-1]), sep+1))
		} else {
			k, v = seekBefore(cur, append(bytes.Clone(prefix), after...))
		}
		var last []byte
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Prev() {
			if len(page) == limit {
				next = contactPos(last, prefix)
				return nil
			}
			var c careleaver.Contact
			if err := decode(v, &c); err != nil {
				return fmt.Errorf("store: contact %q: %w", k, err)
			}
			page = append(page, c)
			last = k
		}
		return nil
	})
	return page, next, err
}

// seekBefore positions cur on the last key strictly before k.
func seekBefore(cur *bolt.Cursor, k []byte) ([]byte, []byte) {
	got, _ := cur.Seek(k)
	if got == nil {
		return cur.Last()
	}
	return cur.Prev()
}

// Entitlements returns the Local Offer in id order.
func (s *Store) Entitlements() (out []careleaver.Entitlement, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketEntitlements).ForEach(func(k, v []byte) error {
			var e careleaver.Entitlement
			if err := decode(v, &e); err != nil {
				return fmt.Errorf("store: entitlement %s: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}

// TakeUpQuery selects take-ups: by entitlement, by child, both or neither.
type TakeUpQuery struct {
	EntitlementID string
	ChildID       string
	After         []byte // the key the previous page ended with
	Limit         int
}

// TakeUps returns a page of take-ups in key order (by entitlement, child
// and date; by child when only ChildID is given) and the key to continue
// after, nil on the last page.
func (s *Store) TakeUps(q TakeUpQuery) (page []careleaver.TakeUp, next []byte, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		bucket, prefix := BucketTakeUpByEntitlement, []byte(nil)
		switch {
		case q.EntitlementID != "" && q.ChildID != "":
			prefix = append(append([]byte(q.EntitlementID), sep), append([]byte(q.ChildID), sep)...)
		case q.EntitlementID != "":
			prefix = append([]byte(q.EntitlementID), sep)
		case q.ChildID != "":
			bucket, prefix = BucketTakeUpByChild, append([]byte(q.ChildID), sep)
		}
		cur := tx.Bucket(bucket).Cursor()
		var k []byte
		if q.After != nil {
			k, _ = cur.Seek(q.After)
			if k != nil && bytes.Equal(k, q.After) {
				k, _ = cur.Next()
			}
		} else {
			k, _ = cur.Seek(prefix)
		}
		var last []byte
		for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
			if len(page) == q.Limit {
				next = last
				return nil
			}
			a, b, d, err := splitTakeUpKey(k)
			if err != nil {
				return err
			}
			t := careleaver.TakeUp{EntitlementID: a, ChildID: b, Date: d}
			if bytes.Equal(bucket, BucketTakeUpByChild) {
				t.ChildID, t.EntitlementID = a, b
			}
			page = append(page, t)
			last = bytes.Clone(k)
		}
		return nil
	})
	return page, next, err
}

// DueOn returns the ids of the records the birthday clock has something to
// publish for on d (careleaver.BirthdayDue), in child id order.
func (s *Store) DueOn(d clock.Date) (ids []string, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketCareLeavers).ForEach(func(k, v []byte) error {
			var c careleaver.CareLeaver
			if err := decode(v, &c); err != nil {
				return fmt.Errorf("store: care leaver %s: %w", k, err)
			}
			if careleaver.BirthdayDue(&c, d) {
				ids = append(ids, c.ChildID)
			}
			return nil
		})
	})
	return ids, err
}

// BirthdaysProcessedThrough is the last day the birthday clock processed
// fully (zero before its first pass).
func (s *Store) BirthdaysProcessedThrough() (d clock.Date, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(BucketTasks).Get(KeyBirthdaysProcessedThrough); v != nil {
			d, err = clock.ParseDate(string(v))
		}
		return err
	})
	return d, err
}

// SetBirthdaysProcessedThrough records that every day up to d is processed.
func (s *Store) SetBirthdaysProcessedThrough(d clock.Date) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketTasks).Put(KeyBirthdaysProcessedThrough, []byte(d.String()))
	})
}

// readTx reads through one bbolt transaction.
type readTx struct{ tx *bolt.Tx }

func (r readTx) exists(childID string) (bool, error) {
	return r.tx.Bucket(BucketCareLeavers).Get([]byte(childID)) != nil, nil
}

// CareLeaver decodes a record; the result is the caller's to change.
func (r readTx) CareLeaver(childID string) (*careleaver.CareLeaver, bool, error) {
	v := r.tx.Bucket(BucketCareLeavers).Get([]byte(childID))
	if v == nil {
		return nil, false, nil
	}
	var c careleaver.CareLeaver
	if err := decode(v, &c); err != nil {
		return nil, false, fmt.Errorf("store: care leaver %s: %w", childID, err)
	}
	return &c, true, nil
}

// LatestContactOn returns the last contact dated on or before d.
func (r readTx) LatestContactOn(childID string, d clock.Date) (careleaver.Contact, bool, error) {
	cur := r.tx.Bucket(BucketContacts).Cursor()
	k, v := seekBefore(cur, contactsAfterDay(childID, d))
	if k == nil || !bytes.HasPrefix(k, contactPrefix(childID)) {
		return careleaver.Contact{}, false, nil
	}
	var c careleaver.Contact
	if err := decode(v, &c); err != nil {
		return careleaver.Contact{}, false, fmt.Errorf("store: contact %q: %w", k, err)
	}
	return c, true, nil
}

// LatestContactKey returns the date and id of the young person's last
// contact, read from its key alone.
func (r readTx) LatestContactKey(childID string) (clock.Date, string, bool, error) {
	prefix := contactPrefix(childID)
	k, _ := seekBefore(r.tx.Bucket(BucketContacts).Cursor(), append(bytes.Clone(prefix[:len(prefix)-1]), sep+1))
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return clock.Date{}, "", false, nil
	}
	d, id, err := splitContactKey(k[len(prefix):])
	return d, id, err == nil, err
}

// ContactsBetween returns the contacts dated from..to, oldest first.
func (r readTx) ContactsBetween(childID string, from, to clock.Date) ([]careleaver.Contact, error) {
	if to.Before(from) {
		return nil, nil
	}
	cur := r.tx.Bucket(BucketContacts).Cursor()
	end := contactsAfterDay(childID, to)
	var out []careleaver.Contact
	for k, v := cur.Seek(append(contactPrefix(childID), from.String()...)); k != nil && bytes.Compare(k, end) < 0; k, v = cur.Next() {
		var c careleaver.Contact
		if err := decode(v, &c); err != nil {
			return nil, fmt.Errorf("store: contact %q: %w", k, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Entitlement reads one entitlement.
func (r readTx) Entitlement(id string) (careleaver.Entitlement, bool, error) {
	v := r.tx.Bucket(BucketEntitlements).Get([]byte(id))
	if v == nil {
		return careleaver.Entitlement{}, false, nil
	}
	var e careleaver.Entitlement
	if err := decode(v, &e); err != nil {
		return careleaver.Entitlement{}, false, fmt.Errorf("store: entitlement %s: %w", id, err)
	}
	return e, true, nil
}

// TakeUpExists reports whether the take-up is recorded.
func (r readTx) TakeUpExists(t careleaver.TakeUp) (bool, error) {
	return r.tx.Bucket(BucketTakeUpByEntitlement).Get(takeUpKey(t.EntitlementID, t.ChildID, t.Date)) != nil, nil
}

// present is the value of an index entry (bbolt tells a missing key by a
// nil value).
var present = []byte{1}

// writeTx is careleaver.Tx over one bbolt write transaction.
type writeTx struct {
	readTx
	emitted int
}

func (w *writeTx) PutCareLeaver(c *careleaver.CareLeaver) error {
	v, err := encode(c)
	if err != nil {
		return err
	}
	return w.tx.Bucket(BucketCareLeavers).Put([]byte(c.ChildID), v)
}

func (w *writeTx) PutContact(childID string, c careleaver.Contact) error {
	v, err := encode(c)
	if err != nil {
		return err
	}
	return w.tx.Bucket(BucketContacts).Put(contactKey(childID, c.Date, c.ID), v)
}

func (w *writeTx) PutEntitlement(e careleaver.Entitlement) error {
	v, err := encode(e)
	if err != nil {
		return err
	}
	return w.tx.Bucket(BucketEntitlements).Put([]byte(e.ID), v)
}

func (w *writeTx) PutTakeUp(t careleaver.TakeUp) error {
	if err := w.tx.Bucket(BucketTakeUpByEntitlement).Put(takeUpKey(t.EntitlementID, t.ChildID, t.Date), present); err != nil {
		return err
	}
	return w.tx.Bucket(BucketTakeUpByChild).Put(takeUpKey(t.ChildID, t.EntitlementID, t.Date), present)
}

func (w *writeTx) Emit(e careleaver.Event) error {
	if err := appendEvent(w.tx, e); err != nil {
		return err
	}
	w.emitted++
	return nil
}
