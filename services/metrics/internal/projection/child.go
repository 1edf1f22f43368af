package projection

import "github.com/corporate-parenting/suite/pkg/codes"

// Child is what the metrics service keeps about one pseudonymous child (or
// young person): one timeline per kind of change, and nothing else. No
// names, dates of birth or addresses ever reach it.
type Child struct {
	ID           string
	MonthOfBirth string

	care       timeline[Care]
	uasc       timeline[bool]
	placement  timeline[Placement]
	careLeaver timeline[CareLeaver]
	ageBand    timeline[string]
	contact    timeline[Contact]
}

// add merges one point into the child's timelines.
func (c *Child) add(p Point) {
	k := key{day: DayOf(p.Date), rank: p.Rank, arrival: p.Arrival}
	switch p.Kind {
	case KindCare:
		c.care.insert(k, p.Care)
	case KindUASC:
		c.uasc.insert(k, p.UASC)
	case KindPlacement:
		c.placement.insert(k, p.Placement)
	case KindCareLeaver:
		c.careLeaver.insert(k, p.CareLeaver)
	case KindAgeBand:
		c.ageBand.insert(k, p.AgeBand)
	case KindContact:
		c.contact.insert(k, p.Contact)
	case KindMonthOfBirth:
		c.MonthOfBirth = p.MonthOfBirth
	}
}

// AgeBandOn returns the care-leaver age band in force on d ("" if none).
func (c *Child) AgeBandOn(d Day) string {
	b, _ := c.ageBand.at(d)
	return b
}

// Points returns how many change points the child holds.
func (c *Child) Points() int {
	return len(c.care) + len(c.uasc) + len(c.placement) + len(c.careLeaver) + len(c.ageBand) + len(c.contact)
}

// FactsOn resolves the child's timelines to the facts the indicators need
// as at d.
func (c *Child) FactsOn(d Day) Facts {
	var f Facts
	if care, ok := c.care.at(d); ok && care.LookedAfter && !codes.IsShortBreak(care.LegalStatus) {
		f.Counted = true
		f.UASC, _ = c.uasc.at(d)
		f.Placement = c.placementOn(d)
	}
	if cl, ok := c.careLeaver.at(d); ok && cl.Open {
		f.CareLeaver = true
		f.AgeBand, _ = c.ageBand.at(d)
		f.Contact, _ = c.contact.at(d)
	}
	return f
}

// placementOn returns the placement that counts on d. A temporary
// placement (T0–T4) interrupts the placement before it and the child goes
// back to it (903 rule 383), so the child keeps counting in the interrupted
// placement: its group, location and distance.
func (c *Child) placementOn(d Day) Placement {
	i := c.placement.index(d)
	for i >= 0 && c.placement[i].v.Temporary {
		i--
	}
	if i < 0 || !c.placement[i].v.Present {
		return Placement{}
	}
	return c.placement[i].v
}
