package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/store"
)

func d(s string) clock.Date { return clock.MustParseDate(s) }

func openStore(t *testing.T) *store.Store {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "careleaver.db"), store.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func write(t *testing.T, st *store.Store, fn func(tx careleaver.Tx) error) {
	t.Helper()
	if err := st.Write(context.Background(), "", nil, nil, fn); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, st *store.Store, cs ...*careleaver.CareLeaver) {
	t.Helper()
	write(t, st, func(tx careleaver.Tx) error {
		for _, c := range cs {
			if err := tx.PutCareLeaver(c); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestOpenRefusesAFileWithoutTheSchema(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "x.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := store.Open(db, store.Options{}); err == nil {
		t.Fatal("opened a file without the care-leaver buckets")
	}
}

func TestRecordRoundTrip(t *testing.T) {
	st := openStore(t)
	in := &careleaver.CareLeaver{ChildID: "c1", DOB: d("2008-02-29"), Opened: d("2025-04-01"), PeriodID: "p1",
		ReasonCareCeased: "E17", Advisers: []careleaver.AdviserAllocation{{AdviserID: "pa", Start: d("2025-04-01")}},
		Reviews: []clock.Date{d("2025-05-01")}, Band: "17_18", BandFrom: d("2025-04-01")}
	put(t, st, in)
	got, ok, err := st.CareLeaver("c1")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got.DOB != in.DOB || got.Advisers[0] != in.Advisers[0] || !slices.Equal(got.Reviews, in.Reviews) || got.Band != "17_18" || !got.Closed.IsZero() {
		t.Fatalf("round trip: %+v", got)
	}
	if _, ok, _ := st.CareLeaver("nobody"); ok {
		t.Fatal("found nobody")
	}
}

func contact(id, date string) careleaver.Contact {
	return careleaver.Contact{ID: id, Date: d(date), InTouch: "YES", Activity: "F1", Accommodation: "U1"}
}

func TestContactsOrderAndPages(t *testing.T) {
	st := openStore(t)
	put(t, st, &careleaver.CareLeaver{ChildID: "a", DOB: d("2007-01-01"), Opened: d("2025-01-01")},
		&careleaver.CareLeaver{ChildID: "ab", DOB: d("2007-01-01"), Opened: d("2025-01-01")})
	write(t, st, func(tx careleaver.Tx) error {
		for _, c := range []careleaver.Contact{
			contact("03", "2025-03-01"), contact("01", "2025-01-05"), contact("02", "2025-03-01"),
			contact("04", "2025-06-30"), contact("05", "2025-02-10"),
		} {
			if err := tx.PutContact("a", c); err != nil {
				return err
			}
		}
		// Another young person whose id starts with "a" must never show.
		return tx.PutContact("ab", contact("99", "2025-04-01"))
	})
	var ids []string
	var after []byte
	for range 10 {
		page, next, err := st.Contacts("a", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		if next == nil {
			break
		}
		after = next
	}
	if want := []string{"04", "03", "02", "05", "01"}; !slices.Equal(ids, want) {
		t.Fatalf("contacts newest first = %v, want %v", ids, want)
	}
	if _, _, err := st.Contacts("nobody", nil, 2); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("contacts of nobody: %v", err)
	}
	// The latest on 1 March is the later recording that day; the birthday
	// (1 January) contact is the one on 5 January.
	v, err := st.View("a", d("2025-03-01"), careleaver.DefaultBirthdayWindow)
	if err != nil || v.Latest.ID != "03" || v.Birthday.ID != "01" {
		t.Fatalf("view on 1 March: latest %s, birthday %s, %v", v.Latest.ID, v.Birthday.ID, err)
	}
	v, err = st.View("a", d("2025-01-04"), careleaver.DefaultBirthdayWindow)
	if err != nil || v.HasLatest || v.HasBirthday {
		t.Fatalf("view before any contact: %+v %v", v, err)
	}
	if _, err := st.View("nobody", d("2025-01-04"), careleaver.DefaultBirthdayWindow); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("view of nobody: %v", err)
	}
}

func TestWriteIsIdempotent(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	req := &careleaverv1.PublishEntitlementRequest{RequestId: "r1", Entitlement: &careleaverv1.Entitlement{EntitlementId: "e", Title: "E"}}
	runs := 0
	fn := func(tx careleaver.Tx) error {
		runs++
		return tx.PutEntitlement(careleaver.Entitlement{ID: "e", Title: "E", MinAge: 16, MaxAge: 24})
	}
	resp := &careleaverv1.PublishEntitlementResponse{}
	if err := st.Write(ctx, "r1", req, resp, func(tx careleaver.Tx) error {
		resp.Entitlement = &careleaverv1.Entitlement{EntitlementId: "e"}
		return fn(tx)
	}); err != nil {
		t.Fatal(err)
	}
	again := &careleaverv1.PublishEntitlementResponse{}
	if err := st.Write(ctx, "r1", req, again, fn); err != nil || again.GetEntitlement().GetEntitlementId() != "e" || runs != 1 {
		t.Fatalf("retry: %v %v runs %d", again, err, runs)
	}
	found, err := st.Replay("r1", req, &careleaverv1.PublishEntitlementResponse{})
	if err != nil || !found {
		t.Fatalf("Replay: %v %v", found, err)
	}
	other := proto.Clone(req).(*careleaverv1.PublishEntitlementRequest)
	other.Entitlement.Title = "F"
	if err := st.Write(ctx, "r1", other, &careleaverv1.PublishEntitlementResponse{}, fn); errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("reused request id: %v", err)
	}
	if _, err := st.Replay("r1", other, &careleaverv1.PublishEntitlementResponse{}); errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("Replay of a reused id: %v", err)
	}
	if err := st.Write(ctx, "r2", req, &careleaverv1.PublishEntitlementResponse{}, func(careleaver.Tx) error {
		return errs.Invalid(errs.Violation{Field: "x", Rule: "y"})
	}); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("a refused write: %v", err)
	}
	if found, _ := st.Replay("r2", req, &careleaverv1.PublishEntitlementResponse{}); found {
		t.Fatal("a refused write recorded its request id")
	}
}

func TestListPagesAndFilters(t *testing.T) {
	st := openStore(t)
	var cs []*careleaver.CareLeaver
	for i := range 7 {
		c := &careleaver.CareLeaver{ChildID: fmt.Sprintf("c%d", i), DOB: d("2006-05-01"), Opened: d("2025-01-01")}
		if i%2 == 1 {
			c.Advisers = []careleaver.AdviserAllocation{{AdviserID: "pa1", Start: d("2025-01-01")}}
		}
		cs = append(cs, c)
	}
	cs[6].Closed, cs[6].ClosingReason = d("2025-06-01"), careleaver.MovedAway
	put(t, st, cs...)
	list := func(f careleaver.Filter) []string {
		var ids []string
		after := ""
		for {
			page, more, err := st.List(store.Query{AsAt: d("2026-01-01"), Window: careleaver.DefaultBirthdayWindow, Filter: f, After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range page {
				ids = append(ids, v.Record.ChildID)
			}
			if !more {
				return ids
			}
			after = page[len(page)-1].Record.ChildID
		}
	}
	if got := list(careleaver.Filter{}); !slices.Equal(got, []string{"c0", "c1", "c2", "c3", "c4", "c5"}) {
		t.Fatalf("open on the date: %v", got)
	}
	if got := list(careleaver.Filter{AdviserID: "pa1"}); !slices.Equal(got, []string{"c1", "c3", "c5"}) {
		t.Fatalf("by adviser: %v", got)
	}
	if got := list(careleaver.Filter{AgeBand: "22_25"}); len(got) != 0 {
		t.Fatalf("by band: %v", got)
	}
}

func TestTakeUps(t *testing.T) {
	st := openStore(t)
	write(t, st, func(tx careleaver.Tx) error {
		for _, tu := range []careleaver.TakeUp{
			{ChildID: "c1", EntitlementID: "home", Date: d("2025-01-01")},
			{ChildID: "c2", EntitlementID: "home", Date: d("2025-02-01")},
			{ChildID: "c1", EntitlementID: "travel", Date: d("2025-03-01")},
			{ChildID: "c1", EntitlementID: "home", Date: d("2025-04-01")},
		} {
			if err := tx.PutTakeUp(tu); err != nil {
				return err
			}
		}
		ok, err := tx.TakeUpExists(careleaver.TakeUp{ChildID: "c2", EntitlementID: "home", Date: d("2025-02-01")})
		if err != nil || !ok {
			return fmt.Errorf("TakeUpExists = %v, %v", ok, err)
		}
		return nil
	})
	all := func(q store.TakeUpQuery) []string {
		var out []string
		q.Limit = 1
		for {
			page, next, err := st.TakeUps(q)
			if err != nil {
				t.Fatal(err)
			}
			for _, tu := range page {
				out = append(out, tu.EntitlementID+"/"+tu.ChildID+"/"+tu.Date.String())
			}
			if next == nil {
				return out
			}
			q.After = next
		}
	}
	if got := all(store.TakeUpQuery{}); len(got) != 4 || got[0] != "home/c1/2025-01-01" || got[3] != "travel/c1/2025-03-01" {
		t.Fatalf("all: %v", got)
	}
	if got := all(store.TakeUpQuery{EntitlementID: "home"}); len(got) != 3 {
		t.Fatalf("by entitlement: %v", got)
	}
	if got := all(store.TakeUpQuery{ChildID: "c1"}); !slices.Equal(got, []string{"home/c1/2025-01-01", "home/c1/2025-04-01", "travel/c1/2025-03-01"}) {
		t.Fatalf("by child: %v", got)
	}
	if got := all(store.TakeUpQuery{ChildID: "c2", EntitlementID: "home"}); !slices.Equal(got, []string{"home/c2/2025-02-01"}) {
		t.Fatalf("by both: %v", got)
	}
}

func TestBirthdayBookkeeping(t *testing.T) {
	st := openStore(t)
	if through, err := st.BirthdaysProcessedThrough(); err != nil || !through.IsZero() {
		t.Fatalf("before any pass: %v %v", through, err)
	}
	if err := st.SetBirthdaysProcessedThrough(d("2026-03-04")); err != nil {
		t.Fatal(err)
	}
	if through, _ := st.BirthdaysProcessedThrough(); through != d("2026-03-04") {
		t.Fatalf("processed through %v", through)
	}
	put(t, st,
		&careleaver.CareLeaver{ChildID: "due", DOB: d("2009-03-04"), Opened: d("2025-09-01"), Band: "", BandFrom: d("2025-09-01")},
		&careleaver.CareLeaver{ChildID: "not", DOB: d("2009-03-05"), Opened: d("2025-09-01"), Band: "", BandFrom: d("2025-09-01")})
	if ids, err := st.DueOn(d("2026-03-04")); err != nil || !slices.Equal(ids, []string{"due"}) {
		t.Fatalf("DueOn = %v %v", ids, err)
	}
}

func TestEventsGoToTheOutbox(t *testing.T) {
	st := openStore(t)
	c := &careleaver.CareLeaver{ChildID: "c", DOB: d("2008-05-05")}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	evs := []careleaver.Event{
		{Kind: careleaver.Registered, Category: careleaver.FormerRelevant, ReasonCareCeased: "E17", StayingPut: true},
		{Kind: careleaver.ContactAdded, Contact: careleaver.Contact{ID: "k", InTouch: "YES", Activity: "F1", Accommodation: "U1"}, IsLatest: true},
		{Kind: careleaver.AdviserChanged, AdviserID: "pa"},
		{Kind: careleaver.AgeBandChanged, PreviousAgeBand: "17_18"},
		{Kind: careleaver.Closed, ClosingReason: careleaver.MovedAway},
	}
	write(t, st, func(tx careleaver.Tx) error {
		for _, e := range evs {
			e.ChildID, e.Effective, e.MonthOfBirth, e.AgeBand, e.At = c.ChildID, d("2026-06-01"), c.MonthOfBirth(), "19_21", at
			if err := tx.Emit(e); err != nil {
				return err
			}
		}
		return nil
	})
	var subjects []string
	err := st.DB().View(func(tx *bolt.Tx) error {
		rows, err := events.PendingEvents(tx, 0)
		for _, r := range rows {
			subjects = append(subjects, r.Subject)
			var ev careleaverv1.CareLeaverEvent
			if err := proto.Unmarshal(r.Data, &ev); err != nil {
				return err
			}
			if ev.GetEventId() != r.ID || ev.GetChildId() != "c" || ev.GetMonthOfBirth() != "2008-05" || ev.GetAgeBand() != "19_21" ||
				ev.GetEffectiveDate() != "2026-06-01" || !ev.GetOccurTime().AsTime().Equal(at) || ev.GetKind() == nil {
				return fmt.Errorf("event %v", &ev)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"careleaver.registered", "careleaver.contact.recorded", "careleaver.adviser.changed", "careleaver.age_band.changed", "careleaver.closed"}
	if !slices.Equal(subjects, want) {
		t.Fatalf("subjects %v", subjects)
	}
	if _, err := store.EventPB(careleaver.Event{Kind: "nonsense"}); err == nil {
		t.Fatal("an unknown kind was published")
	}
	for r := careleaver.NotClosed; r <= careleaver.ReturnedToCare; r++ {
		if back, ok := store.ClosingReasonFromPB(store.ClosingReasonPB(r)); !ok || back != r {
			t.Errorf("closing reason %v does not round-trip", r)
		}
	}
}
