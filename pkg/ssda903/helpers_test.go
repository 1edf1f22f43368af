package ssda903

import (
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// Fixed dates: tests never read the real clock.
var now = d("2026-03-31")

const council = "E08000035" // the council's own ONS code in these tests

func d(s string) clock.Date {
	if s == "" {
		return clock.Date{}
	}
	return clock.MustParseDate(s)
}

func miles(x float64) *float64 { return &x }

// child builds a care timeline.
func child(dob string, periods ...Period) CareTimeline {
	return CareTimeline{DOB: d(dob), Periods: periods}
}

// per builds a period of care. Each status is "LS" (from the period's
// start) or "LS@YYYY-MM-DD".
func per(start, end, rec string, statuses ...string) Period {
	p := Period{ID: "p" + start, Start: d(start), End: d(end), ReasonCeased: rec, CIN: "N1"}
	for _, s := range statuses {
		ls, from, ok := strings.Cut(s, "@")
		if !ok {
			from = start
		}
		p.Statuses = append(p.Statuses, StatusSpell{ID: "s" + from, LS: ls, Start: d(from)})
	}
	return p
}

type plOpt func(*PlacementSpell)

func carer(id string) plOpt   { return func(s *PlacementSpell) { s.CarerID = id } }
func provider(p string) plOpt { return func(s *PlacementSpell) { s.Provider = p } }
func urn(u string) plOpt      { return func(s *PlacementSpell) { s.URN = u } }
func reason(r string) plOpt   { return func(s *PlacementSpell) { s.ReasonChange = r } }
func dist(x float64) plOpt    { return func(s *PlacementSpell) { s.Distance = miles(x) } }
func atHome() plOpt           { return func(s *PlacementSpell) { s.Distance, s.SameAddress = miles(0), true } }
func locatedIn(la string) plOpt {
	return func(s *PlacementSpell) { s.PlacementLA, s.Location = la, Location(la, council) }
}

// pls builds a placement that passes the code-list rules by default: a
// provider where one is required (PR0 for P1, else PR4), a URN where one is
// required, inside the council.
func pls(place, start, end string, opts ...plOpt) PlacementSpell {
	y := yearOf(d(start))
	s := PlacementSpell{
		ID: "pl-" + place + "-" + start, Place: place, Start: d(start), End: d(end),
		CarerID: "carer-" + place + "-" + start, PlacementLA: council, Location: "IN",
	}
	if codes.ProviderRequired(place, y) {
		s.Provider = "PR4"
		if place == "P1" {
			s.Provider = "PR0"
		}
	}
	if !codes.URNExempt(place, y) {
		s.URN = "SC000001"
	}
	for _, o := range opts {
		o(&s)
	}
	return s
}

// ruleCase is one row of a rule table: want "" means no violation at all;
// otherwise a violation of rule want (on field, when given) must be among
// those returned.
type ruleCase struct {
	name  string
	got   []errs.Violation
	want  string
	field string
}

func runCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want == "" {
				if len(c.got) != 0 {
					t.Fatalf("want no violations, got %v", c.got)
				}
				return
			}
			for _, v := range c.got {
				if v.Rule == c.want && (c.field == "" || v.Field == c.field) {
					if v.Message == "" {
						t.Errorf("violation %v has no message", v)
					}
					return
				}
			}
			t.Fatalf("want a %s violation (field %q), got %v", c.want, c.field, c.got)
		})
	}
}

func TestLocation(t *testing.T) {
	for _, c := range []struct{ la, want string }{
		{council, "IN"}, {"E09000001", "OUT"}, {"WAL", "OUT"}, {"SCO", "OUT"}, {"NIR", "OUT"},
		{"NUK", "OUT"}, {"CON", ""}, {"", ""},
	} {
		if got := Location(c.la, council); got != c.want {
			t.Errorf("Location(%q) = %q, want %q", c.la, got, c.want)
		}
	}
	if got := Location(council, ""); got != "" {
		t.Errorf("Location with no council code = %q, want empty", got)
	}
}

func TestErr(t *testing.T) {
	if Err(nil) != nil {
		t.Fatal("Err(nil) != nil")
	}
	inv := Err([]errs.Violation{{Field: "legal_status", Rule: "903:144", Message: "x"}})
	if errs.KindOf(inv) != errs.KindInvalid {
		t.Errorf("a code-list violation is %v, want invalid", errs.KindOf(inv))
	}
	con := Err([]errs.Violation{
		{Field: "legal_status", Rule: "903:144", Message: "x"},
		{Field: "start_date", Rule: "903:501", Message: "y"},
	})
	if errs.KindOf(con) != errs.KindFailedPrecondition {
		t.Errorf("an overlap is %v, want failed precondition", errs.KindOf(con))
	}
	if n := len(errs.ViolationsOf(con)); n != 2 {
		t.Errorf("the error carries %d violations, want 2", n)
	}
}
