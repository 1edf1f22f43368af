package ssda903

import (
	"fmt"
	"testing"
)

type catCase struct {
	on          string
	lookedAfter bool
	counted     bool
	ls          string
	status      LeavingCareStatus
	age         int
}

func checkCategory(t *testing.T, care CareTimeline, cases []catCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %s", c.on, c.status), func(t *testing.T) {
			got := LegalCategory(care, d(c.on))
			want := Category{LookedAfter: c.lookedAfter, Counted: c.counted, LS: c.ls, LeavingCare: c.status, Age: c.age}
			if got != want {
				t.Fatalf("LegalCategory(%s)\n got  %+v\n want %+v", c.on, got, want)
			}
		})
	}
}

// A child who starts under an interim care order at 15, moves to a full
// care order, and leaves care on their 18th birthday staying put (E17).
func TestLegalCategoryRealisticHistory(t *testing.T) {
	care := child("2005-05-10",
		per("2020-06-01", "2023-05-10", "E17", "C1", "C2@2020-09-01"),
	)
	checkCategory(t, care, []catCase{
		{"2004-01-01", false, false, "", LeavingCareNone, -2},           // before birth
		{"2020-05-31", false, false, "", LeavingCareNone, 15},           // not yet in care
		{"2020-06-01", true, true, "C1", LeavingCareNone, 15},           // looked after from DECOM
		{"2020-09-01", true, true, "C2", LeavingCareNone, 15},           // the change of status
		{"2021-05-09", true, true, "C2", LeavingCareNone, 15},           // day before the 16th birthday
		{"2021-05-10", true, true, "C2", LeavingCareEligible, 16},       // 16, long past 13 weeks
		{"2022-05-10", true, true, "C2", LeavingCareEligible, 17},       // 17th birthday
		{"2023-05-09", true, true, "C2", LeavingCareEligible, 17},       // last day looked after (DEC-1)
		{"2023-05-10", false, false, "", LeavingCareFormerRelevant, 18}, // DEC: E17 at 18
		{"2026-03-31", false, false, "", LeavingCareFormerRelevant, 20}, // today
		{"2030-05-09", false, false, "", LeavingCareFormerRelevant, 24}, // still at 24
		{"2030-05-10", false, false, "", LeavingCareNone, 25},           // none on the 25th birthday
	})
}

// Thirteen weeks counted exactly: care from the 16th birthday is eligible
// on its 91st day (days 1..91 inclusive), not on its 90th.
func TestLegalCategoryThirteenWeeks(t *testing.T) {
	care := child("2008-03-01", per("2024-03-01", "", "", "C2"))
	checkCategory(t, care, []catCase{
		{"2024-05-29", true, true, "C2", LeavingCareNone, 16},     // 90 days
		{"2024-05-30", true, true, "C2", LeavingCareEligible, 16}, // 91 days: 13 weeks
	})
	// Ten weeks and then home: never eligible, so not relevant either.
	short := child("2008-03-01", per("2024-03-01", "2024-05-10", "E4A", "C2"))
	checkCategory(t, short, []catCase{
		{"2024-05-09", true, true, "C2", LeavingCareNone, 16},
		{"2024-06-01", false, false, "", LeavingCareNone, 16},
		{"2026-03-31", false, false, "", LeavingCareNone, 18},
	})
	// Periods add up: 50 days at 14 and 41 days at 16 make 13 weeks, which
	// end after 16, so eligible on the 41st day of the second period.
	twoSpells := child("2008-03-01",
		per("2022-04-01", "2022-05-21", "E4A", "V2"), // 50 days
		per("2024-04-01", "", "", "V2"),
	)
	checkCategory(t, twoSpells, []catCase{
		{"2024-05-10", true, true, "V2", LeavingCareNone, 16},     // 50 + 40
		{"2024-05-11", true, true, "V2", LeavingCareEligible, 16}, // 50 + 41
	})
	// Care before the 14th birthday does not count.
	young := child("2008-03-01",
		per("2021-01-01", "2022-03-31", "E4A", "C2"), // ends a month after 14
		per("2024-04-01", "2024-05-15", "E4A", "C2"), // 44 days at 16
	)
	checkCategory(t, young, []catCase{
		{"2024-05-14", true, true, "C2", LeavingCareNone, 16}, // 30 + 44 = 74 < 91
		{"2024-06-01", false, false, "", LeavingCareNone, 16},
	})
	// 13 weeks between 14 and 16 and back in care at 16: eligible from the
	// first day of care after the 16th birthday.
	back := child("2008-03-01",
		per("2022-06-01", "2022-12-01", "E4A", "C2"),
		per("2024-06-01", "", "", "V2"),
	)
	checkCategory(t, back, []catCase{
		{"2023-01-01", false, false, "", LeavingCareNone, 14},
		{"2024-06-01", true, true, "V2", LeavingCareEligible, 16},
	})
}

// A child whose care ends at 17 is a relevant child until 18, then former
// relevant.
func TestLegalCategoryRelevant(t *testing.T) {
	care := child("2007-01-01", per("2022-01-01", "2024-06-01", "E8", "C2"))
	checkCategory(t, care, []catCase{
		{"2024-05-31", true, true, "C2", LeavingCareEligible, 17},
		{"2024-06-01", false, false, "", LeavingCareRelevant, 17},
		{"2024-12-31", false, false, "", LeavingCareRelevant, 17},
		{"2025-01-01", false, false, "", LeavingCareFormerRelevant, 18},
	})
	// Home (E4A) at 16½ and back into care at 17: eligible again while
	// looked after, relevant after.
	back := child("2007-01-01",
		per("2022-01-01", "2023-07-01", "E4A", "C2"),
		per("2024-01-01", "2024-03-01", "E13", "V2"),
	)
	checkCategory(t, back, []catCase{
		{"2023-08-01", false, false, "", LeavingCareRelevant, 16},
		{"2024-02-01", true, true, "V2", LeavingCareEligible, 17},
		{"2024-03-01", false, false, "", LeavingCareRelevant, 17},
	})
}

// A child on a series of V3 short breaks is looked after on a break day but
// not counted, and never eligible through short breaks alone.
func TestLegalCategoryShortBreaks(t *testing.T) {
	var periods []Period
	// Ten 15-day breaks a year from 14 to 17: 450 days of short breaks.
	for y := 2022; y <= 2024; y++ {
		for m := 1; m <= 10; m++ {
			periods = append(periods, per(fmt.Sprintf("%d-%02d-01", y, m), fmt.Sprintf("%d-%02d-16", y, m), "E4A", "V3"))
		}
	}
	care := child("2008-01-01", periods...)
	checkCategory(t, care, []catCase{
		{"2024-05-05", true, false, "V3", LeavingCareNone, 16},
		{"2024-05-20", false, false, "", LeavingCareNone, 16},
		{"2025-02-01", false, false, "", LeavingCareNone, 17},
		{"2026-03-31", false, false, "", LeavingCareNone, 18},
	})
	if _, ok := FirstEligible(care); ok {
		t.Fatal("short breaks alone made the child eligible")
	}
	// A month in full-time care at 16½ as well: still short of 13 weeks,
	// since the short-break days do not count.
	care.Periods = append(care.Periods, per("2024-11-01", "2024-12-01", "E4A", "V2"))
	if _, ok := FirstEligible(care); ok {
		t.Fatal("30 days of full-time care plus short breaks made the child eligible")
	}
	// V4 (agreements) is treated the same way.
	v4 := child("2008-01-01", per("2022-01-01", "", "", "V4"))
	checkCategory(t, v4, []catCase{{"2025-01-01", true, false, "V4", LeavingCareNone, 17}})
}

// Care that ended by death, transfer to another authority or an age
// assessment ends this council's leaving-care duties.
func TestLegalCategoryEndings(t *testing.T) {
	for _, rec := range []string{"E2", "E3", "E15"} {
		care := child("2007-01-01", per("2022-01-01", "2024-06-01", rec, "C2"))
		checkCategory(t, care, []catCase{
			{"2024-05-31", true, true, "C2", LeavingCareEligible, 17},
			{"2024-06-01", false, false, "", LeavingCareNone, 17},
			{"2025-06-01", false, false, "", LeavingCareNone, 18},
		})
	}
	// Looked after past the 18th birthday (DEC after it): former relevant
	// from the birthday, since no one is a child after 18.
	late := child("2006-01-01", per("2021-01-01", "2024-02-01", "E17", "C2"))
	checkCategory(t, late, []catCase{{"2024-01-15", true, true, "C2", LeavingCareFormerRelevant, 18}})
}

func TestLegalCategoryUASC(t *testing.T) {
	care := child("2008-01-01", per("2024-01-01", "", "", "V2"))
	care.UASC, care.UASCCeased = true, d("2025-06-01")
	if c := LegalCategory(care, d("2025-05-31")); !c.UASC {
		t.Error("UASC before DUC: false")
	}
	if c := LegalCategory(care, d("2025-06-01")); c.UASC {
		t.Error("UASC on DUC: true")
	}
}

func BenchmarkLegalCategory(b *testing.B) {
	care, _ := benchChild()
	on := d("2022-10-01")
	if c := LegalCategory(care, on); !c.LookedAfter || c.LeavingCare != LeavingCareEligible {
		b.Fatalf("bench child: %+v", c)
	}
	b.ReportAllocs()
	for b.Loop() {
		LegalCategory(care, on)
	}
}
