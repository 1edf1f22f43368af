package ssda903

import (
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// CareTimeline is one child's care as the caseload service holds it: date of
// birth, UASC status and the periods of care with their legal statuses.
type CareTimeline struct {
	DOB clock.Date
	// UASC is true while the child is, or was, an unaccompanied
	// asylum-seeking child; UASCCeased is the 903 DUC (zero while it
	// continues).
	UASC       bool
	UASCCeased clock.Date
	// Periods of care, oldest first, not overlapping. Only the latest may be
	// open (rule 142).
	Periods []Period
}

// Period is one continuous period of being looked after: 903 DECOM of its
// first episode (RNE S) to DEC of its last.
type Period struct {
	ID           string
	Start        clock.Date
	End          clock.Date // zero while open
	ReasonCeased string     // 903 REC of the last episode, an E-code; "" while open
	CIN          string     // 903 CIN; does not change within a period (504)
	// Statuses are the legal statuses held, oldest first. The first starts on
	// Start; each lasts until the next starts or the period ends.
	Statuses []StatusSpell
}

// StatusSpell is one legal status held from a date.
type StatusSpell struct {
	ID    string
	LS    string
	Start clock.Date
}

// PlacementTimeline is one child's placements, oldest first, not
// overlapping. A temporary placement (T0–T4) is a spell of its own: the
// placement it interrupts ends on the day it starts, and the child's return
// is a new spell with the interrupted placement's details (rule 383).
type PlacementTimeline []PlacementSpell

// PlacementSpell is one placement as the placement service holds it.
type PlacementSpell struct {
	ID          string
	Place       string // 903 PLACE
	Provider    string // 903 PLACE_PROVIDER; blank for T0–T4 (213) and Z11–Z14 from 2025/26
	URN         string // Ofsted URN; "XXXXXXX" when not known (222)
	CarerID     string // the council's carer/provider reference: decides RNE P vs T, B vs U
	PlacementLA string // 903 PL_LA: ONS code, or CON/NIR/SCO/WAL/NUK
	Location    string // 903 PL_LOCATION, "IN", "OUT" or "": see [Location]
	// ReasonChange is the 903 REASON_PLACE_CHANGE: why this placement ended
	// when the child moved on (rules 225/226/1009).
	ReasonChange string
	Start        clock.Date
	End          clock.Date // zero while open
	Distance     *float64   // 903 PL_DISTANCE in miles, nil when not known
	// SameAddress: the home and placement locations are the same point
	// (the suite holds OS grid references, not the postcodes 392d compares).
	SameAddress bool
}

// Temporary reports a temporary placement, T0–T4.
func (s PlacementSpell) Temporary() bool { return codes.IsTemporary(s.Place) }

// open reports that the spell has no end.
func (s PlacementSpell) open() bool { return s.End.IsZero() }

// covers reports that the placement is in force on d: Start ≤ d and (End
// zero or End > d), the same reading as "looked after on d".
func (s PlacementSpell) covers(d clock.Date) bool {
	return !s.Start.After(d) && (s.End.IsZero() || s.End.After(d))
}

// Location derives PL_LOCATION from the local authority of the placement
// address (PL_LA) and the council's own code. It is the one derivation in
// the suite (rule 411: PL_LOCATION must agree with PL_LA):
//
//	PL_LA empty or CON (confidential)  → "" (not known)
//	PL_LA equal to the council's code  → "IN"
//	anything else (incl. SCO WAL NIR NUK) → "OUT"
func Location(placementLA, councilLA string) string {
	switch {
	case placementLA == "" || placementLA == "CON" || councilLA == "":
		return ""
	case placementLA == councilLA:
		return "IN"
	}
	return "OUT"
}

// lookedAfterOn reports Start ≤ d and (End zero or End > d).
func (p *Period) lookedAfterOn(d clock.Date) bool {
	return !p.Start.After(d) && (p.End.IsZero() || p.End.After(d))
}

// statusOn returns the index of the legal status spell in force on d
// (the latest starting on or before d), or -1.
func (p *Period) statusOn(d clock.Date) int {
	idx := -1
	for i := range p.Statuses {
		if !p.Statuses[i].Start.After(d) {
			idx = i
		} else {
			break
		}
	}
	return idx
}

// spellEnd is the date spell i of p ends: the next spell's start, or the
// period's end (zero while open).
func (p *Period) spellEnd(i int) clock.Date {
	if i+1 < len(p.Statuses) {
		return p.Statuses[i+1].Start
	}
	return p.End
}

// lastStatus returns the latest legal status spell, or nil.
func (p *Period) lastStatus() *StatusSpell {
	if len(p.Statuses) == 0 {
		return nil
	}
	return &p.Statuses[len(p.Statuses)-1]
}

// openPeriod returns the index of the open period, or -1.
func (c *CareTimeline) openPeriod() int {
	for i := len(c.Periods) - 1; i >= 0; i-- {
		if c.Periods[i].End.IsZero() {
			return i
		}
	}
	return -1
}

// periodOn returns the index of the period in which the child is looked
// after on d, or -1.
func (c *CareTimeline) periodOn(d clock.Date) int {
	for i := len(c.Periods) - 1; i >= 0; i-- {
		if c.Periods[i].lookedAfterOn(d) {
			return i
		}
	}
	return -1
}

// latestStartedBy returns the index of the latest period that started on or
// before d, or -1.
func (c *CareTimeline) latestStartedBy(d clock.Date) int {
	idx := -1
	for i := range c.Periods {
		p := &c.Periods[i]
		if !p.Start.After(d) && (idx < 0 || p.Start.After(c.Periods[idx].Start)) {
			idx = i
		}
	}
	return idx
}

// LegalStatusOn returns the legal status on d and whether the child is
// looked after on d.
func (c CareTimeline) LegalStatusOn(d clock.Date) (string, bool) {
	i := c.periodOn(d)
	if i < 0 {
		return "", false
	}
	p := &c.Periods[i]
	if s := p.statusOn(d); s >= 0 {
		return p.Statuses[s].LS, true
	}
	return "", true
}

// FinalReasonCeased is the REC of the child's latest period of care ("" when
// it is open or there is none): rules 1000 and 1011 read it.
func (c CareTimeline) FinalReasonCeased() string {
	if n := len(c.Periods); n > 0 {
		return c.Periods[n-1].ReasonCeased
	}
	return ""
}

// Current returns the index of the open placement (the latest with no end),
// or -1.
func (pl PlacementTimeline) Current() int {
	for i := len(pl) - 1; i >= 0; i-- {
		if pl[i].open() {
			return i
		}
	}
	return -1
}

// Interrupted returns the index of the placement that the temporary
// placement pl[i] interrupted: walking back over temporary placements that
// follow one another without a gap, the first ordinary placement that ended
// on the day the chain began. It returns -1 when pl[i] is not temporary or
// interrupted nothing (which rule 380 forbids).
func (pl PlacementTimeline) Interrupted(i int) int {
	if i < 0 || i >= len(pl) || !pl[i].Temporary() {
		return -1
	}
	for j := i - 1; j >= 0; j-- {
		if pl[j].End != pl[j+1].Start {
			return -1
		}
		if !pl[j].Temporary() {
			return j
		}
	}
	return -1
}

// Resume builds the placement the child returns to when the current
// temporary placement ends on d (rule 383: the same placement as before the
// temporary move): a copy of the interrupted placement's details starting on
// d, with no id, end or reason for change. ok is false when the current
// placement is not temporary or interrupted nothing.
func (pl PlacementTimeline) Resume(d clock.Date) (PlacementSpell, bool) {
	cur := pl.Current()
	j := pl.Interrupted(cur)
	if j < 0 {
		return PlacementSpell{}, false
	}
	r := pl[j]
	r.ID, r.ReasonChange = "", ""
	r.Start, r.End = d, clock.Date{}
	return r, true
}

// periodsInOrder returns ps itself when it is in start order (the
// documented input, and no allocation), else a sorted copy.
func periodsInOrder(ps []Period) []Period {
	for i := 1; i < len(ps); i++ {
		if ps[i].Start.Before(ps[i-1].Start) {
			ps = slices.Clone(ps)
			slices.SortStableFunc(ps, func(a, b Period) int { return a.Start.Compare(b.Start) })
			return ps
		}
	}
	return ps
}

// placementsInOrder is periodsInOrder for placements.
func placementsInOrder(pl PlacementTimeline) PlacementTimeline {
	for i := 1; i < len(pl); i++ {
		if pl[i].Start.Before(pl[i-1].Start) {
			pl = slices.Clone(pl)
			slices.SortStableFunc(pl, func(a, b PlacementSpell) int { return a.Start.Compare(b.Start) })
			return pl
		}
	}
	return pl
}

// yearOf is the 903 collection year of a date.
func yearOf(d clock.Date) codes.CollectionYear { return codes.YearOfDate(d.Y, d.M, d.D) }

func maxDate(a, b clock.Date) clock.Date {
	if a.After(b) {
		return a
	}
	return b
}
