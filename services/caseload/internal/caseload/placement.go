package caseload

import (
	"slices"
	"strings"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Caseload's copy of a child's placements. The placement service owns the
// placement timeline; caseload keeps a copy, fed by the PLACEMENT stream's
// events, so that a legal-status or period write can be checked against the
// merged 903 episodes and GetCareHistory can show them (architecture "903
// episodes are derived"). The copy lags the placement service by the event
// pipeline (outbox relay, JetStream, this consumer): milliseconds when all
// is up, longer if NATS is down.
//
// The copy is kept per placement id, and every event only sets fields of the
// placements it names: a start date on the placement that started, an end
// date (and reason) on the one that ended. Applying an event twice, or
// events in another order than they were written (a backdated start that
// arrives after later events), gives the same copy. The timeline pkg/ssda903
// reads is derived from it by effective date (see timeline).

// Placement is one placement in caseload's copy.
type Placement struct {
	ID           string
	Place        string // 903 PLACE
	Provider     string // 903 PLACE_PROVIDER
	URN          string // Ofsted URN
	CarerID      string // decides RNE P/T and B/U
	Location     string // 903 PL_LOCATION: "IN", "OUT" or "" (not known)
	DistanceBand string // codes.Distance20OrLess, DistanceOver20 or DistanceNotKnown
	// Start is zero until an event that starts the placement has arrived
	// (only possible if its events arrive out of order); such a placement is
	// left out of the timeline until then.
	Start clock.Date
	// End is the end an event reported (changed, ended, temporary ended);
	// zero otherwise. An open placement followed by a later one ends where
	// the next starts (a temporary placement's start: see timeline).
	End          clock.Date
	ReasonChange string // 903 REASON_PLACE_CHANGE, reported with the end
}

// PlacementEventKind is what a placement event reports (placement.v1
// PlacementEvent's kind).
type PlacementEventKind int

// The placement events.
const (
	PlacementStarted PlacementEventKind = iota + 1
	PlacementChanged
	PlacementEnded
	TemporaryPlacementStarted
	TemporaryPlacementEnded
)

// PlacementFacts are the codes of one placement an event carries.
type PlacementFacts struct {
	ID, Place, Provider, URN, CarerID string
	Location                          string // "IN", "OUT" or ""
	DistanceBand                      string // codes.Distance*
}

// PlacementEvent is one event of the PLACEMENT stream as the domain reads
// it.
type PlacementEvent struct {
	Kind    PlacementEventKind
	ChildID string
	Date    clock.Date // the date of effect
	// Placement is the placement that started (started, changed, temporary
	// started and ended) or, for ended, the one that ended.
	Placement PlacementFacts
	// Previous is the placement that ended (changed, temporary ended).
	Previous *PlacementFacts
	Reason   string // 903 REASON_PLACE_CHANGE (changed)
}

// ApplyPlacement applies one placement event to the child's copy of their
// placements. It returns NotFound for a child caseload does not know, and
// Invalid for an event that does not make sense (no placement id, no date).
// It changes nothing else in the child's record and emits no event; the
// record's revision counts the write, its update time does not (it is the
// time caseload's own record last changed).
func (s *Service) ApplyPlacement(tx Tx, ev PlacementEvent) (*Child, error) {
	if ev.Date.IsZero() {
		return nil, badPlacementEvent("effective_date", "placement event without an effective date")
	}
	if ev.Placement.ID == "" || (ev.Previous != nil && ev.Previous.ID == "") {
		return nil, badPlacementEvent("placement_id", "placement event without a placement id")
	}
	c, err := tx.Child(ev.ChildID)
	if err != nil {
		return nil, err
	}
	switch ev.Kind {
	case PlacementStarted, TemporaryPlacementStarted:
		// A temporary placement interrupts the open one, which ends that
		// day with no reason (226); the event names only the temporary one,
		// and timeline derives the end, so arrival order does not matter.
		c.startPlacement(ev.Placement, ev.Date)
	case PlacementChanged, TemporaryPlacementEnded:
		if ev.Previous == nil {
			return nil, badPlacementEvent("previous", "placement change without the previous placement")
		}
		c.endPlacement(*ev.Previous, ev.Date, ev.Reason)
		c.startPlacement(ev.Placement, ev.Date)
	case PlacementEnded:
		c.endPlacement(ev.Placement, ev.Date, "")
	default:
		return nil, badPlacementEvent("kind", "unknown placement event kind")
	}
	c.Revision++
	return c, tx.PutChild(c)
}

// badPlacementEvent is the error for an event that cannot be applied: the
// consumer sets it aside as a dead letter.
func badPlacementEvent(field, msg string) error {
	return errs.Invalid(errs.Violation{Field: field, Rule: ssda903.RuleRequired, Message: msg})
}

// placement returns the copy of placement f, adding it if new, with f's
// codes (the latest event's, which are the same in every event).
func (c *Child) placement(f PlacementFacts) *Placement {
	i := slices.IndexFunc(c.Placements, func(p Placement) bool { return p.ID == f.ID })
	if i < 0 {
		c.Placements = append(c.Placements, Placement{ID: f.ID})
		i = len(c.Placements) - 1
	}
	p := &c.Placements[i]
	p.Place, p.Provider, p.URN, p.CarerID, p.Location, p.DistanceBand =
		f.Place, f.Provider, f.URN, f.CarerID, f.Location, f.DistanceBand
	return p
}

func (c *Child) startPlacement(f PlacementFacts, d clock.Date) {
	c.placement(f).Start = d
	c.sortPlacements()
}

func (c *Child) endPlacement(f PlacementFacts, d clock.Date, reason string) {
	p := c.placement(f)
	p.End, p.ReasonChange = d, reason
	c.sortPlacements()
}

// sortPlacements keeps the copy in effective-date order (placements not yet
// started first), ties by id: the placement service's ids are UUIDv7, so
// by when they were made.
func (c *Child) sortPlacements() {
	slices.SortStableFunc(c.Placements, func(a, b Placement) int {
		if n := a.Start.Compare(b.Start); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// PlacementTimeline returns the child's placement timeline as pkg/ssda903 reads it.
// The result shares memory with a sealed child's: callers must not modify
// it.
func (c *Child) PlacementTimeline() ssda903.PlacementTimeline {
	if c.sealed != nil {
		return c.sealedPlacements
	}
	return c.buildPlacements()
}

// buildPlacements derives the timeline from the copy, in start-date order:
//   - a placement with no start yet is left out;
//   - an open placement followed by a later one ends the day the next starts:
//     that is how a temporary placement ends the one it interrupts (the
//     placement service records exactly that, with no reason), and it keeps
//     the timeline free of overlaps whatever order events came in;
//   - PL_LA is not carried by events (PL_LOCATION is), so it is blank;
//   - the events carry a distance band, not miles: a known band becomes a
//     distance that is present (rule 398 reads only whether it is) whose
//     value is the band's bound, 20.0 for "20 or less" and 20.1 for "over
//     20". It is never shown or published as a distance.
func (c *Child) buildPlacements() ssda903.PlacementTimeline {
	if len(c.Placements) == 0 {
		return nil
	}
	out := make(ssda903.PlacementTimeline, 0, len(c.Placements))
	for _, p := range c.Placements { // in start order (sortPlacements)
		if p.Start.IsZero() {
			continue
		}
		out = append(out, ssda903.PlacementSpell{
			ID: p.ID, Place: p.Place, Provider: p.Provider, URN: p.URN, CarerID: p.CarerID,
			Location: p.Location, ReasonChange: p.ReasonChange, Start: p.Start, End: p.End,
			Distance: bandDistance(p.DistanceBand),
		})
	}
	for i := 0; i+1 < len(out); i++ {
		if out[i].End.IsZero() {
			out[i].End = out[i+1].Start
		}
	}
	return out
}

// bandDistance is a distance standing for a known band (nil when not
// known); see buildPlacements.
func bandDistance(band string) *float64 {
	var miles float64
	switch band {
	case codes.Distance20OrLess:
		miles = 20.0
	case codes.DistanceOver20:
		miles = 20.1
	default:
		return nil
	}
	return &miles
}
