package store

import (
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/corporate-parenting/suite/pkg/codes"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
)

// EventPB is the contract's form of a placement event: the pseudonymous
// child id, the date of effect and codes. No names, dates of birth,
// postcodes or grid references exist in the domain event to leak.
func EventPB(e placement.Event) (*placementv1.PlacementEvent, error) {
	m := &placementv1.PlacementEvent{
		ChildId:       e.ChildID,
		EffectiveDate: e.Date.String(),
		OccurTime:     timestamppb.New(e.At),
	}
	if e.Placement == nil {
		return nil, fmt.Errorf("store: %s event without its placement", e.Kind.Subject())
	}
	changed := func() (*placementv1.PlacementChanged, error) {
		if e.Previous == nil {
			return nil, fmt.Errorf("store: %s event without the previous placement", e.Kind.Subject())
		}
		return &placementv1.PlacementChanged{Previous: FactsPB(*e.Previous), Placement: FactsPB(*e.Placement), ReasonForChange: e.Reason}, nil
	}
	switch e.Kind {
	case placement.EventStarted:
		m.Kind = &placementv1.PlacementEvent_Started{Started: &placementv1.PlacementStarted{Placement: FactsPB(*e.Placement)}}
	case placement.EventChanged:
		c, err := changed()
		if err != nil {
			return nil, err
		}
		m.Kind = &placementv1.PlacementEvent_Changed{Changed: c}
	case placement.EventEnded:
		m.Kind = &placementv1.PlacementEvent_Ended{Ended: &placementv1.PlacementEnded{Placement: FactsPB(*e.Placement)}}
	case placement.EventTemporaryStarted:
		m.Kind = &placementv1.PlacementEvent_TemporaryStarted{TemporaryStarted: &placementv1.PlacementStarted{Placement: FactsPB(*e.Placement)}}
	case placement.EventTemporaryEnded:
		c, err := changed()
		if err != nil {
			return nil, err
		}
		m.Kind = &placementv1.PlacementEvent_TemporaryEnded{TemporaryEnded: c}
	default:
		return nil, fmt.Errorf("store: unknown event kind %d", e.Kind)
	}
	return m, nil
}

// FactsPB is the codes of one placement that events carry.
func FactsPB(p placement.Placement) *placementv1.PlacementFacts {
	return &placementv1.PlacementFacts{
		PlacementId:    p.ID,
		PlacementType:  p.Place,
		PlacementGroup: string(p.Group()),
		Provider:       p.Provider,
		Location:       LocationPB(p.Location),
		DistanceBand:   DistanceBandPB(p.DistanceBand()),
		CarerId:        p.CarerID,
		Urn:            p.URN,
	}
}

// LocationPB maps 903 PL_LOCATION to the contract's Location.
func LocationPB(loc string) placementv1.Location {
	switch loc {
	case "IN":
		return placementv1.Location_LOCATION_INSIDE
	case "OUT":
		return placementv1.Location_LOCATION_OUTSIDE
	}
	return placementv1.Location_LOCATION_NOT_KNOWN
}

// DistanceBandPB maps a codes distance band to the contract's DistanceBand.
func DistanceBandPB(band string) placementv1.DistanceBand {
	switch band {
	case codes.Distance20OrLess:
		return placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS
	case codes.DistanceOver20:
		return placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES
	}
	return placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN
}
