package careleaver

import (
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
)

func d(s string) clock.Date { return clock.MustParseDate(s) }

func TestCategoryAndBand(t *testing.T) {
	dob := d("2008-02-29") // a leapling attains each age on 1 March in a common year
	tests := []struct {
		on   string
		cat  Category
		band string
	}{
		{"2024-02-28", CategoryNone, ""},        // 15
		{"2024-02-29", Relevant, ""},            // 16: a relevant child with no band
		{"2025-02-28", Relevant, ""},            // still 16
		{"2025-03-01", Relevant, "17_18"},       // 17
		{"2026-02-28", Relevant, "17_18"},       // still 17
		{"2026-03-01", FormerRelevant, "17_18"}, // 18
		{"2027-03-01", FormerRelevant, "19_21"}, // 19
		{"2030-03-01", FormerRelevant, "22_25"}, // 22
		{"2033-02-28", FormerRelevant, "22_25"}, // 24, the last day
		{"2033-03-01", CategoryNone, "22_25"},   // 25: the duties end
		{"2034-03-01", CategoryNone, ""},        // 26
	}
	for _, tt := range tests {
		t.Run(tt.on, func(t *testing.T) {
			if got := CategoryAt(dob, d(tt.on)); got != tt.cat {
				t.Errorf("CategoryAt = %v, want %v", got, tt.cat)
			}
			if got := AgeBandAt(dob, d(tt.on)); got != tt.band {
				t.Errorf("AgeBandAt = %q, want %q", got, tt.band)
			}
		})
	}
}

func TestBandStart(t *testing.T) {
	dob := d("2007-06-15")
	tests := []struct{ on, want string }{
		{"2023-06-15", ""}, // 16
		{"2024-06-15", "2024-06-15"},
		{"2026-01-01", "2024-06-15"}, // 18: still the band that began at 17
		{"2026-06-15", "2026-06-15"}, // 19
		{"2030-01-01", "2029-06-15"}, // 22
	}
	for _, tt := range tests {
		if got := bandStart(dob, d(tt.on)).String(); got != tt.want {
			t.Errorf("bandStart on %s = %q, want %q", tt.on, got, tt.want)
		}
	}
}

func TestOpenOnAndAdviserOn(t *testing.T) {
	c := &CareLeaver{ChildID: "c", DOB: d("2008-01-01"), Opened: d("2025-05-01"), Closed: d("2026-01-10"),
		Advisers: []AdviserAllocation{
			{AdviserID: "pa1", Start: d("2025-04-01"), End: d("2025-09-01")},
			{AdviserID: "pa2", Start: d("2025-09-01")},
		}}
	for _, tt := range []struct {
		on      string
		open    bool
		adviser string
	}{
		{"2025-04-30", false, "pa1"},
		{"2025-05-01", true, "pa1"},
		{"2025-08-31", true, "pa1"},
		{"2025-09-01", true, "pa2"}, // the previous allocation ends the day the next starts
		{"2026-01-09", true, "pa2"},
		{"2026-01-10", false, "pa2"}, // closed on the 10th: not open that day
	} {
		if got := c.OpenOn(d(tt.on)); got != tt.open {
			t.Errorf("OpenOn(%s) = %v, want %v", tt.on, got, tt.open)
		}
		if a, ok := c.AdviserOn(d(tt.on)); !ok || a.AdviserID != tt.adviser {
			t.Errorf("AdviserOn(%s) = %v %v, want %s", tt.on, a, ok, tt.adviser)
		}
	}
	if _, ok := c.AdviserOn(d("2025-03-31")); ok {
		t.Error("an adviser before the first allocation")
	}
	if cur, ok := c.CurrentAdviser(); !ok || cur.AdviserID != "pa2" {
		t.Errorf("CurrentAdviser = %v %v", cur, ok)
	}
	if c.CategoryOn(d("2026-01-10")) != CategoryNone || c.CategoryOn(d("2026-01-09")) != FormerRelevant {
		t.Error("category ignores whether the record is open")
	}
}

func TestPathwayPlan(t *testing.T) {
	c := &CareLeaver{Opened: d("2025-01-31")}
	tests := []struct {
		name    string
		reviews []string
		on      string
		last    string
		due     string
		overdue bool
	}{
		{"none, within six months of opening", nil, "2025-07-31", "", "2025-07-31", false},
		{"none, six months and a day after opening", nil, "2025-08-01", "", "2025-07-31", true},
		{"reviewed, on the due day", []string{"2025-03-31"}, "2025-09-30", "2025-03-31", "2025-09-30", false},
		{"reviewed, the day after due", []string{"2025-03-31"}, "2025-10-01", "2025-03-31", "2025-09-30", true},
		{"a later review is not seen before it happened", []string{"2025-03-31", "2025-11-01"}, "2025-10-15", "2025-03-31", "2025-09-30", true},
		{"latest review counts", []string{"2025-03-31", "2025-11-01"}, "2026-01-01", "2025-11-01", "2026-05-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.Reviews = nil
			for _, r := range tt.reviews {
				c.Reviews = append(c.Reviews, d(r))
			}
			p := c.PathwayPlanOn(d(tt.on))
			if p.LastReview.String() != tt.last || p.NextDue.String() != tt.due || p.Overdue != tt.overdue {
				t.Fatalf("PathwayPlanOn(%s) = last %s due %s overdue %v; want %s %s %v", tt.on, p.LastReview, p.NextDue, p.Overdue, tt.last, tt.due, tt.overdue)
			}
		})
	}
}

func TestBirthdayWindow(t *testing.T) {
	w := DefaultBirthdayWindow
	dob := d("2005-05-31")
	b, from, to := w.Around(dob, d("2026-06-10"))
	if b != d("2026-05-31") || from != d("2026-02-28") || to != d("2026-06-10") {
		t.Fatalf("Around = %s %s..%s; want the 2026-05-31 birthday, 2026-02-28..2026-06-10 (not after the date asked)", b, from, to)
	}
	b, from, to = w.Around(dob, d("2026-12-01"))
	if b != d("2026-05-31") || from != d("2026-02-28") || to != d("2026-06-30") {
		t.Fatalf("Around = %s %s..%s", b, from, to)
	}
	if !(BirthdayWindow{0, 0}).Valid() || (BirthdayWindow{-1, 1}).Valid() || (BirthdayWindow{3, 12}).Valid() {
		t.Fatal("Valid")
	}
}

func TestNearestTo(t *testing.T) {
	day := d("2026-05-31")
	cs := []Contact{
		{ID: "a", Date: d("2026-03-01")},
		{ID: "b", Date: d("2026-05-29")}, // 2 days before
		{ID: "c", Date: d("2026-06-02")}, // 2 days after: equally near, later wins
		{ID: "d", Date: d("2026-06-20")},
	}
	if got, ok := NearestTo(day, cs); !ok || got.ID != "c" {
		t.Fatalf("NearestTo = %v %v, want c", got, ok)
	}
	if _, ok := NearestTo(day, nil); ok {
		t.Fatal("NearestTo of nothing found something")
	}
	// Same day: the later recording (greater id) wins.
	same := []Contact{{ID: "0190", Date: day}, {ID: "0191", Date: day}}
	if got, _ := NearestTo(day, same); got.ID != "0191" {
		t.Fatalf("same day: got %s", got.ID)
	}
}

func TestFilterMatch(t *testing.T) {
	asAt := d("2026-06-01")
	base := func() View {
		c := &CareLeaver{ChildID: "x", DOB: d("2006-01-01"), Opened: d("2024-03-01")}
		return View{Record: c, AsAt: asAt, Open: true, AgeBand: "19_21", Adviser: AdviserAllocation{AdviserID: "pa1"}, HasPA: true,
			Latest: Contact{Date: d("2026-05-01"), InTouch: "YES", Activity: "F1", Accommodation: "U1"}, HasLatest: true,
			Plan: PathwayPlan{Overdue: true}}
	}
	noContact := base()
	noContact.HasLatest, noContact.Latest = false, Contact{}
	neet := base()
	neet.Latest.Activity, neet.Latest.Accommodation = "G5", "S2"
	closed := base()
	closed.Open = false
	tests := []struct {
		name string
		f    Filter
		v    View
		want bool
	}{
		{"no filter", Filter{}, base(), true},
		{"not open", Filter{}, closed, false},
		{"adviser", Filter{AdviserID: "pa1"}, base(), true},
		{"other adviser", Filter{AdviserID: "pa2"}, base(), false},
		{"band", Filter{AgeBand: "19_21"}, base(), true},
		{"other band", Filter{AgeBand: "22_25"}, base(), false},
		{"in touch", Filter{InTouch: "YES"}, base(), true},
		{"in touch, no contact", Filter{InTouch: "YES"}, noContact, false},
		{"EET only", Filter{EET: 1}, base(), true},
		{"EET only, NEET", Filter{EET: 1}, neet, false},
		{"not EET", Filter{EET: 2}, neet, true},
		{"not EET includes no contact", Filter{EET: 2}, noContact, true},
		{"suitable", Filter{SuitableAccommodation: 1}, base(), true},
		{"suitable, S2", Filter{SuitableAccommodation: 1}, neet, false},
		{"not suitable or not known", Filter{SuitableAccommodation: 2}, noContact, true},
		{"overdue", Filter{PathwayPlanOverdue: true}, base(), true},
		// The latest contact is 31 days before the date asked: inside the 32
		// days ending on it, outside the 31.
		{"contact within the last 32 days", Filter{NoContactInDays: 32}, base(), false},
		{"no contact within the last 31 days", Filter{NoContactInDays: 31}, base(), true},
		{"no contact in N days, none ever", Filter{NoContactInDays: 1}, noContact, true},
		{"all together", Filter{AdviserID: "pa1", AgeBand: "19_21", InTouch: "YES", EET: 1, SuitableAccommodation: 1, PathwayPlanOverdue: true}, base(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Match(tt.v); got != tt.want {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBirthdayDue(t *testing.T) {
	c := &CareLeaver{DOB: d("2009-06-10"), Opened: d("2025-09-01"), Band: "", BandFrom: d("2025-09-01")}
	for _, tt := range []struct {
		on   string
		want bool
	}{
		{"2025-08-31", false}, // before the record opened
		{"2026-06-09", false}, // 16
		{"2026-06-10", true},  // 17: into 17_18
		{"2030-01-01", true},  // a missed change is still due
	} {
		if got := BirthdayDue(c, d(tt.on)); got != tt.want {
			t.Errorf("BirthdayDue(%s) = %v, want %v", tt.on, got, tt.want)
		}
	}
	c.Band, c.BandFrom = "17_18", d("2026-06-10")
	if BirthdayDue(c, d("2026-06-10")) || BirthdayDue(c, d("2028-06-09")) || !BirthdayDue(c, d("2028-06-10")) {
		t.Error("band changes are due on the 19th birthday only")
	}
	c.Band, c.BandFrom = "22_25", d("2031-06-10")
	if BirthdayDue(c, d("2034-06-09")) || !BirthdayDue(c, d("2034-06-10")) {
		t.Error("closing is due on the 25th birthday")
	}
	c.Closed = d("2030-01-01")
	if BirthdayDue(c, d("2034-06-10")) {
		t.Error("a closed record is due")
	}
}

func TestCheckEntitlement(t *testing.T) {
	tests := []struct {
		min, max int
		ok       bool
	}{
		{16, 24, true}, {18, 18, true}, {15, 20, false}, {16, 25, false}, {20, 18, false}, {0, 0, false},
	}
	for _, tt := range tests {
		err := CheckEntitlement(Entitlement{ID: "x", Title: "X", MinAge: tt.min, MaxAge: tt.max})
		if (err == nil) != tt.ok {
			t.Errorf("CheckEntitlement(%d..%d) = %v, want ok %v", tt.min, tt.max, err, tt.ok)
		}
		if err != nil && errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("kind %v", errs.KindOf(err))
		}
	}
}

func TestLastEndedBy(t *testing.T) {
	h := CareHistory{Periods: []PeriodOfCare{
		{ID: "p1", Start: d("2020-01-01"), End: d("2021-01-01"), ReasonCeased: "E4A"},
		{ID: "p2", Start: d("2022-01-01"), End: d("2024-05-01"), ReasonCeased: "E17"},
		{ID: "p3", Start: d("2025-01-01")},
	}}
	if p, ok := h.LastEndedBy(d("2024-05-01")); !ok || p.ID != "p2" {
		t.Fatalf("LastEndedBy = %v %v", p, ok)
	}
	if p, ok := h.LastEndedBy(d("2024-04-30")); !ok || p.ID != "p1" {
		t.Fatalf("LastEndedBy before p2 ended = %v %v", p, ok)
	}
	if _, ok := h.LastEndedBy(d("2020-12-31")); ok {
		t.Fatal("a period ended before any did")
	}
}
