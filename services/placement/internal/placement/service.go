package placement

import (
	"slices"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Service carries out placement writes. It holds only configuration, so one
// Service serves every call.
type Service struct {
	councilLA string
}

// NewService returns the service for the council whose own local authority
// code (ONS, e.g. E08000026 Coventry) is councilLA: placements whose address
// lies in it are inside the boundary (903 PL_LOCATION IN).
func NewService(councilLA string) *Service { return &Service{councilLA: councilLA} }

// CouncilLA is the council's own local authority code.
func (s *Service) CouncilLA() string { return s.councilLA }

// Write is what every write carries besides its own fields. Everything in
// it is fixed before the transaction starts, so a transaction that the
// group commit runs again makes the same write.
type Write struct {
	ChildID string
	// Care is the child's care timeline, fetched from the caseload service
	// for this write.
	Care ssda903.CareTimeline
	// At is when the write was made; its Europe/London date is "today" for
	// the rules that refuse future dates.
	At time.Time
	// NewID is the id of the placement the write creates, if it creates one.
	NewID string
}

func (s *Service) context(w Write, c *Child) ssda903.PlacementContext {
	return ssda903.PlacementContext{
		Care:       w.Care,
		Placements: c.Timeline(),
		CouncilLA:  s.councilLA,
		Now:        clock.DateOf(w.At),
	}
}

// newPlacement builds the placement described by d from start, deriving
// PL_LOCATION (ssda903.Location) and PL_DISTANCE (codes.DistanceMiles, the
// DfE formula) when both grid references are given.
func (s *Service) newPlacement(w Write, start clock.Date, d Details) Placement {
	p := Placement{
		ID: w.NewID, Place: d.Place, Provider: d.Provider, URN: d.URN, CarerID: d.CarerID,
		PlacementLA: d.PlacementLA, Location: ssda903.Location(d.PlacementLA, s.councilLA),
		Start: start, Created: w.At,
	}
	if d.Home != nil && d.Grid != nil {
		miles := codes.DistanceMiles(d.Home.Easting, d.Home.Northing, d.Grid.Easting, d.Grid.Northing)
		p.Distance = &miles
		p.SameAddress = *d.Home == *d.Grid
	}
	return p
}

// load reads the child's placements for a write; the result may be changed.
func load(tx Tx, id string) (*Child, error) {
	c, err := tx.Child(id)
	if err != nil {
		return nil, err
	}
	return c.clone(), nil
}

func (s *Service) commit(tx Tx, c *Child, e Event) error {
	slices.SortStableFunc(c.Placements, func(a, b Placement) int { return a.Start.Compare(b.Start) })
	if err := tx.PutChild(c); err != nil {
		return err
	}
	return tx.Emit(e)
}

// Start records a placement from start when the child has none (the first
// of a period of care, or after a gap).
func (s *Service) Start(tx Tx, w Write, start clock.Date, d Details) (Placement, error) {
	c, err := load(tx, w.ChildID)
	if err != nil {
		return Placement{}, err
	}
	p := s.newPlacement(w, start, d)
	if err := ssda903.Err(ssda903.CheckStartPlacement(s.context(w, c), p.spell())); err != nil {
		return Placement{}, err
	}
	c.Placements = append(c.Placements, p)
	return p, s.commit(tx, c, Event{Kind: EventStarted, ChildID: c.ID, Date: start, At: w.At, Placement: &p})
}

// Change ends the current placement on date, for reason (903
// REASON_PLACE_CHANGE), and starts the placement d the same day.
func (s *Service) Change(tx Tx, w Write, date clock.Date, reason string, d Details) (ended, started Placement, err error) {
	c, err := load(tx, w.ChildID)
	if err != nil {
		return Placement{}, Placement{}, err
	}
	p := s.newPlacement(w, date, d)
	if err := ssda903.Err(ssda903.CheckChangePlacement(s.context(w, c), p.spell(), reason)); err != nil {
		return Placement{}, Placement{}, err
	}
	cur := c.current()
	if cur < 0 { // CheckChangePlacement refuses this; never index -1
		return Placement{}, Placement{}, errs.Internalf("change of placement with no current placement")
	}
	c.Placements[cur].End, c.Placements[cur].ReasonChange = date, reason
	ended = c.Placements[cur]
	c.Placements = append(c.Placements, p)
	e := Event{Kind: EventChanged, ChildID: c.ID, Date: date, At: w.At, Previous: &ended, Placement: &p, Reason: reason}
	return ended, p, s.commit(tx, c, e)
}

// End ends the current placement on end with no new one.
func (s *Service) End(tx Tx, w Write, end clock.Date) (Placement, error) {
	c, err := load(tx, w.ChildID)
	if err != nil {
		return Placement{}, err
	}
	if err := ssda903.Err(ssda903.CheckEndPlacement(s.context(w, c), end)); err != nil {
		return Placement{}, err
	}
	cur := c.current()
	if cur < 0 {
		return Placement{}, errs.Internalf("end of placement with no current placement")
	}
	c.Placements[cur].End = end
	ended := c.Placements[cur]
	return ended, s.commit(tx, c, Event{Kind: EventEnded, ChildID: c.ID, Date: end, At: w.At, Placement: &ended})
}

// StartTemporary records a temporary placement (T0–T4) from start that
// interrupts the current placement, which ends that day. It has no
// provider, URN or carer (rule 213) and no distance.
func (s *Service) StartTemporary(tx Tx, w Write, start clock.Date, place, placementLA string) (Placement, error) {
	c, err := load(tx, w.ChildID)
	if err != nil {
		return Placement{}, err
	}
	p := s.newPlacement(w, start, Details{Place: place, PlacementLA: placementLA})
	if err := ssda903.Err(ssda903.CheckStartTemporaryPlacement(s.context(w, c), p.spell())); err != nil {
		return Placement{}, err
	}
	cur := c.current()
	if cur < 0 {
		return Placement{}, errs.Internalf("temporary placement with nothing to interrupt")
	}
	c.Placements[cur].End, c.Placements[cur].ReasonChange = start, "" // 226: no reason on a temporary move
	c.Placements = append(c.Placements, p)
	// The placement it interrupts: the current one, or, for a temporary
	// placement following another, the one the first interrupted.
	if j := c.Timeline().Interrupted(len(c.Placements) - 1); j >= 0 {
		c.Placements[len(c.Placements)-1].InterruptedID = c.Placements[j].ID
	}
	p = c.Placements[len(c.Placements)-1]
	return p, s.commit(tx, c, Event{Kind: EventTemporaryStarted, ChildID: c.ID, Date: start, At: w.At, Placement: &p})
}

// EndTemporary ends the current temporary placement on end and returns the
// child to the placement it interrupted: a new placement record with the
// same type, provider, URN, carer, local authority and distance (rule 383).
func (s *Service) EndTemporary(tx Tx, w Write, end clock.Date) (ended, resumed Placement, err error) {
	c, err := load(tx, w.ChildID)
	if err != nil {
		return Placement{}, Placement{}, err
	}
	ctx := s.context(w, c)
	if err := ssda903.Err(ssda903.CheckEndTemporaryPlacement(ctx, end)); err != nil {
		return Placement{}, Placement{}, err
	}
	// The placement the child returns to is built by ssda903 (rule 383), so
	// the reading of "the same placement" lives in one place.
	back, ok := ctx.Placements.Resume(end)
	cur := c.current()
	if cur < 0 || !ok {
		return Placement{}, Placement{}, errs.Internalf("return from a temporary placement with nothing to return to")
	}
	c.Placements[cur].End = end
	ended = c.Placements[cur]
	resumed = Placement{
		ID: w.NewID, Place: back.Place, Provider: back.Provider, URN: back.URN, CarerID: back.CarerID,
		PlacementLA: back.PlacementLA, Location: back.Location, Distance: copyDistance(back.Distance),
		Start: end, Created: w.At,
	}
	c.Placements = append(c.Placements, resumed)
	e := Event{Kind: EventTemporaryEnded, ChildID: c.ID, Date: end, At: w.At, Previous: &ended, Placement: &resumed}
	return ended, resumed, s.commit(tx, c, e)
}

func copyDistance(d *float64) *float64 {
	if d == nil {
		return nil
	}
	v := *d
	return &v
}
