// Package server is the placement service's gRPC adapter: it checks the
// shape of each request, fetches the child's care from the caseload service,
// turns the request into a domain call inside a store transaction, and turns
// the result back into the contract's messages. It holds no business rule;
// domain errors are mapped to gRPC status codes by pkg/grpcserver's
// interceptor, in one place.
package server

import (
	"context"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
	"github.com/corporate-parenting/suite/services/placement/internal/store"
)

// Server implements placement.v1.PlacementService.
type Server struct {
	placementv1.UnimplementedPlacementServiceServer
	svc   *placement.Service
	store *store.Store
	care  placement.CareSource
	clock clock.Clock
}

// New returns the adapter over the domain service, the store and the
// source of children's care (the caseload client).
func New(svc *placement.Service, st *store.Store, care placement.CareSource, clk clock.Clock) *Server {
	if clk == nil {
		clk = clock.System
	}
	return &Server{svc: svc, store: st, care: care, clock: clk}
}

// Register registers the service on a gRPC server.
func (s *Server) Register(g *grpc.Server) { placementv1.RegisterPlacementServiceServer(g, s) }

// write is how every placement write runs:
//
//  1. a retry of a recorded request is answered with the first response,
//     without asking caseload (which may be down, or whose answer may have
//     changed since);
//  2. the child's care timeline is fetched from caseload (NotFound for an
//     unknown child, Unavailable when caseload cannot answer: the write is
//     never made unchecked);
//  3. the write is dry-run in a read transaction, so a refused write
//     returns its violations without touching the group commit;
//  4. the write commits in a group-commit transaction with its outbox row
//     and idempotency entry: what the dry run would have written, if the
//     child's record is still as the dry run read it, else the rules run
//     again against the committed state (two writes for one child may race
//     between 3 and 4).
func (s *Server) write(ctx context.Context, requestID, childID string, req, resp proto.Message, fn func(tx placement.Tx, w placement.Write) error) error {
	if found, err := s.store.Replay(requestID, req, resp); err != nil || found {
		return err
	}
	care, err := s.care.CareTimeline(ctx, childID)
	if err != nil {
		return err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "new placement id")
	}
	w := placement.Write{ChildID: childID, Care: care, At: s.clock.Now(), NewID: id.String()}
	run := func(tx placement.Tx) error { return fn(tx, w) }
	checked, found, err := s.store.DryRun(requestID, req, resp, run)
	if err != nil || found {
		return err
	}
	return s.store.WriteChecked(ctx, checked, run)
}

// details checks and converts a PlacementDetails.
func (c *checker) details(d *placementv1.PlacementDetails) placement.Details {
	c.Code("details.placement_type", d.GetPlacementType(), true, 3)
	c.Code("details.provider", d.GetProvider(), false, 3)
	c.Code("details.urn", d.GetUrn(), false, 8)
	c.Optional("details.carer_id", d.GetCarerId(), maxIDLen)
	c.Code("details.placement_local_authority", d.GetPlacementLocalAuthority(), false, 9)
	home, grid := c.grid("details.home_grid", d.GetHomeGrid(), "details.placement_grid", d.GetPlacementGrid())
	return placement.Details{
		Place: d.GetPlacementType(), Provider: d.GetProvider(), URN: d.GetUrn(), CarerID: d.GetCarerId(),
		PlacementLA: d.GetPlacementLocalAuthority(), Home: home, Grid: grid,
	}
}

// StartPlacement records a child's placement when they have none.
func (s *Server) StartPlacement(ctx context.Context, req *placementv1.StartPlacementRequest) (*placementv1.StartPlacementResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	start := c.RequiredDate("start_date", req.GetStartDate())
	d := c.details(req.GetDetails())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &placementv1.StartPlacementResponse{}
	err := s.write(ctx, req.GetRequestId(), req.GetChildId(), req, resp, func(tx placement.Tx, w placement.Write) error {
		p, err := s.svc.Start(tx, w, start, d)
		if err != nil {
			return err
		}
		resp.Placement = placementPB(w.ChildID, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// ChangePlacement ends the current placement and starts the next the same day.
func (s *Server) ChangePlacement(ctx context.Context, req *placementv1.ChangePlacementRequest) (*placementv1.ChangePlacementResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	date := c.RequiredDate("change_date", req.GetChangeDate())
	c.Code("reason_for_change", req.GetReasonForChange(), false, 6)
	d := c.details(req.GetDetails())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &placementv1.ChangePlacementResponse{}
	err := s.write(ctx, req.GetRequestId(), req.GetChildId(), req, resp, func(tx placement.Tx, w placement.Write) error {
		ended, started, err := s.svc.Change(tx, w, date, req.GetReasonForChange(), d)
		if err != nil {
			return err
		}
		resp.Ended, resp.Started = placementPB(w.ChildID, ended), placementPB(w.ChildID, started)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// EndPlacement ends the current placement without a new one.
func (s *Server) EndPlacement(ctx context.Context, req *placementv1.EndPlacementRequest) (*placementv1.EndPlacementResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	end := c.RequiredDate("end_date", req.GetEndDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &placementv1.EndPlacementResponse{}
	err := s.write(ctx, req.GetRequestId(), req.GetChildId(), req, resp, func(tx placement.Tx, w placement.Write) error {
		p, err := s.svc.End(tx, w, end)
		if err != nil {
			return err
		}
		resp.Placement = placementPB(w.ChildID, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// StartTemporaryPlacement records a temporary placement (T0–T4).
func (s *Server) StartTemporaryPlacement(ctx context.Context, req *placementv1.StartTemporaryPlacementRequest) (*placementv1.StartTemporaryPlacementResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	start := c.RequiredDate("start_date", req.GetStartDate())
	c.Code("placement_type", req.GetPlacementType(), true, 3)
	c.Code("placement_local_authority", req.GetPlacementLocalAuthority(), false, 9)
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &placementv1.StartTemporaryPlacementResponse{}
	err := s.write(ctx, req.GetRequestId(), req.GetChildId(), req, resp, func(tx placement.Tx, w placement.Write) error {
		p, err := s.svc.StartTemporary(tx, w, start, req.GetPlacementType(), req.GetPlacementLocalAuthority())
		if err != nil {
			return err
		}
		resp.Placement = placementPB(w.ChildID, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// EndTemporaryPlacement returns the child to the interrupted placement.
func (s *Server) EndTemporaryPlacement(ctx context.Context, req *placementv1.EndTemporaryPlacementRequest) (*placementv1.EndTemporaryPlacementResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	end := c.RequiredDate("end_date", req.GetEndDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &placementv1.EndTemporaryPlacementResponse{}
	err := s.write(ctx, req.GetRequestId(), req.GetChildId(), req, resp, func(tx placement.Tx, w placement.Write) error {
		ended, resumed, err := s.svc.EndTemporary(tx, w, end)
		if err != nil {
			return err
		}
		resp.Ended, resp.Resumed = placementPB(w.ChildID, ended), placementPB(w.ChildID, resumed)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// GetCurrentPlacement returns the child's placement on a date (default
// today). A child with no placement on the date, or none recorded here at
// all, gets an empty answer: this service does not know which children
// exist (caseload does).
func (s *Server) GetCurrentPlacement(_ context.Context, req *placementv1.GetCurrentPlacementRequest) (*placementv1.GetCurrentPlacementResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	d := c.Date("as_at_date", req.GetAsAtDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	if d.IsZero() {
		d = clock.Today(s.clock)
	}
	ch, err := s.store.Child(req.GetChildId())
	if err != nil {
		return nil, err
	}
	resp := &placementv1.GetCurrentPlacementResponse{}
	if p, ok := ch.On(d); ok {
		resp.Placement = placementPB(ch.ID, p)
	}
	return resp, nil
}

// ListPlacementHistory returns every placement of one child, oldest first.
func (s *Server) ListPlacementHistory(_ context.Context, req *placementv1.ListPlacementHistoryRequest) (*placementv1.ListPlacementHistoryResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	if err := c.err(); err != nil {
		return nil, err
	}
	ch, err := s.store.Child(req.GetChildId())
	if err != nil {
		return nil, err
	}
	resp := &placementv1.ListPlacementHistoryResponse{Placements: make([]*placementv1.Placement, len(ch.Placements))}
	for i, p := range ch.Placements {
		resp.Placements[i] = placementPB(ch.ID, p)
	}
	return resp, nil
}

// ListPlacements lists placements in force on a date, filtered, in child id
// order.
func (s *Server) ListPlacements(_ context.Context, req *placementv1.ListPlacementsRequest) (*placementv1.ListPlacementsResponse, error) {
	var c checker
	size := c.PageSize(req.GetPageSize())
	after := c.pageToken(req.GetPageToken())
	d := c.Date("as_at_date", req.GetAsAtDate())
	c.Code("placement_type", req.GetPlacementType(), false, 3)
	c.Code("provider", req.GetProvider(), false, 3)
	f := store.Filter{Place: req.GetPlacementType(), Provider: req.GetProvider(), Group: codes.PlacementGroup(req.GetPlacementGroup())}
	if g := f.Group; g != "" && g != codes.GroupTemporary && g.Indicator() == "" {
		c.Addf("placement_group", "format", "unknown placement group %q", g)
	}
	switch req.GetLocation() {
	case placementv1.Location_LOCATION_UNSPECIFIED:
	case placementv1.Location_LOCATION_INSIDE:
		f.Location = "IN"
	case placementv1.Location_LOCATION_OUTSIDE:
		f.Location = "OUT"
	default:
		c.Add("location", "format", "location filters on LOCATION_INSIDE or LOCATION_OUTSIDE")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if d.IsZero() {
		d = clock.Today(s.clock)
	}
	page, more, err := s.store.List(d, f, after, size)
	if err != nil {
		return nil, err
	}
	resp := &placementv1.ListPlacementsResponse{Placements: make([]*placementv1.Placement, len(page))}
	for i, l := range page {
		resp.Placements[i] = placementPB(l.ChildID, l.Placement)
	}
	if more && len(page) > 0 {
		resp.NextPageToken = encodeToken(page[len(page)-1].ChildID)
	}
	return resp, nil
}
