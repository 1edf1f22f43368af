package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/idem"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// Store is the caseload's storage: the bbolt file (the source of truth)
// and an in-memory copy of every child, decoded, kept in step with it.
//
// Writes run through Write in a group-committed bbolt transaction:
// the record, its index entries, its outbox rows and its idempotency entry
// commit together, fsynced, before Write returns. Only after the commit
// does the in-memory copy change, and never backwards (each child carries a
// revision), so a reader never sees a write that did not commit.
type Store struct {
	db        *bolt.DB
	clock     clock.Clock
	published func()
	commits   *committer

	// byID (child id → *caseload.Child) and byLA (la_child_id → child id)
	// are read without a lock: GetChild and GetLegalCategory never wait
	// behind a write. They change only under mu, with the indexes below.
	byID sync.Map
	byLA sync.Map

	mu       sync.RWMutex
	ids      []string // every child id, sorted: the order lists page in
	byWorker map[string]map[string]struct{}
	byTeam   map[string]map[string]struct{}
	// byBirthday indexes children by the month and day of their birth, so
	// the daily age-milestone pass reads a day's birthdays, not everyone.
	byBirthday map[monthDay]map[string]struct{}
}

type monthDay struct {
	M time.Month
	D int
}

// Options tunes Open.
type Options struct {
	// Clock stamps idempotency entries (clock.System if nil).
	Clock clock.Clock
	// Published is called after a commit that appended events (the
	// runtime's Published, which wakes the outbox relay). May be nil.
	Published func()
	// MaxBatch caps how many writes share one commit (DefaultMaxBatch).
	MaxBatch int
}

// Open loads every child from db into memory. db must have been opened with
// Schema().
func Open(db *bolt.DB, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = clock.System
	}
	if opts.Published == nil {
		opts.Published = func() {}
	}
	s := &Store{
		db: db, clock: opts.Clock, published: opts.Published,
		byWorker: map[string]map[string]struct{}{}, byTeam: map[string]map[string]struct{}{},
		byBirthday: map[monthDay]map[string]struct{}{},
	}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(BucketChildren)
		if b == nil {
			return fmt.Errorf("store: bucket %q missing (file not opened with store.Schema)", BucketChildren)
		}
		return b.ForEach(func(k, v []byte) error {
			c, err := decodeChild(v)
			if err != nil {
				return fmt.Errorf("store: child %s: %w", k, err)
			}
			s.index(c)
			s.ids = append(s.ids, c.ID) // ForEach runs in key order
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	s.commits = newCommitter(db, opts.MaxBatch)
	return s, nil
}

// Close stops the store's committer once no write is in flight; it does
// not close the bbolt file, which belongs to the caller. Writes after Close
// fail.
func (s *Store) Close() { s.commits.close() }

// DB is the bbolt file.
func (s *Store) DB() *bolt.DB { return s.db }

// Write runs fn in one durable write transaction together with the
// request's idempotency entry, then updates the in-memory copy. The
// transaction is group-committed with other writes (see committer).
//
// If requestID was seen before with the same request, resp is filled with
// the first response and fn does not run; with another request, Write
// returns AlreadyExists. fn fills resp from what it wrote. Group commit may
// run fn more than once (resp is reset each time), so fn must depend only
// on what it reads through the Tx. An empty requestID opts out (used by the
// service's own background writes); req and resp may then be nil.
func (s *Store) Write(ctx context.Context, requestID string, req, resp proto.Message, fn func(tx caseload.MilestoneTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var w *writeTx
	err := s.commits.do(func(btx *bolt.Tx) error {
		w = &writeTx{tx: btx, s: s}
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
	s.apply(w.dirty)
	if w.emitted > 0 {
		s.published()
	}
	return nil
}

// apply moves committed records into memory, never replacing a newer one.
func (s *Store) apply(dirty map[string]*caseload.Child) {
	if len(dirty) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range dirty {
		if v, ok := s.byID.Load(c.ID); ok {
			old := v.(*caseload.Child)
			if old.Revision >= c.Revision {
				continue
			}
			s.unindex(old)
		} else if i, found := slices.BinarySearch(s.ids, c.ID); !found {
			s.ids = slices.Insert(s.ids, i, c.ID)
		}
		s.index(c)
	}
}

// index adds c to every index; the caller holds mu (or is Open). From here
// on c is shared with readers, so it is sealed.
func (s *Store) index(c *caseload.Child) {
	c.Seal()
	s.byID.Store(c.ID, c)
	s.byLA.Store(c.LAChildID, c.ID)
	addTo(s.byBirthday, monthDay{c.DOB.M, c.DOB.D}, c.ID)
	if a, ok := c.CurrentAllocation(); ok {
		addTo(s.byWorker, a.WorkerID, c.ID)
		addTo(s.byTeam, a.TeamID, c.ID)
	}
}

// unindex removes c from the secondary indexes (not byID or byLA, which
// index stores over).
func (s *Store) unindex(c *caseload.Child) {
	removeFrom(s.byBirthday, monthDay{c.DOB.M, c.DOB.D}, c.ID)
	if a, ok := c.CurrentAllocation(); ok {
		removeFrom(s.byWorker, a.WorkerID, c.ID)
		removeFrom(s.byTeam, a.TeamID, c.ID)
	}
}

func addTo[K comparable](m map[K]map[string]struct{}, key K, id string) {
	set := m[key]
	if set == nil {
		set = map[string]struct{}{}
		m[key] = set
	}
	set[id] = struct{}{}
}

func removeFrom[K comparable](m map[K]map[string]struct{}, key K, id string) {
	if set := m[key]; set != nil {
		delete(set, id)
		if len(set) == 0 {
			delete(m, key)
		}
	}
}

// InTx is the domain's Tx over a write transaction someone else runs: the
// placement consumer's, inside pkg/events.Consume's transaction (which also
// records the event ids). The children it writes reach the in-memory copy
// when, and only if, that transaction commits (bbolt's OnCommit), and never
// replace a newer revision, exactly as for Write. It appends no event (the
// consumer's writes emit none).
func (s *Store) InTx(btx *bolt.Tx) caseload.Tx {
	w := &writeTx{tx: btx, s: s}
	btx.OnCommit(func() { s.apply(w.dirty) })
	return w
}

// Child returns the child with the given id from memory. The result is
// shared: it must not be modified.
func (s *Store) Child(id string) (*caseload.Child, bool) {
	v, ok := s.byID.Load(id)
	if !ok {
		return nil, false
	}
	return v.(*caseload.Child), true
}

// ChildByLAChildID returns the child with the council's own id.
func (s *Store) ChildByLAChildID(la string) (*caseload.Child, bool) {
	id, ok := s.byLA.Load(la)
	if !ok {
		return nil, false
	}
	return s.Child(id.(string))
}

// child is Child for an id known to be indexed.
func (s *Store) child(id string) *caseload.Child {
	c, _ := s.Child(id)
	return c
}

// Query selects children for a list.
type Query struct {
	// After: only ids after this one (the previous page's last id).
	After string
	// Limit is the most children returned.
	Limit int
	// WorkerID, TeamID: only children currently allocated to them.
	WorkerID, TeamID string
	// NamePrefix: given or family name starting with it, ignoring case.
	NamePrefix string
	// Match, if set, must also hold.
	Match func(*caseload.Child) bool
}

// List returns up to q.Limit children matching q in child_id order, and
// whether more follow.
func (s *Store) List(q Query) (page []*caseload.Child, more bool) {
	prefix := strings.ToLower(q.NamePrefix)
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.ids
	if q.WorkerID != "" || q.TeamID != "" {
		ids = s.allocated(q.WorkerID, q.TeamID)
	}
	start, _ := slices.BinarySearch(ids, q.After)
	for _, id := range ids[start:] {
		if id <= q.After {
			continue
		}
		c := s.child(id)
		if prefix != "" && !hasPrefixFold(c.GivenName, prefix) && !hasPrefixFold(c.FamilyName, prefix) {
			continue
		}
		if q.Match != nil && !q.Match(c) {
			continue
		}
		if len(page) == q.Limit {
			return page, true
		}
		page = append(page, c)
	}
	return page, false
}

// allocated returns, sorted, the ids currently allocated to the worker
// and/or team (both when both are given).
func (s *Store) allocated(worker, team string) []string {
	var set map[string]struct{}
	switch {
	case worker != "":
		set = s.byWorker[worker]
	default:
		set = s.byTeam[team]
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		if worker != "" && team != "" {
			if _, ok := s.byTeam[team][id]; !ok {
				continue
			}
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func hasPrefixFold(s, lowerPrefix string) bool {
	return len(s) >= len(lowerPrefix) && strings.ToLower(s[:len(lowerPrefix)]) == lowerPrefix
}

// Each calls f for every child in memory, in id order, until f returns
// false. f must not call back into the Store.
func (s *Store) Each(f func(*caseload.Child) bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range s.ids {
		if !f(s.child(id)) {
			return
		}
	}
}

// BornOn returns the children born on the given month and day of any year,
// in id order.
func (s *Store) BornOn(m time.Month, d int) []*caseload.Child {
	s.mu.RLock()
	defer s.mu.RUnlock()
	set := s.byBirthday[monthDay{m, d}]
	out := make([]*caseload.Child, 0, len(set))
	for id := range set {
		out = append(out, s.child(id))
	}
	slices.SortFunc(out, func(a, b *caseload.Child) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Len is the number of children.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ids)
}

// MilestonesScannedThrough is the last day whose age milestones were all
// published (zero if none yet).
func (s *Store) MilestonesScannedThrough() (clock.Date, error) {
	var d clock.Date
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(BucketTasks).Get(KeyMilestonesScannedThrough)
		if v == nil {
			return nil
		}
		var err error
		d, err = clock.ParseDate(string(v))
		return err
	})
	return d, err
}

// SetMilestonesScannedThrough records that every milestone up to d was
// published.
func (s *Store) SetMilestonesScannedThrough(d clock.Date) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketTasks).Put(KeyMilestonesScannedThrough, []byte(d.String()))
	})
}

// writeTx is caseload.MilestoneTx over one bbolt write transaction.
type writeTx struct {
	tx      *bolt.Tx
	s       *Store
	dirty   map[string]*caseload.Child
	emitted int
}

// Child returns the stored child for the write to change: a copy of the
// in-memory child when that is the stored revision, else the record
// decoded (a record this transaction, or a commit not yet in memory,
// has rewritten; or one from before the revision header).
func (w *writeTx) Child(id string) (*caseload.Child, error) {
	v := w.tx.Bucket(BucketChildren).Get([]byte(id))
	if v == nil {
		return nil, errs.NotFoundf("no child with child_id %q", id)
	}
	if rev, ok := recordRevision(v); ok {
		if c, ok := w.s.Child(id); ok && c.Revision == rev {
			return c.Clone(), nil
		}
	}
	c, err := decodeChild(v)
	if err != nil {
		return nil, errs.Wrap(errs.KindInternal, err, "read child record")
	}
	return c, nil
}

func (w *writeTx) ChildIDByLAChildID(la string) (string, bool, error) {
	v := w.tx.Bucket(BucketLAChildIDs).Get([]byte(la))
	if v == nil {
		return "", false, nil
	}
	return string(v), true, nil
}

func (w *writeTx) PutChild(c *caseload.Child) error {
	children := w.tx.Bucket(BucketChildren)
	if rev, ok := recordRevision(children.Get([]byte(c.ID))); ok && c.Revision <= rev {
		// Child trusts the revision to tell the stored record from the
		// in-memory copy, so every write must raise it.
		return errs.Internalf("child %s written at revision %d over revision %d", c.ID, c.Revision, rev)
	}
	v, err := encodeChild(c)
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "encode child record")
	}
	if err := children.Put([]byte(c.ID), v); err != nil {
		return errs.Wrap(errs.KindInternal, err, "write child record")
	}
	la := w.tx.Bucket(BucketLAChildIDs)
	if cur := la.Get([]byte(c.LAChildID)); cur == nil {
		if err := la.Put([]byte(c.LAChildID), []byte(c.ID)); err != nil {
			return errs.Wrap(errs.KindInternal, err, "write la_child_id index")
		}
	} else if !bytes.Equal(cur, []byte(c.ID)) {
		return errs.AlreadyExistsf("a child with la_child_id %q is already registered", c.LAChildID)
	}
	if w.dirty == nil {
		w.dirty = map[string]*caseload.Child{}
	}
	w.dirty[c.ID] = c
	return nil
}

func (w *writeTx) Emit(e caseload.Event) error {
	if err := appendEvent(w.tx, e); err != nil {
		return errs.Wrap(errs.KindInternal, err, "append event")
	}
	w.emitted++
	return nil
}

func milestoneKey(childID string, age int) []byte {
	return append(append([]byte(childID), 0), byte(age))
}

func (w *writeTx) MilestonePublished(childID string, age int) (bool, error) {
	return w.tx.Bucket(BucketMilestones).Get(milestoneKey(childID, age)) != nil, nil
}

func (w *writeTx) RecordMilestone(childID string, age int, on clock.Date) error {
	if age < 0 || age > 255 {
		return errs.Internalf("milestone age %d out of range", age)
	}
	return w.tx.Bucket(BucketMilestones).Put(milestoneKey(childID, age), []byte(on.String()))
}
