package reconcile

import (
	"context"
	"sort"
	"sync"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"google.golang.org/protobuf/proto"
)

// EventSource answers the Source questions from the events themselves, by
// folding each child's events in date order as the source services' own
// records would stand. It shares nothing with the projection but
// projection.Placement and the pkg/codes predicates, so it is an
// independent recount of the same events.
type EventSource struct {
	mu  sync.Mutex
	evs []proto.Message
}

// NewEventSource returns a source over evs (in publication order).
func NewEventSource(evs ...proto.Message) *EventSource {
	return &EventSource{evs: append([]proto.Message(nil), evs...)}
}

// Add appends events.
func (s *EventSource) Add(evs ...proto.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, evs...)
}

// dated is an event with its date and publication order.
type dated struct {
	date  clock.Date
	order int
	ev    proto.Message
}

// byChild returns each child's events of type T dated on or before d,
// in date order (publication order on the same date).
func byChild[T proto.Message](s *EventSource, d clock.Date, child func(T) string, date func(T) string) map[string][]dated {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]dated{}
	for i, m := range s.evs {
		ev, ok := m.(T)
		if !ok {
			continue
		}
		ed, err := clock.ParseDate(date(ev))
		if err != nil || ed.After(d) {
			continue
		}
		out[child(ev)] = append(out[child(ev)], dated{ed, i, m})
	}
	for _, evs := range out {
		sort.SliceStable(evs, func(i, j int) bool {
			if evs[i].date != evs[j].date {
				return evs[i].date.Before(evs[j].date)
			}
			return evs[i].order < evs[j].order
		})
	}
	return out
}

// Care folds the caseload events.
func (s *EventSource) Care(_ context.Context, d clock.Date) (map[string]CareFacts, error) {
	out := map[string]CareFacts{}
	for id, evs := range byChild(s, d, (*caseloadv1.CaseloadEvent).GetChildId, (*caseloadv1.CaseloadEvent).GetEffectiveDate) {
		var looked, uasc bool
		var ls string
		for _, x := range evs {
			switch k := x.ev.(*caseloadv1.CaseloadEvent).GetKind().(type) {
			case *caseloadv1.CaseloadEvent_PeriodStarted:
				looked, ls, uasc = true, k.PeriodStarted.GetLegalStatus(), k.PeriodStarted.GetUasc()
			case *caseloadv1.CaseloadEvent_LegalStatusChanged:
				ls = k.LegalStatusChanged.GetLegalStatus()
			case *caseloadv1.CaseloadEvent_PeriodEnded:
				looked = false
			case *caseloadv1.CaseloadEvent_UascChanged:
				uasc = k.UascChanged.GetIsUasc()
			case *caseloadv1.CaseloadEvent_CareCorrected:
				looked, ls = k.CareCorrected.GetLookedAfter(), k.CareCorrected.GetLegalStatus()
			}
		}
		counted := looked && !codes.IsShortBreak(ls)
		out[id] = CareFacts{Counted: counted, UASC: counted && uasc}
	}
	return out, nil
}

// PlacementRecord is a placement as the placement service holds it.
type PlacementRecord struct {
	Facts       *placementv1.PlacementFacts
	Interrupted *placementv1.PlacementFacts // for a temporary placement
}

// placementsOn folds the placement events: the record open on d per child.
func (s *EventSource) placementsOn(d clock.Date) map[string]PlacementRecord {
	out := map[string]PlacementRecord{}
	for id, evs := range byChild(s, d, (*placementv1.PlacementEvent).GetChildId, (*placementv1.PlacementEvent).GetEffectiveDate) {
		var cur PlacementRecord
		for _, x := range evs {
			switch k := x.ev.(*placementv1.PlacementEvent).GetKind().(type) {
			case *placementv1.PlacementEvent_Started:
				cur = PlacementRecord{Facts: k.Started.GetPlacement()}
			case *placementv1.PlacementEvent_Changed:
				cur = PlacementRecord{Facts: k.Changed.GetPlacement()}
			case *placementv1.PlacementEvent_TemporaryStarted:
				interrupted := cur.Facts
				if cur.Interrupted != nil {
					interrupted = cur.Interrupted
				}
				cur = PlacementRecord{Facts: k.TemporaryStarted.GetPlacement(), Interrupted: interrupted}
			case *placementv1.PlacementEvent_TemporaryEnded:
				cur = PlacementRecord{Facts: k.TemporaryEnded.GetPlacement()}
			case *placementv1.PlacementEvent_Ended:
				cur = PlacementRecord{}
			}
		}
		if cur.Facts != nil {
			out[id] = cur
		}
	}
	return out
}

// Placements folds the placement events.
func (s *EventSource) Placements(_ context.Context, d clock.Date) (map[string]projection.Placement, error) {
	out := map[string]projection.Placement{}
	for id, rec := range s.placementsOn(d) {
		f := rec.Facts
		if codes.IsTemporary(f.GetPlacementType()) {
			if rec.Interrupted == nil {
				continue
			}
			f = rec.Interrupted
		}
		out[id] = FromFacts(f.GetPlacementType(), f.GetPlacementGroup(), f.GetLocation(), f.GetDistanceBand())
	}
	return out, nil
}

// LeaverRecord is a care-leaver record as the care-leaver service holds it.
type LeaverRecord struct {
	Open    bool
	AgeBand string
	Latest  *careleaverv1.ContactRecorded
	latestD clock.Date
}

// leaversOn folds the care-leaver events: every record as at d.
func (s *EventSource) leaversOn(d clock.Date) map[string]LeaverRecord {
	out := map[string]LeaverRecord{}
	for id, evs := range byChild(s, d, (*careleaverv1.CareLeaverEvent).GetChildId, (*careleaverv1.CareLeaverEvent).GetEffectiveDate) {
		var rec LeaverRecord
		for _, x := range evs {
			ev := x.ev.(*careleaverv1.CareLeaverEvent)
			if b := ev.GetAgeBand(); b != "" {
				rec.AgeBand = b
			}
			switch k := ev.GetKind().(type) {
			case *careleaverv1.CareLeaverEvent_Registered:
				rec.Open = true
				rec.AgeBand = ev.GetAgeBand()
			case *careleaverv1.CareLeaverEvent_Closed:
				rec.Open = false
			case *careleaverv1.CareLeaverEvent_ContactRecorded:
				// The latest contact is the one with the latest date; on
				// the same date, the care-leaver service's is_latest says.
				if rec.Latest == nil || x.date.After(rec.latestD) || k.ContactRecorded.GetIsLatest() {
					rec.Latest, rec.latestD = k.ContactRecorded, x.date
				}
			}
		}
		out[id] = rec
	}
	return out
}

// CareLeavers folds the care-leaver events.
func (s *EventSource) CareLeavers(_ context.Context, d clock.Date) (map[string]LeaverFacts, error) {
	out := map[string]LeaverFacts{}
	for id, rec := range s.leaversOn(d) {
		if !rec.Open {
			continue
		}
		f := LeaverFacts{AgeBand: rec.AgeBand}
		if c := rec.Latest; c != nil {
			f.Contact = projection.Contact{InTouch: c.GetInTouch(), Activity: c.GetActivity(), Accommodation: c.GetAccommodation()}
		}
		out[id] = f
	}
	return out, nil
}

// FromFacts converts a placement's codes as the placement service gives
// them (events or read RPCs) to the projection's placement.
func FromFacts(typ, group string, loc placementv1.Location, band placementv1.DistanceBand) projection.Placement {
	g := codes.GroupOf(typ)
	if typ == "" {
		g = codes.PlacementGroup(group)
	}
	p := projection.Placement{Present: true, Type: typ, Group: g, Temporary: g == codes.GroupTemporary, Distance: codes.DistanceNotKnown}
	switch loc {
	case placementv1.Location_LOCATION_INSIDE:
		p.Location = projection.LocationInside
	case placementv1.Location_LOCATION_OUTSIDE:
		p.Location = projection.LocationOutside
	case placementv1.Location_LOCATION_NOT_KNOWN:
		p.Location = projection.LocationNotKnown
	}
	switch band {
	case placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS:
		p.Distance = codes.Distance20OrLess
	case placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES:
		p.Distance = codes.DistanceOver20
	}
	return p
}
