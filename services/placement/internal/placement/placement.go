// Package placement is the placement service's domain: a child's placement
// timeline and the five writes that change it (start, change, end, start and
// end of a temporary placement). Every write is checked with the 903 rules of
// pkg/ssda903 against the child's care timeline, which the caller fetched
// from the caseload service for this write, and emits one event.
//
// The package knows neither gRPC nor bbolt: it reads and writes through a Tx
// that the store implements over one bbolt transaction.
package placement

import (
	"context"
	"slices"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Placement is one placement of a child as the service records it.
type Placement struct {
	ID          string
	Place       string // 903 PLACE
	Provider    string // 903 PLACE_PROVIDER; blank for T0–T4 (and Z11–Z14 from 2025/26)
	URN         string // 903 URN; "XXXXXXX" when not known
	CarerID     string // the council's carer or provider reference (RNE P versus T)
	PlacementLA string // 903 PL_LA
	// Location is 903 PL_LOCATION ("IN", "OUT", "" not known), derived from
	// PlacementLA by ssda903.Location when the placement was recorded.
	Location string
	// Distance is 903 PL_DISTANCE in miles (codes.DistanceMiles), nil when
	// not known. The grid references it came from are not kept.
	Distance *float64
	// SameAddress records that the home and placement grid references were
	// the same point (903 rule 392d: only P1 may be at the home address).
	SameAddress bool
	Start       clock.Date
	End         clock.Date // zero while it continues
	// ReasonChange is 903 REASON_PLACE_CHANGE: why this placement ended when
	// the child moved on.
	ReasonChange string
	// InterruptedID is, for a temporary placement, the placement it
	// interrupted (rule 383: the child returns to it).
	InterruptedID string
	Created       time.Time
}

// Temporary reports a temporary placement, T0–T4.
func (p Placement) Temporary() bool { return codes.IsTemporary(p.Place) }

// Group is the placement group the Board's figures use (codes.GroupOf).
func (p Placement) Group() codes.PlacementGroup { return codes.GroupOf(p.Place) }

// DistanceBand is codes.DistanceBand of the distance: "20_or_less",
// "over_20" or "not_known".
func (p Placement) DistanceBand() string {
	if p.Distance == nil {
		return codes.DistanceBand(0, false)
	}
	return codes.DistanceBand(*p.Distance, true)
}

// Covers reports that the placement is in force on d: Start ≤ d and (no End
// or End > d), the reading of "looked after on d".
func (p Placement) Covers(d clock.Date) bool {
	return !p.Start.After(d) && (p.End.IsZero() || p.End.After(d))
}

func (p Placement) spell() ssda903.PlacementSpell {
	return ssda903.PlacementSpell{
		ID: p.ID, Place: p.Place, Provider: p.Provider, URN: p.URN, CarerID: p.CarerID,
		PlacementLA: p.PlacementLA, Location: p.Location, ReasonChange: p.ReasonChange,
		Start: p.Start, End: p.End, Distance: p.Distance, SameAddress: p.SameAddress,
	}
}

// Child is one child's placements, oldest first, not overlapping.
type Child struct {
	ID         string
	Placements []Placement
}

// On returns the placement in force on d.
func (c *Child) On(d clock.Date) (Placement, bool) {
	for i := len(c.Placements) - 1; i >= 0; i-- {
		if c.Placements[i].Covers(d) {
			return c.Placements[i], true
		}
	}
	return Placement{}, false
}

// current returns the index of the open placement, or -1.
func (c *Child) current() int {
	for i := len(c.Placements) - 1; i >= 0; i-- {
		if c.Placements[i].End.IsZero() {
			return i
		}
	}
	return -1
}

// Timeline is the child's placements as pkg/ssda903 takes them.
func (c *Child) Timeline() ssda903.PlacementTimeline {
	t := make(ssda903.PlacementTimeline, len(c.Placements))
	for i := range c.Placements {
		t[i] = c.Placements[i].spell()
	}
	return t
}

// clone returns a deep enough copy to change without touching c.
func (c *Child) clone() *Child {
	return &Child{ID: c.ID, Placements: slices.Clone(c.Placements)}
}

// GridReference is an Ordnance Survey national grid reference in metres.
type GridReference struct{ Easting, Northing float64 }

// Details are what a caller gives for a new placement.
type Details struct {
	Place, Provider, URN, CarerID, PlacementLA string
	// Home and Grid, when both are given, give the distance from home. They
	// are used for that alone and never stored or published.
	Home, Grid *GridReference
}

// CareSource answers with a child's care timeline: date of birth, UASC,
// periods of care and legal statuses (the caseload service).
type CareSource interface {
	CareTimeline(ctx context.Context, childID string) (ssda903.CareTimeline, error)
}

// Tx is one write transaction as the domain sees it.
type Tx interface {
	// Child returns the child's placements; a child with none has an empty
	// record, never an error.
	Child(id string) (*Child, error)
	// PutChild stores the child's placements.
	PutChild(c *Child) error
	// Emit appends an event to the outbox in the same transaction.
	Emit(e Event) error
}

// EventKind says what a placement event reports.
type EventKind int

// The kinds of placement event, one per write.
const (
	EventStarted EventKind = iota + 1
	EventChanged
	EventEnded
	EventTemporaryStarted
	EventTemporaryEnded
)

// Subject is the event's JetStream subject on the PLACEMENT stream.
func (k EventKind) Subject() string {
	switch k {
	case EventStarted:
		return "placement.started"
	case EventChanged:
		return "placement.changed"
	case EventEnded:
		return "placement.ended"
	case EventTemporaryStarted:
		return "placement.temporary.started"
	case EventTemporaryEnded:
		return "placement.temporary.ended"
	}
	return ""
}

// Event is what a write publishes: codes and the pseudonymous child id only.
type Event struct {
	Kind    EventKind
	ChildID string
	Date    clock.Date // the date of effect
	At      time.Time  // when the write was made
	// Previous is the placement that ended (changed, temporary ended).
	Previous *Placement
	// Placement is the placement that started (started, changed, temporary
	// started, temporary ended) or, for ended, the placement that ended.
	Placement *Placement
	Reason    string // 903 REASON_PLACE_CHANGE of a change
}
