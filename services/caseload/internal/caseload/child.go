// Package caseload is the caseload service's domain: children, their periods
// of care and legal-status timelines, UASC status and worker allocations,
// and what follows from them (status today, legal category as at a date,
// the derived 903 episodes, age milestones).
//
// It holds no DfE rule and no code list of its own: the 903 rules, the
// episode merge and the legal category are pure functions in pkg/ssda903,
// and the code lists are in pkg/codes. This package builds the child's care
// timeline, asks pkg/ssda903 about it, and decides what a write changes.
//
// It imports neither gRPC, protobuf nor bbolt: writes go through the Tx
// interface (implemented by internal/store), reads take a *Child.
package caseload

import (
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Child is a child the council is or was responsible for, with the whole of
// their care history. A *Child handed out by a read (the store's cache) is
// shared and must not be modified; a write works on the copy its Tx gives it.
type Child struct {
	ID         string // pseudonymous id issued by caseload (UUIDv7)
	LAChildID  string // the council's own id (903 CHILD)
	GivenName  string
	FamilyName string
	DOB        clock.Date
	Sex        string // 903 SEX
	Ethnicity  string // 903 ETHNIC
	UPN        string // optional
	UASC       UASC

	// Periods of care, oldest first. Only the last may be open.
	Periods []Period
	// Corrections made to the care history, oldest first.
	Corrections []Correction
	// Allocations to a worker and team, oldest first; the last is current.
	Allocations []Allocation
	// Placements is caseload's copy of the child's placements, fed by the
	// placement service's events (see ApplyPlacement), in start order.
	Placements []Placement

	Created time.Time
	Updated time.Time
	// Revision counts the writes to this child (1 after registration). The
	// store uses it to keep its cache in step with the file.
	Revision uint64

	// sealed holds the care timeline of a child that will not change again
	// (see Seal), so reads do not rebuild it; sealedPlacements likewise the
	// placement timeline.
	sealed           *ssda903.CareTimeline
	sealedPlacements ssda903.PlacementTimeline
}

// Seal marks the child as read-only from now on (the store seals a record
// before sharing it with readers) and keeps its care timeline ready for
// pkg/ssda903, so a legal category costs one pure function call, and its
// placement timeline for the episode merge.
func (c *Child) Seal() {
	t := c.buildTimeline()
	c.sealedPlacements = c.buildPlacements()
	c.sealed = &t
}

// UASC is unaccompanied asylum-seeking child status (903 UASC table).
type UASC struct {
	IsUASC bool
	// Ceased is the date UASC status ceased (903 DUC); zero while it lasts.
	Ceased clock.Date
}

// Period is one period of care: a run of 903 episodes from an RNE S to an
// E-code REC.
type Period struct {
	ID             string
	Start          clock.Date // DECOM of the first episode
	End            clock.Date // DEC of the last episode; zero while open
	ReasonCeased   string     // REC E-code; "" while open
	CategoryOfNeed string     // CIN, the same for the whole period (504)
	// Spells of legal status in start-date order, struck-out ones included
	// (Corrected), so the history of what was recorded is never lost.
	Spells []Spell
}

// Open reports whether the period has not ended.
func (p *Period) Open() bool { return p.End.IsZero() }

// Spell is one legal status held from a date within a period.
type Spell struct {
	ID          string
	LegalStatus string // 903 LS
	Start       clock.Date
	// Corrected: struck out by CorrectCareRecord; kept for audit, ignored
	// by every rule, episode and legal category.
	Corrected bool
}

// LiveSpells returns the period's spells that were not struck out, in order.
func (p *Period) LiveSpells() []Spell {
	out := make([]Spell, 0, len(p.Spells))
	for _, s := range p.Spells {
		if !s.Corrected {
			out = append(out, s)
		}
	}
	return out
}

// SpellEnd is when spell i of the period ended: the next live spell's start,
// else the period's end (zero while open). A struck-out spell ends where
// the live spell after it starts.
func (p *Period) SpellEnd(i int) clock.Date {
	for j := i + 1; j < len(p.Spells); j++ {
		if !p.Spells[j].Corrected {
			return p.Spells[j].Start
		}
	}
	return p.End
}

// LegalStatusOn is the legal status held on d within the period ("" if the
// period does not cover d).
func (p *Period) LegalStatusOn(d clock.Date) string {
	if d.Before(p.Start) || (!p.End.IsZero() && !d.Before(p.End)) {
		return ""
	}
	ls := ""
	for _, s := range p.Spells {
		if s.Corrected || s.Start.After(d) {
			continue
		}
		ls = s.LegalStatus
	}
	return ls
}

// CurrentLegalStatus is the legal status of the period's last live spell.
func (p *Period) CurrentLegalStatus() string {
	for i := len(p.Spells) - 1; i >= 0; i-- {
		if !p.Spells[i].Corrected {
			return p.Spells[i].LegalStatus
		}
	}
	return ""
}

// Correction records one correction to the care history.
type Correction struct {
	Kind     CorrectionKind
	TargetID string // spell or period id
	PeriodID string
	Reason   string
	At       time.Time
	// What the correction undid, for audit: the struck spell's legal status
	// and start, or the reopened period's end and REC.
	PriorLegalStatus  string
	PriorDate         clock.Date
	PriorReasonCeased string
}

// CorrectionKind names a kind of correction as the contract spells it.
type CorrectionKind string

// The corrections CorrectCareRecord makes.
const (
	StrikeLegalStatusSpell CorrectionKind = "strike_legal_status_spell"
	ReopenPeriod           CorrectionKind = "reopen_period"
)

// Allocation is a child's allocation to a social worker and team.
type Allocation struct {
	WorkerID string
	TeamID   string
	Start    clock.Date
	End      clock.Date // zero while current
}

// CurrentAllocation is the child's current allocation, if any.
func (c *Child) CurrentAllocation() (Allocation, bool) {
	if n := len(c.Allocations); n > 0 && c.Allocations[n-1].End.IsZero() {
		return c.Allocations[n-1], true
	}
	return Allocation{}, false
}

// LastPeriod is the child's latest period of care, or nil.
func (c *Child) LastPeriod() *Period {
	if len(c.Periods) == 0 {
		return nil
	}
	return &c.Periods[len(c.Periods)-1]
}

// PeriodOn is the period covering d (DECOM ≤ d < DEC), or nil: "looked
// after on d" (architecture "Ids, dates and time").
func (c *Child) PeriodOn(d clock.Date) *Period {
	for i := len(c.Periods) - 1; i >= 0; i-- {
		p := &c.Periods[i]
		if !d.Before(p.Start) && (p.End.IsZero() || d.Before(p.End)) {
			return p
		}
	}
	return nil
}

// PeriodByID finds a period by id.
func (c *Child) PeriodByID(id string) (int, *Period) {
	for i := range c.Periods {
		if c.Periods[i].ID == id {
			return i, &c.Periods[i]
		}
	}
	return -1, nil
}

// IsUASCOn reports whether the child is UASC on d: flagged, and d before the
// date the status ceased.
func (c *Child) IsUASCOn(d clock.Date) bool {
	return c.UASC.IsUASC && (c.UASC.Ceased.IsZero() || d.Before(c.UASC.Ceased))
}

// MonthOfBirth is "YYYY-MM", the precision events carry.
func (c *Child) MonthOfBirth() string { return clock.MonthOfBirth(c.DOB) }

// Clone returns a deep copy, for a write to change.
func (c *Child) Clone() *Child {
	n := *c
	n.Periods = make([]Period, len(c.Periods))
	for i, p := range c.Periods {
		p.Spells = append([]Spell(nil), p.Spells...)
		n.Periods[i] = p
	}
	n.Corrections = append([]Correction(nil), c.Corrections...)
	n.Allocations = append([]Allocation(nil), c.Allocations...)
	n.Placements = append([]Placement(nil), c.Placements...)
	n.sealed, n.sealedPlacements = nil, nil // the copy is for changing
	return &n
}
