package caseload

import (
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// LeavingCareStatus is the leaving-care status of pkg/ssda903.
type LeavingCareStatus = ssda903.LeavingCareStatus

// The leaving-care statuses.
const (
	LeavingCareNone = ssda903.LeavingCareNone
	Eligible        = ssda903.LeavingCareEligible
	Relevant        = ssda903.LeavingCareRelevant
	FormerRelevant  = ssda903.LeavingCareFormerRelevant
)

// Category is a child's legal category on one date (pkg/ssda903).
type Category = ssda903.Category

// Timeline is the child's care timeline as pkg/ssda903 reads it: struck-out
// spells left out. The result shares memory with a sealed child's: callers
// must not modify it.
func (c *Child) Timeline() ssda903.CareTimeline {
	if c.sealed != nil {
		return *c.sealed
	}
	return c.buildTimeline()
}

func (c *Child) buildTimeline() ssda903.CareTimeline {
	t := ssda903.CareTimeline{DOB: c.DOB, UASC: c.UASC.IsUASC, UASCCeased: c.UASC.Ceased}
	if len(c.Periods) == 0 {
		return t
	}
	t.Periods = make([]ssda903.Period, len(c.Periods))
	n := 0
	for _, p := range c.Periods {
		n += len(p.Spells)
	}
	spells := make([]ssda903.StatusSpell, 0, n) // one allocation for every period's spells
	for i := range c.Periods {
		p := &c.Periods[i]
		from := len(spells)
		for _, s := range p.Spells {
			if !s.Corrected {
				spells = append(spells, ssda903.StatusSpell{ID: s.ID, LS: s.LegalStatus, Start: s.Start})
			}
		}
		t.Periods[i] = ssda903.Period{ID: p.ID, Start: p.Start, End: p.End, ReasonCeased: p.ReasonCeased,
			CIN: p.CategoryOfNeed, Statuses: spells[from:len(spells):len(spells)]}
	}
	return t
}

// LegalCategoryOn is the child's legal category on d: looked after (and
// counted, i.e. not on a V3/V4 short break), the legal status, and the
// leaving-care status (eligible, relevant, former relevant).
func LegalCategoryOn(c *Child, d clock.Date) Category {
	return ssda903.LegalCategory(c.Timeline(), d)
}

// Episodes are the child's 903 episodes: the merge of the care timeline with
// caseload's copy of the placement timeline (pkg/ssda903.Merge). Days with
// no placement known have an empty PLACE.
func Episodes(c *Child) []ssda903.Episode {
	return ssda903.Merge(c.Timeline(), c.PlacementTimeline())
}

// Status is where the child stands on today.
type Status int

// The statuses, as the contract's ChildStatus.
const (
	StatusUnspecified Status = iota
	StatusNotLookedAfter
	StatusLookedAfter
	StatusCareLeaver
	StatusClosed
)

// StatusOn says where the child stands on d: looked after; a care leaver
// (relevant or former relevant); closed (was looked after, is neither); or
// not looked after (never has been).
func StatusOn(c *Child, d clock.Date) Status {
	if len(c.Periods) == 0 {
		return StatusNotLookedAfter
	}
	cat := LegalCategoryOn(c, d)
	switch {
	case cat.LookedAfter:
		return StatusLookedAfter
	case cat.LeavingCare == Relevant || cat.LeavingCare == FormerRelevant:
		return StatusCareLeaver
	case c.Periods[0].Start.After(d):
		return StatusNotLookedAfter
	}
	return StatusClosed
}
