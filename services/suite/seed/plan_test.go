package seed_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/suite/seed"
)

// The plan tests are pure and fast: no service runs. They check that a
// plan is the same every time it is drawn, that every child's history
// hangs together, and — with an oracle written here from the indicator
// definitions, independently of the generator — that it gives the note's
// figures as at its date and 622 a year before.

var planCases = []struct {
	asAt string
	seed int64
}{
	{"2026-03-31", 1}, // the tests' as-at date and seed
	{"2026-03-31", 7},
	{"2026-11-23", 3},
	{"2025-06-15", 11},
	{"2027-02-28", 2},
	{"2028-02-29", 5}, // a leap day: twelve months earlier is 28 February
}

func TestPlanIsDeterministic(t *testing.T) {
	asAt := clock.MustParseDate("2026-03-31")
	a, b := seed.Plan(asAt, 1), seed.Plan(asAt, 1)
	if !bytes.Equal(a.JSON(), b.JSON()) || a.Hash() != b.Hash() {
		t.Fatal("the same as-at date and seed drew two different plans")
	}
	if c := seed.Plan(asAt, 2); c.Hash() == a.Hash() {
		t.Fatal("seeds 1 and 2 drew the same plan")
	}
	if d := seed.Plan(asAt.AddDays(1), 1); d.Hash() == a.Hash() {
		t.Fatal("two as-at dates drew the same plan")
	}
	// The encoding is the plan: it decodes to the same plan.
	var back seed.Scenario
	if err := json.Unmarshal(a.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.JSON(), a.JSON()) {
		t.Fatal("the plan does not survive a JSON round trip")
	}
	t.Logf("plan %s: %d children, %d writes", a.Hash()[:12], len(a.Children), a.Writes())
}

func TestPlanGivesTheNotesFigures(t *testing.T) {
	for _, tc := range planCases {
		t.Run(fmt.Sprintf("%s/seed%d", tc.asAt, tc.seed), func(t *testing.T) {
			asAt := clock.MustParseDate(tc.asAt)
			plan := seed.Plan(asAt, tc.seed)
			if plan.AsAt != asAt || plan.CouncilLA != seed.CouncilLA {
				t.Fatalf("plan for %s, council %s", plan.AsAt, plan.CouncilLA)
			}
			if n := plan.Writes(); n < 5000 || n > 10500 {
				t.Errorf("%d writes; the scenario should stay around 5–10k", n)
			}
			o := newOracle(t, plan)
			a, b := o.figuresOn(asAt), o.figuresOn(asAt.AddMonths(-12))
			want := map[string]int{
				"cla": 662, "foster": 502, "supported_accommodation": 65, "childrens_homes": 58,
				"with_parents": 25, "for_adoption": 12, "other": 0, "inside": 369,
				"care_leavers": 290, "in_touch": 275, "in_touch_base": 287, "eet": 171, "suitable": 264,
			}
			for k, v := range want {
				if a[k] != v {
					t.Errorf("%s as at %s = %d, want %d", k, asAt, a[k], v)
				}
			}
			if b["cla"] != 622 {
				t.Errorf("cla as at %s = %d, want 622", asAt.AddMonths(-12), b["cla"])
			}
			for _, k := range []string{"uasc", "connected"} {
				if a[k] <= b[k] {
					t.Errorf("%s did not rise: %d as at %s, %d a year earlier", k, a[k], asAt, b[k])
				}
			}
			// Plausibility: the mix a year earlier is a council's too.
			if b["foster"]*100/b["cla"] < 65 || b["other"] != 0 {
				t.Errorf("the placement mix a year earlier looks wrong: %v", b)
			}
		})
	}
}

func TestEveryChildsHistoryHangsTogether(t *testing.T) {
	for _, tc := range planCases {
		t.Run(fmt.Sprintf("%s/seed%d", tc.asAt, tc.seed), func(t *testing.T) {
			plan := seed.Plan(clock.MustParseDate(tc.asAt), tc.seed)
			seen := map[string]bool{}
			for _, c := range plan.Children {
				if seen[c.LAChildID] || seen[c.Key] {
					t.Errorf("child %s: key or council id %s used twice", c.Key, c.LAChildID)
				}
				seen[c.LAChildID], seen[c.Key] = true, true
				if err := checkTimeline(plan, c); err != nil {
					t.Errorf("child %s (%s, born %s): %v", c.Key, c.Cohort, c.DOB, err)
				}
			}
		})
	}
}

// checkTimeline checks one child's steps against each other: the order of
// the writes, the periods and placements they make, and the code lists by
// date.
func checkTimeline(plan *seed.Scenario, c *seed.Child) error {
	if len(c.Steps) == 0 || c.Steps[0].Op != seed.OpRegister {
		return fmt.Errorf("the first write is not the registration")
	}
	var (
		inCare, placed, inTemp, record bool
		lastEnd, lastChange            clock.Date
		ls, place                      string
	)
	k3From, h5Last := clock.MustParseDate("2024-04-01"), clock.MustParseDate("2025-03-31")
	for i, s := range c.Steps {
		if i > 0 && s.Date.Before(c.Steps[i-1].Date) {
			return fmt.Errorf("step %d (%s %s) before step %d (%s)", i, s.Op, s.Date, i-1, c.Steps[i-1].Date)
		}
		if s.Date.After(plan.AsAt) || s.Date.Before(c.DOB) {
			return fmt.Errorf("step %d (%s) on %s: outside the child's life to the as-at date", i, s.Op, s.Date)
		}
		care := func() error {
			if !inCare {
				return fmt.Errorf("step %d (%s %s) while not looked after", i, s.Op, s.Date)
			}
			if !s.Date.After(lastChange) {
				return fmt.Errorf("step %d (%s %s) not after the last change (%s)", i, s.Op, s.Date, lastChange)
			}
			lastChange = s.Date
			return nil
		}
		switch s.Op {
		case seed.OpStartPeriod:
			if inCare || !lastEnd.IsZero() && !s.Date.After(lastEnd) {
				return fmt.Errorf("a period starts on %s while looked after or on the day the last ended", s.Date)
			}
			if clock.AgeOn(c.DOB, s.Date) >= 18 {
				return fmt.Errorf("care starts at 18 or over (%s)", s.Date)
			}
			inCare, ls, lastChange = true, s.LegalStatus, s.Date
		case seed.OpChangeLegalStatus:
			if err := care(); err != nil {
				return err
			}
			if s.LegalStatus == ls {
				return fmt.Errorf("legal status %s changes to itself on %s", ls, s.Date)
			}
			ls = s.LegalStatus
		case seed.OpStartPlacement, seed.OpChangePlacement:
			if s.Op == seed.OpStartPlacement {
				if !inCare || placed {
					return fmt.Errorf("a placement starts on %s with no period, or over another", s.Date)
				}
				lastChange = s.Date
			} else if err := care(); err != nil {
				return err
			} else if !placed || inTemp || s.ReasonForChange == "" {
				return fmt.Errorf("a change of placement on %s with no placement, from a temporary one, or with no reason", s.Date)
			}
			p := s.Placement
			switch {
			case p.Type == "K3" && s.Date.Before(k3From):
				return fmt.Errorf("K3 before 2024/25 (%s)", s.Date)
			case p.Type == "H5" && !s.Date.Before(k3From):
				return fmt.Errorf("a new H5 placement in 2024/25 or later (%s)", s.Date)
			case p.Type == "P2":
				return fmt.Errorf("P2 is not used")
			case (p.Type == "P1") != (p.Provider == "PR0"):
				return fmt.Errorf("P1 goes with PR0 and only with it (%s %s)", p.Type, p.Provider)
			case p.Type == "P1" && p.URN != "":
				return fmt.Errorf("a URN for a placement with parents")
			case p.Type == "P1" && ls == "V2":
				return fmt.Errorf("placed with parents under V2")
			case strings.HasPrefix(p.Type, "A") && (p.Type == "A5" || p.Type == "A6") && ls != "E1":
				return fmt.Errorf("%s without a placement order (LS %s)", p.Type, ls)
			case (p.Type == "H5" || p.Type == "K3") && clock.AgeOn(c.DOB, s.Date) < 16:
				return fmt.Errorf("%s under 16", p.Type)
			case p.LA == "":
				return fmt.Errorf("a placement with no local authority")
			}
			placed, place = true, p.Type
		case seed.OpStartTemporary:
			if err := care(); err != nil {
				return err
			}
			if !placed || inTemp {
				return fmt.Errorf("a temporary placement on %s with nothing to interrupt", s.Date)
			}
			inTemp = true
		case seed.OpEndTemporary:
			if err := care(); err != nil {
				return err
			}
			if !inTemp {
				return fmt.Errorf("end of a temporary placement that did not start")
			}
			inTemp = false
		case seed.OpEndPeriod:
			if err := care(); err != nil {
				return err
			}
			if inTemp {
				return fmt.Errorf("care ends in a temporary placement")
			}
			inCare, lastEnd, ls = false, s.Date, ""
			if s.ExpectCareLeaver {
				record = true
			}
		case seed.OpEndPlacement:
			if inCare || !placed || s.Date != lastEnd {
				return fmt.Errorf("a placement ends on %s not with the period", s.Date)
			}
			placed = false
		case seed.OpSetUASC:
			if !s.UASCCeased.IsZero() && s.UASCCeased.After(c.DOB.Birthday(18)) {
				return fmt.Errorf("UASC status ceases after the 18th birthday")
			}
		case seed.OpContact, seed.OpAllocateAdviser, seed.OpPathwayReview, seed.OpTakeUp, seed.OpCloseCareLeaver:
			if !record {
				return fmt.Errorf("%s on %s with no care-leaver record", s.Op, s.Date)
			}
			if s.Op == seed.OpCloseCareLeaver {
				record = false
			}
			if s.Op == seed.OpContact {
				ct := s.Contact
				age := clock.AgeOn(c.DOB, s.Date)
				switch {
				case ct.InTouch == "YES" && (ct.Activity == "0" || ct.Accommodation == "0"):
					return fmt.Errorf("rule 345: in touch with 0 codes on %s", s.Date)
				case (ct.InTouch == "DIED" || ct.InTouch == "RHOM") && (ct.Activity != "0" || ct.Accommodation != "0"):
					return fmt.Errorf("rule 344: %s with codes on %s", ct.InTouch, s.Date)
				case ct.Accommodation == "S1" || ct.Accommodation == "X1":
					return fmt.Errorf("rule 133: %s", ct.Accommodation)
				case age == 17 && strings.HasPrefix(ct.Accommodation, "Z"):
					return fmt.Errorf("rule 3001: %s at 17", ct.Accommodation)
				case age >= 25:
					return fmt.Errorf("a contact at 25")
				}
			}
		}
		// H5 is not a placement type after 2024/25: none may still be open.
		if place == "H5" && placed && s.Date.After(h5Last) {
			return fmt.Errorf("still in H5 on %s", s.Date)
		}
	}
	if place == "H5" && placed && plan.AsAt.After(h5Last) {
		return fmt.Errorf("still in H5 on the as-at date")
	}
	if inTemp {
		return fmt.Errorf("in a temporary placement on the as-at date")
	}
	return nil
}
