package caseload_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// fixture is the domain service over the real store on a bbolt file under
// t.TempDir(), with a settable clock standing on 2026-06-30.
type fixture struct {
	t     testing.TB
	clock *clock.Settable
	db    *bolt.DB
	store *store.Store
	svc   *caseload.Service
}

func d(s string) clock.Date { return clock.MustParseDate(s) }

func newFixture(t testing.TB) *fixture {
	t.Helper()
	schema := store.Schema()
	schema.Buckets = append(schema.Buckets, events.OutboxBucket, events.ConsumersBucket)
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "caseload.db"), schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clk := clock.NewSettable(d("2026-06-30").Midnight().Add(12 * time.Hour))
	st, err := store.Open(db, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return &fixture{t: t, clock: clk, db: db, store: st, svc: caseload.NewService(clk)}
}

// write runs fn in a write transaction of the store.
func (f *fixture) write(fn func(tx caseload.MilestoneTx) error) error {
	return f.store.Write(context.Background(), "", nil, nil, fn)
}

// must fails the test on err.
func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) register(la, dob string) *caseload.Child {
	f.t.Helper()
	var c *caseload.Child
	f.must(f.write(func(tx caseload.MilestoneTx) (err error) {
		c, err = f.svc.Register(tx, caseload.Registration{LAChildID: la, GivenName: "Test", FamilyName: "Child",
			DOB: d(dob), Sex: "F", Ethnicity: "WBRI"})
		return err
	}))
	return c
}

func (f *fixture) start(id, date, ls string) {
	f.t.Helper()
	f.must(f.write(func(tx caseload.MilestoneTx) error {
		_, _, err := f.svc.StartPeriod(tx, id, d(date), ls, "N1")
		return err
	}))
}

func (f *fixture) change(id, date, ls string) {
	f.t.Helper()
	f.must(f.write(func(tx caseload.MilestoneTx) error {
		_, _, err := f.svc.ChangeLegalStatus(tx, id, d(date), ls)
		return err
	}))
}

func (f *fixture) end(id, date, rec string) caseload.LeavingCareStatus {
	f.t.Helper()
	var lcs caseload.LeavingCareStatus
	f.must(f.write(func(tx caseload.MilestoneTx) (err error) {
		_, _, lcs, err = f.svc.EndPeriod(tx, id, d(date), rec)
		return err
	}))
	return lcs
}

func (f *fixture) child(id string) *caseload.Child {
	f.t.Helper()
	c, ok := f.store.Child(id)
	if !ok {
		f.t.Fatalf("no child %s", id)
	}
	return c
}

// outbox returns the subjects of the events waiting in the outbox.
func (f *fixture) outbox() []string {
	f.t.Helper()
	var out []string
	f.must(f.db.View(func(tx *bolt.Tx) error {
		evs, err := events.PendingEvents(tx, 0)
		for _, e := range evs {
			out = append(out, e.Subject)
		}
		return err
	}))
	return out
}

// childUpdates returns the ChildUpdated events in the outbox, oldest first.
func (f *fixture) childUpdates() []*caseloadv1.CaseloadEvent {
	f.t.Helper()
	var out []*caseloadv1.CaseloadEvent
	f.must(f.db.View(func(tx *bolt.Tx) error {
		evs, err := events.PendingEvents(tx, 0)
		for _, e := range evs {
			if e.Subject != "caseload.child.updated" {
				continue
			}
			var m caseloadv1.CaseloadEvent
			if err := proto.Unmarshal(e.Data, &m); err != nil {
				return err
			}
			out = append(out, &m)
		}
		return err
	}))
	return out
}
