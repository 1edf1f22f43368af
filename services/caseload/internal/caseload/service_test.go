package caseload_test

import (
	"slices"
	"testing"

	"github.com/corporate-parenting/suite/pkg/errs"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

func TestRegisterRefusesDuplicatesAndBadDetails(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2014-02-03")
	if c.ID == "" || c.Revision != 1 || c.DOB != d("2014-02-03") {
		t.Fatalf("registered %+v", c)
	}
	err := f.write(func(tx caseload.MilestoneTx) error {
		_, err := f.svc.Register(tx, caseload.Registration{LAChildID: "LA-1", DOB: d("2014-02-03"), Sex: "F"})
		return err
	})
	if errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("duplicate la_child_id: %v", err)
	}
	for _, tt := range []struct {
		name string
		r    caseload.Registration
		rule string
	}{
		{"sex not in the 2026/27 list", caseload.Registration{LAChildID: "LA-2", DOB: d("2014-02-03"), Sex: "1"}, "903:101"},
		{"born tomorrow", caseload.Registration{LAChildID: "LA-3", DOB: d("2026-07-01"), Sex: "M"}, "future_date"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := f.write(func(tx caseload.MilestoneTx) error { _, err := f.svc.Register(tx, tt.r); return err })
			if errs.KindOf(err) != errs.KindInvalid || errs.ViolationsOf(err)[0].Rule != tt.rule {
				t.Fatalf("got %v, want Invalid %s", err, tt.rule)
			}
		})
	}
	if got := f.outbox(); !slices.Equal(got, []string{"caseload.child.registered"}) {
		t.Fatalf("outbox = %v", got)
	}
	if f.store.Len() != 1 {
		t.Fatalf("%d children", f.store.Len())
	}
}

func TestPeriodLifecycle(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2010-06-01")
	f.start(c.ID, "2025-01-01", "C1")
	f.change(c.ID, "2025-03-01", "C2")
	if lcs := f.end(c.ID, "2026-06-20", "E13"); lcs != caseload.Eligible {
		t.Fatalf("leaving at 16 after 17 months: %v, want Eligible", lcs)
	}
	got := f.child(c.ID)
	if got.Revision != 4 || len(got.Periods) != 1 {
		t.Fatalf("child = %+v", got)
	}
	p := got.Periods[0]
	if p.Start != d("2025-01-01") || p.End != d("2026-06-20") || p.ReasonCeased != "E13" || p.CategoryOfNeed != "N1" ||
		len(p.Spells) != 2 || p.SpellEnd(0) != d("2025-03-01") || p.SpellEnd(1) != d("2026-06-20") {
		t.Fatalf("period = %+v", p)
	}
	if p.LegalStatusOn(d("2025-02-28")) != "C1" || p.LegalStatusOn(d("2025-03-01")) != "C2" || p.LegalStatusOn(d("2026-06-20")) != "" {
		t.Fatal("LegalStatusOn disagrees with the spells")
	}
	want := []string{"caseload.child.registered", "caseload.period.started", "caseload.legal_status.changed", "caseload.period.ended"}
	if got := f.outbox(); !slices.Equal(got, want) {
		t.Fatalf("outbox = %v", got)
	}
	eps := caseload.Episodes(got)
	if len(eps) != 2 || eps[0].RNE != "S" || eps[0].REC != "X1" || eps[1].RNE != "L" || eps[1].REC != "E13" {
		t.Fatalf("episodes = %+v", eps)
	}
}

// A refused write leaves the record and the outbox as they were.
func TestRefusedWriteChangesNothing(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2010-06-01")
	f.start(c.ID, "2025-01-01", "C1")
	before := f.child(c.ID)
	err := f.write(func(tx caseload.MilestoneTx) error {
		_, _, err := f.svc.ChangeLegalStatus(tx, c.ID, d("2025-01-01"), "C2")
		return err
	})
	if errs.KindOf(err) != errs.KindFailedPrecondition || errs.ViolationsOf(err)[0].Rule != "903:355" {
		t.Fatalf("same-day change: %v", err)
	}
	if after := f.child(c.ID); after != before {
		t.Fatal("the in-memory record changed")
	}
	if n := len(f.outbox()); n != 2 {
		t.Fatalf("%d events in the outbox, want 2", n)
	}
	err = f.write(func(tx caseload.MilestoneTx) error {
		_, _, err := f.svc.StartPeriod(tx, "no-such-child", d("2025-01-01"), "C1", "N1")
		return err
	})
	if errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("unknown child: %v", err)
	}
}

func TestUpdateDetails(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2012-06-01")
	f.start(c.ID, "2025-01-01", "C1")
	update := func(u caseload.DetailsUpdate) (*caseload.Child, error) {
		var out *caseload.Child
		err := f.write(func(tx caseload.MilestoneTx) (err error) {
			out, err = f.svc.UpdateDetails(tx, c.ID, u)
			return err
		})
		return out, err
	}
	got, err := update(caseload.DetailsUpdate{GivenName: "New", UPN: "A123456789012", DOB: d("2012-05-01")})
	if err != nil {
		t.Fatal(err)
	}
	if got.GivenName != "New" || got.FamilyName != "Child" || got.UPN != "A123456789012" || got.DOB != d("2012-05-01") || got.Sex != "F" {
		t.Fatalf("updated = %+v", got)
	}
	// A date of birth after care began breaks rule 302.
	_, err = update(caseload.DetailsUpdate{DOB: d("2025-02-01")})
	if vs := errs.ViolationsOf(err); len(vs) == 0 || vs[0].Field != "date_of_birth" || vs[0].Rule != "903:302" {
		t.Fatalf("DOB after care began: %v", err)
	}
	if f.child(c.ID).DOB != d("2012-05-01") {
		t.Fatal("a refused update changed the date of birth")
	}
	// The corrected month of birth is published (metrics' age bands use
	// it); the refused update published nothing, and a change of name
	// alone publishes nothing either.
	if _, err := update(caseload.DetailsUpdate{FamilyName: "Other"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"caseload.child.registered", "caseload.period.started", "caseload.child.updated"}
	if got := f.outbox(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	// A correction within the month changes no code an event carries, but
	// the care-leaver service keeps the date: it hears of it, without the
	// date itself.
	if _, err := update(caseload.DetailsUpdate{DOB: d("2012-05-20")}); err != nil {
		t.Fatal(err)
	}
	ups := f.childUpdates()
	if len(ups) != 2 {
		t.Fatalf("%d child.updated events, want 2", len(ups))
	}
	if u := ups[0]; u.GetMonthOfBirth() != "2012-05" || u.GetChildUpdated().GetPreviousMonthOfBirth() != "2012-06" || !u.GetChildUpdated().GetDateOfBirthCorrected() {
		t.Fatalf("the month's correction: %v", u)
	}
	if u := ups[1]; u.GetMonthOfBirth() != "2012-05" || u.GetChildUpdated().GetPreviousMonthOfBirth() != "" || !u.GetChildUpdated().GetDateOfBirthCorrected() {
		t.Fatalf("the day's correction: %v", u)
	}
	if _, err := update(caseload.DetailsUpdate{Sex: "M"}); err != nil {
		t.Fatal(err)
	}
	if u := f.childUpdates()[2]; u.GetChildUpdated().GetSex() != "M" || u.GetChildUpdated().GetDateOfBirthCorrected() {
		t.Fatalf("a change of sex: %v", u)
	}
}

func TestSetUASC(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2009-01-01")
	set := func(u caseload.UASC, eff string) error {
		return f.write(func(tx caseload.MilestoneTx) error {
			var e = d("2026-06-30")
			if eff != "" {
				e = d(eff)
			}
			_, err := f.svc.SetUASC(tx, c.ID, u, e)
			return err
		})
	}
	f.must(set(caseload.UASC{IsUASC: true}, "2025-01-01"))
	if !f.child(c.ID).IsUASCOn(d("2026-06-30")) {
		t.Fatal("not UASC")
	}
	f.must(set(caseload.UASC{IsUASC: true, Ceased: d("2026-05-01")}, "2026-05-01"))
	if c2 := f.child(c.ID); c2.IsUASCOn(d("2026-05-01")) || !c2.IsUASCOn(d("2026-04-30")) {
		t.Fatal("UASC ceased on the wrong day")
	}
	if err := set(caseload.UASC{IsUASC: true, Ceased: d("2027-01-02")}, ""); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("ceased in the future: %v", err)
	}
	if err := set(caseload.UASC{IsUASC: false, Ceased: d("2026-01-02")}, ""); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("ceased without UASC: %v", err)
	}
}

func TestCorrections(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2012-01-01")
	f.start(c.ID, "2025-01-01", "C1")
	f.change(c.ID, "2025-02-01", "C2")
	f.change(c.ID, "2025-03-01", "C1")
	spells := f.child(c.ID).Periods[0].Spells
	strike := func(id string) error {
		return f.write(func(tx caseload.MilestoneTx) error {
			_, _, err := f.svc.StrikeSpell(tx, c.ID, id, "recorded in error")
			return err
		})
	}
	// Striking C2 leaves C1 then C1 again: one continuous C1 (as the merge
	// reads it), not a refused repeat.
	f.must(strike(spells[1].ID))
	got := f.child(c.ID)
	if !got.Periods[0].Spells[1].Corrected || got.Periods[0].LegalStatusOn(d("2025-02-15")) != "C1" {
		t.Fatalf("after strike: %+v", got.Periods[0])
	}
	if eps := caseload.Episodes(got); len(eps) != 1 || eps[0].LS != "C1" {
		t.Fatalf("episodes after strike = %+v", eps)
	}
	if len(got.Corrections) != 1 || got.Corrections[0].PriorLegalStatus != "C2" || got.Corrections[0].PriorDate != d("2025-02-01") {
		t.Fatalf("corrections = %+v", got.Corrections)
	}
	for _, tt := range []struct {
		name, id string
		kind     errs.Kind
	}{
		{"already struck", spells[1].ID, errs.KindFailedPrecondition},
		{"first spell", spells[0].ID, errs.KindFailedPrecondition},
		{"unknown spell", "nope", errs.KindNotFound},
	} {
		if err := strike(tt.id); errs.KindOf(err) != tt.kind {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
		}
	}

	reopen := func(id string) error {
		return f.write(func(tx caseload.MilestoneTx) error {
			_, _, err := f.svc.ReopenPeriod(tx, c.ID, id, "ended in error")
			return err
		})
	}
	pid := got.Periods[0].ID
	if err := reopen(pid); errs.KindOf(err) != errs.KindFailedPrecondition {
		t.Fatalf("reopening an open period: %v", err)
	}
	f.end(c.ID, "2026-01-01", "E4A")
	f.start(c.ID, "2026-03-01", "V2")
	// Reopening the first period would leave two open: refused (142).
	if err := reopen(pid); errs.KindOf(err) != errs.KindFailedPrecondition || errs.ViolationsOf(err)[0].Field != "reopen_period_id" {
		t.Fatalf("reopening an earlier period: %v", err)
	}
	f.end(c.ID, "2026-04-01", "E13")
	second := f.child(c.ID).Periods[1].ID
	f.must(reopen(second))
	if p := f.child(c.ID).Periods[1]; !p.Open() || p.ReasonCeased != "" {
		t.Fatalf("reopened = %+v", p)
	}
	if k := f.child(c.ID).Corrections[1]; k.Kind != caseload.ReopenPeriod || k.PriorDate != d("2026-04-01") || k.PriorReasonCeased != "E13" {
		t.Fatalf("correction = %+v", k)
	}
}

func TestAllocate(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2012-01-01")
	alloc := func(w, start string) error {
		return f.write(func(tx caseload.MilestoneTx) error {
			_, _, err := f.svc.Allocate(tx, c.ID, w, "T", d(start))
			return err
		})
	}
	f.must(alloc("w1", "2025-01-01"))
	f.must(alloc("w2", "2025-06-01"))
	if err := alloc("w3", "2025-05-01"); errs.KindOf(err) != errs.KindFailedPrecondition {
		t.Fatalf("before the current allocation: %v", err)
	}
	if err := alloc("w3", "2011-05-01"); errs.KindOf(err) != errs.KindFailedPrecondition {
		t.Fatalf("before birth: %v", err)
	}
	if err := alloc("w3", "2026-07-01"); errs.KindOf(err) != errs.KindInvalid {
		t.Fatalf("in the future: %v", err)
	}
	got := f.child(c.ID)
	cur, ok := got.CurrentAllocation()
	if !ok || cur.WorkerID != "w2" || got.Allocations[0].End != d("2025-06-01") {
		t.Fatalf("allocations = %+v", got.Allocations)
	}
}

func TestCloneIsDeep(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2012-01-01")
	f.start(c.ID, "2025-01-01", "C1")
	orig := f.child(c.ID)
	cl := orig.Clone()
	cl.Periods[0].Spells[0].LegalStatus = "X"
	cl.Periods[0].End = d("2026-01-01")
	cl.Allocations = append(cl.Allocations, caseload.Allocation{WorkerID: "w"})
	if orig.Periods[0].Spells[0].LegalStatus != "C1" || !orig.Periods[0].Open() || len(orig.Allocations) != 0 {
		t.Fatal("Clone shares memory with the original")
	}
}

// A legal status recorded after one was struck out, from an earlier date
// than the struck one, is kept in date order.
func TestSpellsStayInDateOrder(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2012-01-01")
	f.start(c.ID, "2025-01-01", "C1")
	f.change(c.ID, "2025-03-01", "C2")
	struck := f.child(c.ID).Periods[0].Spells[1].ID
	f.must(f.write(func(tx caseload.MilestoneTx) error {
		_, _, err := f.svc.StrikeSpell(tx, c.ID, struck, "wrong date")
		return err
	}))
	f.change(c.ID, "2025-02-01", "C2")
	sp := f.child(c.ID).Periods[0].Spells
	if len(sp) != 3 || sp[1].Start != d("2025-02-01") || sp[1].Corrected || !sp[2].Corrected {
		t.Fatalf("spells = %+v", sp)
	}
	if got := f.child(c.ID).Periods[0].LegalStatusOn(d("2025-03-15")); got != "C2" {
		t.Fatalf("legal status on 15 March = %q", got)
	}
}
