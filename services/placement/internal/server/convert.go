package server

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
	"github.com/corporate-parenting/suite/services/placement/internal/store"
)

// placementPB is the contract's view of one placement.
func placementPB(childID string, p placement.Placement) *placementv1.Placement {
	m := &placementv1.Placement{
		PlacementId:             p.ID,
		ChildId:                 childID,
		PlacementType:           p.Place,
		PlacementGroup:          string(p.Group()),
		Provider:                p.Provider,
		Urn:                     p.URN,
		CarerId:                 p.CarerID,
		PlacementLocalAuthority: p.PlacementLA,
		Location:                store.LocationPB(p.Location),
		DistanceBand:            store.DistanceBandPB(p.DistanceBand()),
		StartDate:               p.Start.String(),
		EndDate:                 p.End.String(),
		ReasonForChange:         p.ReasonChange,
		Temporary:               p.Temporary(),
		InterruptedPlacementId:  p.InterruptedID,
		CreateTime:              timestamppb.New(p.Created),
	}
	if p.Distance != nil {
		m.DistanceMiles = proto.Float64(*p.Distance)
	}
	return m
}
