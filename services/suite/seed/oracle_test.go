package seed_test

import (
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/suite/seed"
)

// oracle is a test oracle: it counts a plan's figures from the plan's steps
// alone, with the indicator definitions (architecture "Indicator ids")
// written out again here, independently of the generator, of pkg/ssda903
// and of the services. Looked after on d: DECOM ≤ d < DEC. Counted: looked
// after under a legal status other than V3/V4. A care leaver counts while
// the record is open (opened when care ended eligible, until closed by hand
// or the 25th birthday); the latest contact on or before d decides in
// touch (YES; DIED and RHOM out of the base), EET (F1 P1 F2 P2 F4 P4 F5
// P5) and suitable accommodation (ACCOM ending in 1).
type oracle struct {
	t       *testing.T
	council string
	kids    []*oChild
}

type oStatus struct {
	ls   string
	from clock.Date
}

type oPeriod struct {
	start, end clock.Date
	statuses   []oStatus
}

type oPlacement struct {
	typ, la    string
	start, end clock.Date
	temp       bool
}

type oContact struct {
	d            clock.Date
	in, act, acc string
}

type oChild struct {
	key                  string
	dob                  clock.Date
	periods              []*oPeriod
	placements           []*oPlacement
	uascFrom, uascCeased clock.Date
	opened, closed       clock.Date
	contacts             []oContact
}

func newOracle(t *testing.T, plan *seed.Scenario) *oracle {
	t.Helper()
	o := &oracle{t: t, council: plan.CouncilLA}
	for _, c := range plan.Children {
		k := &oChild{key: c.Key, dob: c.DOB}
		current := func() *oPlacement {
			if n := len(k.placements); n > 0 && k.placements[n-1].end.IsZero() {
				return k.placements[n-1]
			}
			return nil
		}
		for _, s := range c.Steps {
			switch s.Op {
			case seed.OpStartPeriod:
				k.periods = append(k.periods, &oPeriod{start: s.Date, statuses: []oStatus{{s.LegalStatus, s.Date}}})
			case seed.OpChangeLegalStatus:
				p := k.periods[len(k.periods)-1]
				p.statuses = append(p.statuses, oStatus{s.LegalStatus, s.Date})
			case seed.OpEndPeriod:
				k.periods[len(k.periods)-1].end = s.Date
				if got := k.leavesEligible(s.Date, s.ReasonCeased); got != s.ExpectCareLeaver {
					t.Errorf("child %s leaves care on %s (%s): the oracle reads eligible=%v, the plan says %v",
						c.Key, s.Date, s.ReasonCeased, got, s.ExpectCareLeaver)
				}
				if s.ExpectCareLeaver {
					k.opened, k.closed = s.Date, clock.Date{}
				}
			case seed.OpStartPlacement, seed.OpChangePlacement:
				if cur := current(); cur != nil {
					cur.end = s.Date
				}
				k.placements = append(k.placements, &oPlacement{typ: s.Placement.Type, la: s.Placement.LA, start: s.Date})
			case seed.OpStartTemporary:
				current().end = s.Date
				k.placements = append(k.placements, &oPlacement{typ: s.TemporaryType, la: s.TemporaryLA, start: s.Date, temp: true})
			case seed.OpEndTemporary:
				current().end = s.Date
				var back *oPlacement
				for i := len(k.placements) - 1; i >= 0 && back == nil; i-- {
					if !k.placements[i].temp {
						back = k.placements[i]
					}
				}
				k.placements = append(k.placements, &oPlacement{typ: back.typ, la: back.la, start: s.Date})
			case seed.OpEndPlacement:
				current().end = s.Date
			case seed.OpSetUASC:
				if k.uascFrom.IsZero() {
					k.uascFrom = s.Date
				}
				k.uascCeased = s.UASCCeased
			case seed.OpContact:
				k.contacts = append(k.contacts, oContact{s.Date, s.Contact.InTouch, s.Contact.Activity, s.Contact.Accommodation})
			case seed.OpCloseCareLeaver:
				k.closed = s.Date
			}
		}
		o.kids = append(o.kids, k)
	}
	return o
}

// lookedAfter returns the legal status on d and whether the child is looked
// after on d.
func (k *oChild) lookedAfter(d clock.Date) (string, bool) {
	for _, p := range k.periods {
		if !p.start.After(d) && (p.end.IsZero() || d.Before(p.end)) {
			ls := ""
			for _, s := range p.statuses {
				if !s.from.After(d) {
					ls = s.ls
				}
			}
			return ls, true
		}
	}
	return "", false
}

func (k *oChild) counted(d clock.Date) bool {
	ls, ok := k.lookedAfter(d)
	return ok && ls != "V3" && ls != "V4"
}

// leavesEligible is the oracle's own reading of "leaves care as a care
// leaver" (Sch 2 para 19B; s23A; s23C): aged 16 to 24 on leaving, care not
// ended by death, another council or an age assessment, and at some day
// from the 16th birthday (before 18) looked after, other than on short
// breaks, with 13 weeks (91 days) of such days counted from the 14th
// birthday.
func (k *oChild) leavesEligible(dec clock.Date, rec string) bool {
	if rec == "E2" || rec == "E3" || rec == "E15" {
		return false
	}
	if age := clock.AgeOn(k.dob, dec); age < 16 || age >= 25 {
		return false
	}
	at16, at18 := k.dob.Birthday(16), k.dob.Birthday(18)
	days := 0
	for d := k.dob.Birthday(14); d.Before(dec) && d.Before(at18); d = d.AddDays(1) {
		if k.counted(d) {
			days++
			if days >= 91 && !d.Before(at16) {
				return true
			}
		}
	}
	return false
}

// placementOn is the placement that counts on d: a temporary one counts
// as the placement it interrupted.
func (k *oChild) placementOn(d clock.Date) *oPlacement {
	for i, p := range k.placements {
		if !p.start.After(d) && (p.end.IsZero() || d.Before(p.end)) {
			for p.temp && i > 0 {
				i--
				p = k.placements[i]
			}
			return p
		}
	}
	return nil
}

func group(place string) string {
	switch place {
	case "U1", "U2", "U3", "U4", "U5", "U6":
		return "foster"
	case "K3", "H5", "P2":
		return "supported_accommodation"
	case "K1", "K2":
		return "childrens_homes"
	case "P1":
		return "with_parents"
	case "A3", "A4", "A5", "A6":
		return "for_adoption"
	}
	return "other"
}

// figuresOn counts every figure as at d.
func (o *oracle) figuresOn(d clock.Date) map[string]int {
	f := map[string]int{}
	for _, k := range o.kids {
		if k.counted(d) {
			f["cla"]++
			if p := k.placementOn(d); p != nil {
				f[group(p.typ)]++
				if p.la == o.council {
					f["inside"]++
				}
				if p.typ == "U1" || p.typ == "U2" || p.typ == "U3" {
					f["connected"]++
				}
			}
			if !k.uascFrom.IsZero() && !k.uascFrom.After(d) && (k.uascCeased.IsZero() || d.Before(k.uascCeased)) {
				f["uasc"]++
			}
		}
		if k.opened.IsZero() || k.opened.After(d) || !k.closed.IsZero() && !d.Before(k.closed) || !d.Before(k.dob.Birthday(25)) {
			continue
		}
		f["care_leavers"]++
		band := ageBand(clock.AgeOn(k.dob, d))
		if band != "" {
			f["care_leavers/"+band]++
		}
		var last *oContact
		for i := range k.contacts {
			if !k.contacts[i].d.After(d) {
				last = &k.contacts[i]
			}
		}
		if last == nil {
			f["in_touch_base"]++
			continue
		}
		switch last.in {
		case "DIED", "RHOM":
			continue
		case "YES":
			f["in_touch"]++
			if band != "" {
				f["in_touch/"+band]++
			}
			switch last.act {
			case "F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5":
				f["eet"]++
			}
			if strings.HasSuffix(last.acc, "1") && last.acc != "S1" && last.acc != "X1" {
				f["suitable"]++
			}
		}
		f["in_touch_base"]++
	}
	return f
}

// ageBand is the care-leaver age band of an age: 17–18, 19–21, 22–25 ("" at
// 16: a relevant child of 16 counts only in "all").
func ageBand(age int) string {
	switch {
	case age >= 17 && age <= 18:
		return "17_18"
	case age >= 19 && age <= 21:
		return "19_21"
	case age >= 22 && age <= 25:
		return "22_25"
	}
	return ""
}
