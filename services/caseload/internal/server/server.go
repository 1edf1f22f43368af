// Package server is the caseload service's gRPC adapter: it checks the shape
// of each request, turns it into a domain call, and turns the result back
// into the contract's messages. It holds no business rule; domain errors are
// mapped to gRPC status codes by pkg/grpcserver's interceptor, in one place.
package server

import (
	"context"

	"google.golang.org/grpc"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// Server implements caseload.v1.CaseloadService.
type Server struct {
	caseloadv1.UnimplementedCaseloadServiceServer
	svc   *caseload.Service
	store *store.Store
}

// New returns the adapter over the domain service and the store.
func New(svc *caseload.Service, st *store.Store) *Server { return &Server{svc: svc, store: st} }

// Register registers the service on a gRPC server.
func (s *Server) Register(g *grpc.Server) { caseloadv1.RegisterCaseloadServiceServer(g, s) }

func (s *Server) today() clock.Date { return s.svc.Today() }

// child finds a child in memory or returns NotFound.
func (s *Server) child(id string) (*caseload.Child, error) {
	c, ok := s.store.Child(id)
	if !ok {
		return nil, errs.NotFoundf("no child with child_id %q", id)
	}
	return c, nil
}

// RegisterChild records a child and issues the pseudonymous child_id.
func (s *Server) RegisterChild(ctx context.Context, req *caseloadv1.RegisterChildRequest) (*caseloadv1.RegisterChildResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("la_child_id", req.GetLaChildId(), maxIDLen)
	c.Required("given_name", req.GetGivenName(), maxNameLen)
	c.Required("family_name", req.GetFamilyName(), maxNameLen)
	dob := c.RequiredDate("date_of_birth", req.GetDateOfBirth())
	c.Code("sex", req.GetSex(), true, 1)
	c.Code("ethnicity", req.GetEthnicity(), true, 4)
	c.upn("upn", req.GetUpn())
	if err := c.err(); err != nil {
		return nil, err
	}
	reg := caseload.Registration{
		LAChildID: req.GetLaChildId(), GivenName: req.GetGivenName(), FamilyName: req.GetFamilyName(),
		DOB: dob, Sex: req.GetSex(), Ethnicity: req.GetEthnicity(), UPN: req.GetUpn(),
	}
	resp := &caseloadv1.RegisterChildResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		ch, err := s.svc.Register(tx, reg)
		if err != nil {
			return err
		}
		resp.Child = childPB(ch, s.today())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// UpdateChild changes a child's details.
func (s *Server) UpdateChild(ctx context.Context, req *caseloadv1.UpdateChildRequest) (*caseloadv1.UpdateChildResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	c.Optional("given_name", req.GetGivenName(), maxNameLen)
	c.Optional("family_name", req.GetFamilyName(), maxNameLen)
	dob := c.Date("date_of_birth", req.GetDateOfBirth())
	c.Code("sex", req.GetSex(), false, 1)
	c.Code("ethnicity", req.GetEthnicity(), false, 4)
	c.upn("upn", req.GetUpn())
	if err := c.err(); err != nil {
		return nil, err
	}
	u := caseload.DetailsUpdate{GivenName: req.GetGivenName(), FamilyName: req.GetFamilyName(), DOB: dob,
		Sex: req.GetSex(), Ethnicity: req.GetEthnicity(), UPN: req.GetUpn()}
	resp := &caseloadv1.UpdateChildResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		ch, err := s.svc.UpdateDetails(tx, req.GetChildId(), u)
		if err != nil {
			return err
		}
		resp.Child = childPB(ch, s.today())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// SetUascStatus records UASC status.
func (s *Server) SetUascStatus(ctx context.Context, req *caseloadv1.SetUascStatusRequest) (*caseloadv1.SetUascStatusResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	if req.GetUasc() == nil {
		c.Add("uasc", "required", "uasc is required")
	}
	ceased := c.Date("uasc.ceased_date", req.GetUasc().GetCeasedDate())
	eff := c.Date("effective_date", req.GetEffectiveDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	u := caseload.UASC{IsUASC: req.GetUasc().GetIsUasc(), Ceased: ceased}
	resp := &caseloadv1.SetUascStatusResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		ch, err := s.svc.SetUASC(tx, req.GetChildId(), u, eff)
		if err != nil {
			return err
		}
		resp.Child = childPB(ch, s.today())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// GetChild returns one child by child_id or la_child_id.
func (s *Server) GetChild(_ context.Context, req *caseloadv1.GetChildRequest) (*caseloadv1.GetChildResponse, error) {
	id, la := req.GetChildId(), req.GetLaChildId()
	var c checker
	switch {
	case id == "" && la == "":
		c.Add("child_id", "required", "give child_id or la_child_id")
	case id != "" && la != "":
		c.Add("la_child_id", "exclusive", "give child_id or la_child_id, not both")
	}
	c.Optional("child_id", id, maxIDLen)
	c.Optional("la_child_id", la, maxIDLen)
	if err := c.err(); err != nil {
		return nil, err
	}
	var ch *caseload.Child
	if id != "" {
		var err error
		if ch, err = s.child(id); err != nil {
			return nil, err
		}
	} else {
		var ok bool
		if ch, ok = s.store.ChildByLAChildID(la); !ok {
			return nil, errs.NotFoundf("no child with la_child_id %q", la)
		}
	}
	return &caseloadv1.GetChildResponse{Child: childPB(ch, s.today())}, nil
}

// ListChildren lists and searches children, in child_id order.
func (s *Server) ListChildren(_ context.Context, req *caseloadv1.ListChildrenRequest) (*caseloadv1.ListChildrenResponse, error) {
	var c checker
	size := c.PageSize(req.GetPageSize())
	after := c.pageToken(req.GetPageToken())
	c.Optional("name_prefix", req.GetNamePrefix(), maxNameLen)
	c.Optional("worker_id", req.GetWorkerId(), maxIDLen)
	c.Optional("team_id", req.GetTeamId(), maxIDLen)
	if _, ok := caseloadv1.ChildStatus_name[int32(req.GetStatus())]; !ok {
		c.Add("status", "format", "unknown status")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	today := s.today()
	q := store.Query{After: after, Limit: size, WorkerID: req.GetWorkerId(), TeamID: req.GetTeamId(), NamePrefix: req.GetNamePrefix()}
	if want := statusFromPB(req.GetStatus()); want != caseload.StatusUnspecified {
		q.Match = func(ch *caseload.Child) bool { return caseload.StatusOn(ch, today) == want }
	}
	page, more := s.store.List(q)
	resp := &caseloadv1.ListChildrenResponse{Children: make([]*caseloadv1.Child, len(page))}
	for i, ch := range page {
		resp.Children[i] = childPB(ch, today)
	}
	if more && len(page) > 0 {
		resp.NextPageToken = encodeToken(page[len(page)-1].ID)
	}
	return resp, nil
}

// StartPeriodOfCare records the start of a period of care.
func (s *Server) StartPeriodOfCare(ctx context.Context, req *caseloadv1.StartPeriodOfCareRequest) (*caseloadv1.StartPeriodOfCareResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	start := c.Date("start_date", req.GetStartDate())
	c.Code("legal_status", req.GetLegalStatus(), true, 4)
	c.Code("category_of_need", req.GetCategoryOfNeed(), true, 4)
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &caseloadv1.StartPeriodOfCareResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		_, p, err := s.svc.StartPeriod(tx, req.GetChildId(), start, req.GetLegalStatus(), req.GetCategoryOfNeed())
		if err != nil {
			return err
		}
		resp.Period = periodPB(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// ChangeLegalStatus records a new legal status within the current period.
func (s *Server) ChangeLegalStatus(ctx context.Context, req *caseloadv1.ChangeLegalStatusRequest) (*caseloadv1.ChangeLegalStatusResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	eff := c.Date("effective_date", req.GetEffectiveDate())
	c.Code("legal_status", req.GetLegalStatus(), true, 4)
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &caseloadv1.ChangeLegalStatusResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		_, p, err := s.svc.ChangeLegalStatus(tx, req.GetChildId(), eff, req.GetLegalStatus())
		if err != nil {
			return err
		}
		resp.Period = periodPB(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// EndPeriodOfCare records the end of the current period of care.
func (s *Server) EndPeriodOfCare(ctx context.Context, req *caseloadv1.EndPeriodOfCareRequest) (*caseloadv1.EndPeriodOfCareResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	end := c.Date("end_date", req.GetEndDate())
	c.Code("reason_ceased", req.GetReasonCeased(), false, 4)
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &caseloadv1.EndPeriodOfCareResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		_, p, lcs, err := s.svc.EndPeriod(tx, req.GetChildId(), end, req.GetReasonCeased())
		if err != nil {
			return err
		}
		resp.Period, resp.LeavingCareStatus = periodPB(p), leavingCarePB(lcs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// CorrectCareRecord strikes out a legal status spell or reopens a period.
func (s *Server) CorrectCareRecord(ctx context.Context, req *caseloadv1.CorrectCareRecordRequest) (*caseloadv1.CorrectCareRecordResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	c.Required("reason", req.GetReason(), maxReasonLen)
	switch k := req.GetCorrection().(type) {
	case *caseloadv1.CorrectCareRecordRequest_StrikeLegalStatusSpellId:
		c.Required("strike_legal_status_spell_id", k.StrikeLegalStatusSpellId, maxIDLen)
	case *caseloadv1.CorrectCareRecordRequest_ReopenPeriodId:
		c.Required("reopen_period_id", k.ReopenPeriodId, maxIDLen)
	default:
		c.Add("correction", "required", "give strike_legal_status_spell_id or reopen_period_id")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &caseloadv1.CorrectCareRecordResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		var p *caseload.Period
		var err error
		if id := req.GetStrikeLegalStatusSpellId(); id != "" {
			_, p, err = s.svc.StrikeSpell(tx, req.GetChildId(), id, req.GetReason())
		} else {
			_, p, err = s.svc.ReopenPeriod(tx, req.GetChildId(), req.GetReopenPeriodId(), req.GetReason())
		}
		if err != nil {
			return err
		}
		resp.Period = periodPB(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// GetCareHistory returns the child's whole care history.
func (s *Server) GetCareHistory(_ context.Context, req *caseloadv1.GetCareHistoryRequest) (*caseloadv1.GetCareHistoryResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	if err := c.err(); err != nil {
		return nil, err
	}
	ch, err := s.child(req.GetChildId())
	if err != nil {
		return nil, err
	}
	resp := &caseloadv1.GetCareHistoryResponse{
		ChildId:     ch.ID,
		DateOfBirth: ch.DOB.String(),
		Uasc:        uascPB(ch.UASC),
		Periods:     make([]*caseloadv1.PeriodOfCare, len(ch.Periods)),
	}
	for i := range ch.Periods {
		resp.Periods[i] = periodPB(&ch.Periods[i])
	}
	if req.GetView() != caseloadv1.CareHistoryView_CARE_HISTORY_VIEW_CARE {
		for _, e := range caseload.Episodes(ch) {
			resp.Episodes = append(resp.Episodes, episodePB(e))
		}
	}
	for _, k := range ch.Corrections {
		resp.Corrections = append(resp.Corrections, correctionPB(k))
	}
	return resp, nil
}

// GetLegalCategory answers for one child on one date.
func (s *Server) GetLegalCategory(_ context.Context, req *caseloadv1.GetLegalCategoryRequest) (*caseloadv1.GetLegalCategoryResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	d := c.Date("as_at_date", req.GetAsAtDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	ch, err := s.child(req.GetChildId())
	if err != nil {
		return nil, err
	}
	if d.IsZero() {
		d = s.today()
	}
	cat := caseload.LegalCategoryOn(ch, d)
	return &caseloadv1.GetLegalCategoryResponse{
		ChildId:              ch.ID,
		AsAtDate:             d.String(),
		LookedAfter:          cat.LookedAfter,
		CountedAsLookedAfter: cat.Counted,
		LegalStatus:          cat.LS,
		LeavingCareStatus:    leavingCarePB(cat.LeavingCare),
		Age:                  int32(cat.Age),
		MonthOfBirth:         ch.MonthOfBirth(),
		Uasc:                 cat.UASC,
	}, nil
}

// AllocateWorker allocates a child to a worker and team.
func (s *Server) AllocateWorker(ctx context.Context, req *caseloadv1.AllocateWorkerRequest) (*caseloadv1.AllocateWorkerResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	c.Required("worker_id", req.GetWorkerId(), maxIDLen)
	c.Required("team_id", req.GetTeamId(), maxIDLen)
	start := c.RequiredDate("start_date", req.GetStartDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &caseloadv1.AllocateWorkerResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx caseload.MilestoneTx) error {
		_, a, err := s.svc.Allocate(tx, req.GetChildId(), req.GetWorkerId(), req.GetTeamId(), start)
		if err != nil {
			return err
		}
		resp.Allocation = allocationPB(a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// ListAllocations returns the child's allocations, newest first.
func (s *Server) ListAllocations(_ context.Context, req *caseloadv1.ListAllocationsRequest) (*caseloadv1.ListAllocationsResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	if err := c.err(); err != nil {
		return nil, err
	}
	ch, err := s.child(req.GetChildId())
	if err != nil {
		return nil, err
	}
	resp := &caseloadv1.ListAllocationsResponse{Allocations: make([]*caseloadv1.Allocation, len(ch.Allocations))}
	for i, a := range ch.Allocations {
		resp.Allocations[len(ch.Allocations)-1-i] = allocationPB(a)
	}
	return resp, nil
}
