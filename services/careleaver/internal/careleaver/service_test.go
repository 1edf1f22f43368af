package careleaver_test

import (
	"context"
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

// The domain's writes run here against the real store over a bbolt file
// under t.TempDir(); events are read back from the outbox (no relay runs).

func d(s string) clock.Date { return clock.MustParseDate(s) }

type fixture struct {
	t   *testing.T
	st  *store.Store
	svc *careleaver.Service
	clk *clock.Settable
}

func newFixture(t *testing.T, today string) *fixture {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "careleaver.db"), store.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clk := clock.NewSettable(time.Time{})
	clk.SetDate(d(today))
	st, err := store.Open(db, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, st: st, svc: careleaver.NewService(clk, nil), clk: clk}
}

func (f *fixture) write(fn func(tx careleaver.Tx) error) error {
	return f.st.Write(context.Background(), "", nil, nil, fn)
}

func (f *fixture) mustWrite(fn func(tx careleaver.Tx) error) {
	f.t.Helper()
	if err := f.write(fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) open(id, dob, opened, rec string) {
	f.t.Helper()
	f.mustWrite(func(tx careleaver.Tx) error {
		_, err := f.svc.Open(tx, careleaver.Opening{ChildID: id, DOB: d(dob), Opened: d(opened), PeriodID: "p-" + id, ReasonCareCeased: rec})
		return err
	})
}

func (f *fixture) record(id string) *careleaver.CareLeaver {
	f.t.Helper()
	c, ok, err := f.st.CareLeaver(id)
	if err != nil || !ok {
		f.t.Fatalf("record %s: %v %v", id, ok, err)
	}
	return c
}

type published struct {
	subject string
	ev      *careleaverv1.CareLeaverEvent
}

// events returns every event in the outbox, in write order.
func (f *fixture) events() []published {
	f.t.Helper()
	var out []published
	err := f.st.DB().View(func(tx *bolt.Tx) error {
		rows, err := events.PendingEvents(tx, 0)
		for _, r := range rows {
			var ev careleaverv1.CareLeaverEvent
			if err := proto.Unmarshal(r.Data, &ev); err != nil {
				return err
			}
			if ev.GetEventId() != r.ID {
				f.t.Errorf("event id %q in the payload, %q as Nats-Msg-Id", ev.GetEventId(), r.ID)
			}
			out = append(out, published{r.Subject, &ev})
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// birthdays runs the birthday clock's decision for every day from..to, as
// the app's pass does.
func (f *fixture) birthdays(from, to string) {
	f.t.Helper()
	for day := d(from); !day.After(d(to)); day = day.AddDays(1) {
		ids, err := f.st.DueOn(day)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, id := range ids {
			f.mustWrite(func(tx careleaver.Tx) error {
				_, err := f.svc.ApplyBirthday(tx, id, day)
				return err
			})
		}
	}
}

func summary(ps []published) []string {
	var out []string
	for _, p := range ps {
		s := p.subject + " " + p.ev.GetEffectiveDate() + " " + p.ev.GetAgeBand()
		if c := p.ev.GetAgeBandChanged(); c != nil {
			s += " from " + c.GetPreviousAgeBand()
		}
		if c := p.ev.GetClosed(); c != nil {
			s += " " + c.GetReason().String()
		}
		out = append(out, s)
	}
	return out
}

// TestThroughTheBands: a 16-year-old relevant child is registered with no
// band, moves into 17_18 at 17, 19_21 at 19 and 22_25 at 22, and the record
// closes on the 25th birthday, each published once, on the day.
func TestThroughTheBands(t *testing.T) {
	f := newFixture(t, "2025-09-01")
	f.open("yp", "2009-02-28", "2025-09-01", "E4A")
	f.birthdays("2025-09-01", "2034-03-05")
	// Every day processed again publishes nothing more.
	f.birthdays("2026-02-27", "2026-03-02")
	f.birthdays("2034-02-27", "2034-03-05")
	want := []string{
		"careleaver.registered 2025-09-01 ",
		"careleaver.age_band.changed 2026-02-28 17_18 from ",
		"careleaver.age_band.changed 2028-02-28 19_21 from 17_18",
		"careleaver.age_band.changed 2031-02-28 22_25 from 19_21",
		"careleaver.closed 2034-02-28 22_25 CLOSING_REASON_REACHED_25",
	}
	if got := summary(f.events()); !slices.Equal(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
	ev := f.events()[0].ev
	if ev.GetMonthOfBirth() != "2009-02" || ev.GetRegistered().GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_RELEVANT {
		t.Fatalf("registered = %v", ev)
	}
	c := f.record("yp")
	if c.IsOpen() || c.Closed != d("2034-02-28") || c.ClosingReason != careleaver.Reached25 {
		t.Fatalf("record after 25: %+v", c)
	}
}

// TestBirthdayCatchUp: a day processed late (the service was down on the
// birthday) publishes the change dated on the birthday itself, and a pass
// long after the 25th birthday closes the record on that birthday.
func TestBirthdayCatchUp(t *testing.T) {
	f := newFixture(t, "2026-01-01")
	f.open("yp", "2007-06-15", "2025-10-01", "E17") // 18: 17_18
	f.birthdays("2026-07-01", "2026-07-01")         // 16 days after the 19th birthday
	f.birthdays("2029-07-01", "2029-07-20")         // after the 22nd
	want := []string{
		"careleaver.registered 2025-10-01 17_18",
		"careleaver.age_band.changed 2026-06-15 19_21 from 17_18",
		"careleaver.age_band.changed 2029-06-15 22_25 from 19_21",
	}
	if got := summary(f.events()); !slices.Equal(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
	if !f.events()[0].ev.GetRegistered().GetStayingPut() {
		t.Fatal("E17 is staying put")
	}
	f.birthdays("2033-01-01", "2033-01-01")
	got := summary(f.events())
	if last := got[len(got)-1]; len(got) != 4 || last != "careleaver.closed 2032-06-15 22_25 CLOSING_REASON_REACHED_25" {
		t.Fatalf("events %q", got)
	}
}

func TestContacts(t *testing.T) {
	f := newFixture(t, "2026-06-01")
	f.open("yp", "2007-03-01", "2025-04-01", "E4A")
	record := func(id, date, touch, activ, accom string) (bool, error) {
		var latest bool
		err := f.write(func(tx careleaver.Tx) error {
			var err error
			_, latest, err = f.svc.RecordContact(tx, "yp", careleaver.Contact{ID: id, Date: d(date), InTouch: touch, Activity: activ, Accommodation: accom})
			return err
		})
		return latest, err
	}
	for _, tt := range []struct {
		id, date string
		latest   bool
	}{
		{"01", "2026-03-01", true},
		{"02", "2026-02-01", false}, // backdated: recorded, not the latest
		{"03", "2026-03-01", true},  // same day, recorded later: the latest
		{"04", "2026-05-01", true},
	} {
		latest, err := record(tt.id, tt.date, "YES", "F2", "U1")
		if err != nil || latest != tt.latest {
			t.Fatalf("contact %s on %s: latest %v err %v, want latest %v", tt.id, tt.date, latest, err, tt.latest)
		}
	}
	var latestFlags []bool
	for _, p := range f.events() {
		if c := p.ev.GetContactRecorded(); c != nil {
			latestFlags = append(latestFlags, c.GetIsLatest())
		}
	}
	if !slices.Equal(latestFlags, []bool{true, false, true, true}) {
		t.Fatalf("is_latest in events = %v", latestFlags)
	}
	// Refused contacts write nothing.
	n := len(f.events())
	for _, tt := range []struct {
		name, date, touch, activ, accom string
		kind                            errs.Kind
		rule                            string
	}{
		{"before the record opened", "2025-03-31", "YES", "F2", "U1", errs.KindFailedPrecondition, careleaver.RuleBeforeOpened},
		{"in the future", "2026-06-02", "YES", "F2", "U1", errs.KindInvalid, "future_date"},
		{"S1 is no code", "2026-05-02", "YES", "F2", "S1", errs.KindInvalid, "903:133"},
	} {
		_, err := record("x", tt.date, tt.touch, tt.activ, tt.accom)
		if errs.KindOf(err) != tt.kind || !hasRule(err, tt.rule) {
			t.Errorf("%s: %v, want %v with %s", tt.name, err, tt.kind, tt.rule)
		}
	}
	if len(f.events()) != n {
		t.Fatal("a refused contact published an event")
	}
	// A closed record takes no contacts.
	f.mustWrite(func(tx careleaver.Tx) error {
		_, err := f.svc.Close(tx, "yp", d("2026-05-20"), careleaver.MovedAway)
		return err
	})
	if _, err := record("y", "2026-05-10", "YES", "F2", "U1"); !hasRule(err, careleaver.RuleRecordClosed) {
		t.Fatalf("contact on a closed record: %v", err)
	}
}

func hasRule(err error, rule string) bool {
	for _, v := range errs.ViolationsOf(err) {
		if v.Rule == rule {
			return true
		}
	}
	return false
}

// TestReturnToCareAndReopen: a young person who comes back into care has
// the record closed RETURNED_TO_CARE; leaving care again reopens it; every
// report applied twice changes nothing the second time.
func TestReturnToCareAndReopen(t *testing.T) {
	f := newFixture(t, "2026-06-01")
	f.open("yp", "2008-01-10", "2025-05-01", "E4A") // opened from period p-yp
	apply := func(fn func(tx careleaver.Tx) (bool, error)) bool {
		var did bool
		f.mustWrite(func(tx careleaver.Tx) error {
			var err error
			did, err = fn(tx)
			return err
		})
		return did
	}
	started := func(tx careleaver.Tx) (bool, error) { return f.svc.PeriodStarted(tx, "yp", "p2", d("2025-09-01")) }
	if !apply(started) || apply(started) {
		t.Fatal("period.started: want closed once")
	}
	c := f.record("yp")
	if c.IsOpen() || c.ClosingReason != careleaver.ReturnedToCare || c.Closed != d("2025-09-01") {
		t.Fatalf("after returning to care: %+v", c)
	}
	// A stale report of the first period's end changes nothing.
	if apply(func(tx careleaver.Tx) (bool, error) {
		return f.svc.PeriodEnded(context.Background(), tx, "yp", "p-yp", d("2025-05-01"), "E4A")
	}) {
		t.Fatal("the first period's end reopened the record")
	}
	ended := func(tx careleaver.Tx) (bool, error) {
		return f.svc.PeriodEnded(context.Background(), tx, "yp", "p2", d("2026-01-20"), "E17")
	}
	if !apply(ended) || apply(ended) {
		t.Fatal("period.ended: want reopened once")
	}
	c = f.record("yp")
	if !c.IsOpen() || c.Opened != d("2026-01-20") || !c.StayingPut() || c.PeriodID != "p2" {
		t.Fatalf("after leaving care again: %+v", c)
	}
	// The end of p2 struck out: the record closes on the day it opened.
	if !apply(func(tx careleaver.Tx) (bool, error) { return f.svc.PeriodReopened(tx, "yp", "p2") }) {
		t.Fatal("reopen_period did not close the record")
	}
	if c = f.record("yp"); c.IsOpen() || c.Closed != c.Opened || c.OpenOn(c.Opened) {
		t.Fatalf("after the correction: %+v", c)
	}
	// A closing backdated before a band change already published comes out
	// of the band the young person was counted in.
	f.open("late", "2009-03-10", "2026-03-01", "E4A") // 16 then; 17 by today: 17_18 published at once
	if !apply(func(tx careleaver.Tx) (bool, error) { return f.svc.PeriodStarted(tx, "late", "p9", d("2026-03-05")) }) {
		t.Fatal("period.started did not close")
	}
	want := []string{
		"careleaver.registered 2025-05-01 17_18",
		"careleaver.closed 2025-09-01 17_18 CLOSING_REASON_RETURNED_TO_CARE",
		"careleaver.registered 2026-01-20 17_18",
		"careleaver.closed 2026-01-20 17_18 CLOSING_REASON_RETURNED_TO_CARE",
		"careleaver.registered 2026-03-01 ",
		"careleaver.age_band.changed 2026-03-10 17_18 from ",
		"careleaver.closed 2026-03-05 17_18 CLOSING_REASON_RETURNED_TO_CARE",
	}
	if got := summary(f.events()); !slices.Equal(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
}

func TestAdvisersReviewsAndClosing(t *testing.T) {
	f := newFixture(t, "2026-06-01")
	f.open("yp", "2006-07-01", "2025-01-15", "E4A")
	allocate := func(pa, start string) error {
		return f.write(func(tx careleaver.Tx) error {
			_, err := f.svc.AllocateAdviser(tx, "yp", pa, d(start))
			return err
		})
	}
	if err := allocate("pa1", "2025-01-15"); err != nil {
		t.Fatal(err)
	}
	if err := allocate("pa2", "2025-06-01"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		pa, start, rule string
	}{
		{"pa2", "2025-07-01", careleaver.RuleSameAdviser},
		{"pa3", "2025-05-31", careleaver.RuleAdviserOrder},
		{"pa3", "2026-06-02", "future_date"},
	} {
		if err := allocate(tt.pa, tt.start); !hasRule(err, tt.rule) {
			t.Errorf("allocate %s from %s: %v, want %s", tt.pa, tt.start, err, tt.rule)
		}
	}
	c := f.record("yp")
	if len(c.Advisers) != 2 || c.Advisers[0].End != d("2025-06-01") {
		t.Fatalf("advisers %+v", c.Advisers)
	}
	review := func(on string) error {
		return f.write(func(tx careleaver.Tx) error {
			_, err := f.svc.RecordReview(tx, "yp", d(on))
			return err
		})
	}
	for _, on := range []string{"2025-12-01", "2025-06-01", "2025-12-01"} {
		if err := review(on); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.record("yp").Reviews; !slices.Equal(got, []clock.Date{d("2025-06-01"), d("2025-12-01")}) {
		t.Fatalf("reviews %v", got)
	}
	closeAs := func(on string, why careleaver.ClosingReason) error {
		return f.write(func(tx careleaver.Tx) error {
			_, err := f.svc.Close(tx, "yp", d(on), why)
			return err
		})
	}
	if err := closeAs("2026-05-01", careleaver.Reached25); !hasRule(err, careleaver.RuleClosingReason) {
		t.Fatalf("closing as reached 25 by hand: %v", err)
	}
	if err := closeAs("2025-01-14", careleaver.Died); !hasRule(err, careleaver.RuleBeforeOpened) {
		t.Fatalf("closing before opening: %v", err)
	}
	if err := closeAs("2026-05-01", careleaver.Died); err != nil {
		t.Fatal(err)
	}
	if err := closeAs("2026-05-02", careleaver.MovedAway); !hasRule(err, careleaver.RuleRecordClosed) {
		t.Fatalf("closing twice: %v", err)
	}
	if err := review("2026-05-20"); !hasRule(err, careleaver.RuleRecordClosed) {
		t.Fatalf("review on a closed record: %v", err)
	}
	// A young person who died is not reopened, by hand or by caseload.
	err := f.write(func(tx careleaver.Tx) error {
		_, err := f.svc.Open(tx, careleaver.Opening{ChildID: "yp", DOB: d("2006-07-01"), Opened: d("2026-05-20")})
		return err
	})
	if !hasRule(err, careleaver.RuleDied) {
		t.Fatalf("reopening after death: %v", err)
	}
	want := []string{
		"careleaver.registered 2025-01-15 17_18",
		// 19 by the service's today: published with the opening.
		"careleaver.age_band.changed 2025-07-01 19_21 from 17_18",
		"careleaver.adviser.changed 2025-01-15 17_18",
		"careleaver.adviser.changed 2025-06-01 17_18",
		"careleaver.closed 2026-05-01 19_21 CLOSING_REASON_DIED",
	}
	if got := summary(f.events()); !slices.Equal(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
}

func TestOpenByHand(t *testing.T) {
	f := newFixture(t, "2026-06-01")
	open := func(opened, dob string) error {
		return f.write(func(tx careleaver.Tx) error {
			_, err := f.svc.Open(tx, careleaver.Opening{ChildID: "yp", DOB: d(dob), Opened: d(opened)})
			return err
		})
	}
	if err := open("2026-01-01", "2010-06-01"); !hasRule(err, careleaver.RuleLeavingCareStatus) {
		t.Fatalf("opening for a 15-year-old: %v", err)
	}
	if err := open("2026-01-01", "2008-06-01"); err != nil {
		t.Fatal(err)
	}
	if err := open("2026-02-01", "2008-06-01"); errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("opening an open record: %v", err)
	}
}

func TestEntitlementTakeUp(t *testing.T) {
	f := newFixture(t, "2026-06-01")
	f.open("yp", "2007-09-01", "2025-09-01", "E17") // 18 on opening
	f.mustWrite(func(tx careleaver.Tx) error {
		_, err := f.svc.PublishEntitlement(tx, careleaver.Entitlement{ID: "setting-up-home", Title: "Setting-up-home allowance", MinAge: 18, MaxAge: 21})
		return err
	})
	take := func(ent, on string) error {
		return f.write(func(tx careleaver.Tx) error {
			return f.svc.RecordTakeUp(tx, careleaver.TakeUp{ChildID: "yp", EntitlementID: ent, Date: d(on)})
		})
	}
	if err := take("setting-up-home", "2026-01-10"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		ent, on string
		kind    errs.Kind
		rule    string
	}{
		{"setting-up-home", "2026-01-10", errs.KindAlreadyExists, ""},
		{"setting-up-home", "2025-08-31", errs.KindFailedPrecondition, careleaver.RuleRecordClosed}, // before opening (and 17)
		{"no-such", "2026-01-10", errs.KindNotFound, ""},
		{"setting-up-home", "2026-06-02", errs.KindInvalid, "future_date"},
	} {
		err := take(tt.ent, tt.on)
		if errs.KindOf(err) != tt.kind || (tt.rule != "" && !hasRule(err, tt.rule)) {
			t.Errorf("take %s on %s: %v, want %v %s", tt.ent, tt.on, err, tt.kind, tt.rule)
		}
	}
	// Too old on the date: the entitlement is for 18 to 21.
	f.clk.SetDate(d("2029-10-01"))
	if err := take("setting-up-home", "2029-09-30"); !hasRule(err, careleaver.RuleEntitlementAge) {
		t.Fatalf("take-up at 22: %v", err)
	}
}
