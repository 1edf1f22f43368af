package caseload_test

import (
	"testing"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

func TestStatusOn(t *testing.T) {
	f := newFixture(t)
	never := f.register("LA-N", "2012-01-01")
	la := f.register("LA-L", "2012-01-01")
	f.start(la.ID, "2025-01-01", "C2")
	leaver := f.register("LA-C", "2009-01-01")
	f.start(leaver.ID, "2024-01-01", "C2")
	f.end(leaver.ID, "2025-06-01", "E6")
	closed := f.register("LA-X", "2015-01-01")
	f.start(closed.ID, "2025-01-01", "C1")
	f.end(closed.ID, "2025-06-01", "E4A")

	today := d("2026-06-30")
	for _, tt := range []struct {
		id   string
		want caseload.Status
	}{
		{never.ID, caseload.StatusNotLookedAfter},
		{la.ID, caseload.StatusLookedAfter},
		{leaver.ID, caseload.StatusCareLeaver},
		{closed.ID, caseload.StatusClosed},
	} {
		if got := caseload.StatusOn(f.child(tt.id), today); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.id, got, tt.want)
		}
	}
	if got := caseload.StatusOn(f.child(la.ID), d("2024-12-31")); got != caseload.StatusNotLookedAfter {
		t.Errorf("before the first period: %v", got)
	}
}

// Struck-out spells are left out of the timeline pkg/ssda903 reads.
func TestTimelineLeavesOutStruckSpells(t *testing.T) {
	c := &caseload.Child{DOB: d("2012-01-01"), Periods: []caseload.Period{{
		ID: "p", Start: d("2025-01-01"), CategoryOfNeed: "N1",
		Spells: []caseload.Spell{
			{ID: "a", LegalStatus: "C1", Start: d("2025-01-01")},
			{ID: "b", LegalStatus: "V2", Start: d("2025-02-01"), Corrected: true},
			{ID: "c", LegalStatus: "C2", Start: d("2025-03-01")},
		},
	}}}
	tl := c.Timeline()
	if len(tl.Periods) != 1 || len(tl.Periods[0].Statuses) != 2 || tl.Periods[0].Statuses[1].ID != "c" {
		t.Fatalf("timeline = %+v", tl)
	}
	if cat := caseload.LegalCategoryOn(c, d("2025-02-15")); cat.LS != "C1" || !cat.LookedAfter {
		t.Fatalf("category = %+v", cat)
	}
	if c.Periods[0].SpellEnd(0) != d("2025-03-01") || c.Periods[0].SpellEnd(1) != d("2025-03-01") {
		t.Fatal("spell ends skip struck spells")
	}
}

func TestMilestonesOn(t *testing.T) {
	looked := func(dob string) *caseload.Child {
		return &caseload.Child{DOB: d(dob), Periods: []caseload.Period{{Start: d("2010-01-01"),
			Spells: []caseload.Spell{{LegalStatus: "C2", Start: d("2010-01-01")}}}}}
	}
	for _, tt := range []struct {
		name string
		c    *caseload.Child
		on   string
		want []int
	}{
		{"16th birthday", looked("2010-07-01"), "2026-07-01", []int{16}},
		{"18th birthday", looked("2008-07-01"), "2026-07-01", []int{18}},
		{"10th birthday", looked("2016-07-01"), "2026-07-01", []int{10}},
		{"15th birthday", looked("2011-07-01"), "2026-07-01", nil},
		{"day before", looked("2010-07-01"), "2026-06-30", nil},
		{"leapling in a common year: 1 March", looked("2008-02-29"), "2026-03-01", []int{18}},
		{"leapling in a common year: not 28 February", looked("2008-02-29"), "2026-02-28", nil},
		{"not looked after", &caseload.Child{DOB: d("2010-07-01")}, "2026-07-01", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := caseload.MilestonesOn(tt.c, d(tt.on))
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Fatalf("MilestonesOn = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPublishMilestonesOnce(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2010-07-01")
	f.start(c.ID, "2025-01-01", "C2")
	f.clock.SetDate(d("2026-07-01"))
	for i, want := range []int{1, 0} {
		var n int
		f.must(f.write(func(tx caseload.MilestoneTx) (err error) {
			n, err = f.svc.PublishMilestones(tx, c.ID, d("2026-07-01"))
			return err
		}))
		if n != want {
			t.Fatalf("pass %d published %d, want %d", i, n, want)
		}
	}
	if got := f.outbox(); got[len(got)-1] != "caseload.age.milestone" || len(got) != 3 {
		t.Fatalf("outbox = %v", got)
	}
}

// A sealed child answers from its kept timeline; a clone of it is
// unsealed, so a write's changes are seen.
func TestSealKeepsTheTimeline(t *testing.T) {
	c := &caseload.Child{DOB: d("2008-01-01"), Periods: []caseload.Period{{ID: "p", Start: d("2020-01-01"), CategoryOfNeed: "N1",
		Spells: []caseload.Spell{{ID: "a", LegalStatus: "C2", Start: d("2020-01-01")}}}}}
	before := caseload.LegalCategoryOn(c, d("2024-06-01"))
	c.Seal()
	if got := caseload.LegalCategoryOn(c, d("2024-06-01")); got != before || got.LeavingCare != caseload.Eligible {
		t.Fatalf("sealed: %+v, unsealed: %+v", got, before)
	}
	w := c.Clone()
	w.Periods[0].End, w.Periods[0].ReasonCeased = d("2024-03-01"), "E13"
	if got := caseload.LegalCategoryOn(w, d("2024-06-01")); got.LookedAfter || got.LeavingCare != caseload.Relevant {
		t.Fatalf("a clone still answers from the sealed timeline: %+v", got)
	}
	if got := caseload.LegalCategoryOn(c, d("2024-06-01")); !got.LookedAfter {
		t.Fatal("changing the clone changed the sealed child")
	}
}
