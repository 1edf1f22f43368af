// Package server is the care-leaver service's gRPC adapter: it checks the
// shape of each request, turns it into a domain call, and turns the result
// back into the contract's messages. It holds no business rule; domain
// errors are mapped to gRPC status codes by pkg/grpcserver's interceptor, in
// one place.
package server

import (
	"context"
	"slices"
	"time"

	"google.golang.org/grpc"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	"github.com/corporate-parenting/suite/pkg/reqcheck"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/store"
)

// Server implements careleaver.v1.CareLeaverService.
type Server struct {
	careleaverv1.UnimplementedCareLeaverServiceServer
	svc    *careleaver.Service
	store  *store.Store
	clock  clock.Clock
	window careleaver.BirthdayWindow
}

// New returns the adapter over the domain service and the store; window is
// the birthday-contact window of every record returned.
func New(svc *careleaver.Service, st *store.Store, clk clock.Clock, window careleaver.BirthdayWindow) *Server {
	if clk == nil {
		clk = clock.System
	}
	return &Server{svc: svc, store: st, clock: clk, window: window}
}

// Register registers the service on a gRPC server.
func (s *Server) Register(g *grpc.Server) { careleaverv1.RegisterCareLeaverServiceServer(g, s) }

func (s *Server) today() clock.Date { return clock.Today(s.clock) }

// view is the record as at d, read in the same write transaction.
func (s *Server) view(tx careleaver.Tx, childID string, d clock.Date) (*careleaverv1.CareLeaver, error) {
	c, ok, err := tx.CareLeaver(childID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.Internalf("care leaver %s vanished inside its own transaction", childID)
	}
	v, err := careleaver.ViewOn(c, d, s.window, tx)
	if err != nil {
		return nil, err
	}
	return careLeaverPB(v), nil
}

// OpenCareLeaver opens a record by hand, checked against caseload's legal
// category on opened_date.
func (s *Server) OpenCareLeaver(ctx context.Context, req *careleaverv1.OpenCareLeaverRequest) (*careleaverv1.OpenCareLeaverResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	opened := c.RequiredDate("opened_date", req.GetOpenedDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &careleaverv1.OpenCareLeaverResponse{}
	// A retry must not depend on caseload answering again.
	if found, err := s.store.Replay(req.GetRequestId(), req, resp); err != nil || found {
		return resp, err
	}
	o, err := s.svc.PrepareOpening(ctx, req.GetChildId(), opened)
	if err != nil {
		return nil, err
	}
	err = s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		if _, err := s.svc.Open(tx, o); err != nil {
			return err
		}
		var err error
		resp.CareLeaver, err = s.view(tx, o.ChildID, s.today())
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// GetCareLeaver returns one record as at a date (today by default).
func (s *Server) GetCareLeaver(_ context.Context, req *careleaverv1.GetCareLeaverRequest) (*careleaverv1.GetCareLeaverResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	asAt := c.Date("as_at_date", req.GetAsAtDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	if asAt.IsZero() {
		asAt = s.today()
	}
	v, err := s.store.View(req.GetChildId(), asAt, s.window)
	if err != nil {
		return nil, err
	}
	resp := &careleaverv1.GetCareLeaverResponse{CareLeaver: careLeaverPB(v)}
	for _, a := range slices.Backward(v.Record.Advisers) {
		resp.AdviserHistory = append(resp.AdviserHistory, allocationPB(a))
	}
	return resp, nil
}

var ageBands = map[string]bool{"": true, "17_18": true, "19_21": true, "22_25": true}

// ListCareLeavers lists records open on a date, filtered, by child id.
func (s *Server) ListCareLeavers(_ context.Context, req *careleaverv1.ListCareLeaversRequest) (*careleaverv1.ListCareLeaversResponse, error) {
	var c checker
	size := c.PageSize(req.GetPageSize())
	after := c.pageToken("c", req.GetPageToken())
	asAt := c.Date("as_at_date", req.GetAsAtDate())
	c.Optional("adviser_id", req.GetAdviserId(), maxIDLen)
	if !ageBands[req.GetAgeBand()] {
		c.Add("age_band", "format", "age_band is 17_18, 19_21 or 22_25")
	}
	c.code("in_touch", req.GetInTouch())
	c.oneOf("eet", req.GetEet(), 2)
	c.oneOf("suitable_accommodation", req.GetSuitableAccommodation(), 2)
	if req.GetNoContactInDays() < 0 {
		c.Add("no_contact_in_days", "format", "no_contact_in_days must not be negative")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if asAt.IsZero() {
		asAt = s.today()
	}
	page, more, err := s.store.List(store.Query{
		AsAt:   asAt,
		Window: s.window,
		After:  string(after),
		Limit:  size,
		Filter: careleaver.Filter{
			AdviserID:             req.GetAdviserId(),
			AgeBand:               req.GetAgeBand(),
			InTouch:               req.GetInTouch(),
			EET:                   int(req.GetEet()),
			SuitableAccommodation: int(req.GetSuitableAccommodation()),
			PathwayPlanOverdue:    req.GetPathwayPlanOverdue(),
			NoContactInDays:       int(req.GetNoContactInDays()),
		},
	})
	if err != nil {
		return nil, err
	}
	resp := &careleaverv1.ListCareLeaversResponse{CareLeavers: make([]*careleaverv1.CareLeaver, len(page))}
	for i, v := range page {
		resp.CareLeavers[i] = careLeaverPB(v)
	}
	if more && len(page) > 0 {
		resp.NextPageToken = reqcheck.EncodePageToken("c", []byte(page[len(page)-1].Record.ChildID))
	}
	return resp, nil
}

// AllocatePersonalAdviser allocates a personal adviser from a date.
func (s *Server) AllocatePersonalAdviser(ctx context.Context, req *careleaverv1.AllocatePersonalAdviserRequest) (*careleaverv1.AllocatePersonalAdviserResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	c.Required("adviser_id", req.GetAdviserId(), maxIDLen)
	start := c.RequiredDate("start_date", req.GetStartDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &careleaverv1.AllocatePersonalAdviserResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		a, err := s.svc.AllocateAdviser(tx, req.GetChildId(), req.GetAdviserId(), start)
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

// RecordPathwayPlanReview records a pathway plan review.
func (s *Server) RecordPathwayPlanReview(ctx context.Context, req *careleaverv1.RecordPathwayPlanReviewRequest) (*careleaverv1.RecordPathwayPlanReviewResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	d := c.RequiredDate("review_date", req.GetReviewDate())
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &careleaverv1.RecordPathwayPlanReviewResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		cl, err := s.svc.RecordReview(tx, req.GetChildId(), d)
		if err != nil {
			return err
		}
		resp.PathwayPlan = pathwayPlanPB(cl.PathwayPlanOn(s.today()))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// RecordContact records a keeping-in-touch contact. The contact is checked
// (903 rules and the record) before the write transaction, so a refused
// contact never costs the group commit a re-run, and again inside it.
func (s *Server) RecordContact(ctx context.Context, req *careleaverv1.RecordContactRequest) (*careleaverv1.RecordContactResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	d := c.RequiredDate("contact_date", req.GetContactDate())
	c.code("in_touch", req.GetInTouch())
	c.code("activity", req.GetActivity())
	c.code("accommodation", req.GetAccommodation())
	if err := c.err(); err != nil {
		return nil, err
	}
	id, err := events.NewID()
	if err != nil {
		return nil, err
	}
	in := careleaver.Contact{ID: id, Date: d, InTouch: req.GetInTouch(), Activity: req.GetActivity(),
		Accommodation: req.GetAccommodation(), Recorded: s.clock.Now().UTC().Truncate(time.Microsecond)}
	resp := &careleaverv1.RecordContactResponse{}
	if err := s.precheckContact(req, resp, in); err != nil {
		return nil, err
	}
	if resp.Contact != nil {
		return resp, nil // a retry of a request recorded before
	}
	err = s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		got, _, err := s.svc.RecordContact(tx, req.GetChildId(), in)
		if err != nil {
			return err
		}
		resp.Contact = contactPB(got)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// precheckContact checks the contact against the record as it stands. When
// the check fails, a retry of a request recorded earlier (when it passed)
// still gets its first response, filled into resp.
func (s *Server) precheckContact(req *careleaverv1.RecordContactRequest, resp *careleaverv1.RecordContactResponse, in careleaver.Contact) error {
	cl, ok, err := s.store.CareLeaver(req.GetChildId())
	if err != nil {
		return err
	}
	checkErr := error(errs.NotFoundf("no care leaver with child_id %q", req.GetChildId()))
	if ok {
		checkErr = s.svc.CheckContact(cl, in)
	}
	if checkErr == nil {
		return nil
	}
	if found, err := s.store.Replay(req.GetRequestId(), req, resp); err != nil || found {
		return err
	}
	return checkErr
}

// ListContacts returns a care leaver's contacts, newest first.
func (s *Server) ListContacts(_ context.Context, req *careleaverv1.ListContactsRequest) (*careleaverv1.ListContactsResponse, error) {
	var c checker
	c.Required("child_id", req.GetChildId(), maxIDLen)
	size := c.PageSize(req.GetPageSize())
	after := c.pageToken("k", req.GetPageToken())
	if err := c.err(); err != nil {
		return nil, err
	}
	page, next, err := s.store.Contacts(req.GetChildId(), after, size)
	if err != nil {
		return nil, err
	}
	resp := &careleaverv1.ListContactsResponse{Contacts: make([]*careleaverv1.Contact, len(page))}
	for i, k := range page {
		resp.Contacts[i] = contactPB(k)
	}
	if next != nil {
		resp.NextPageToken = reqcheck.EncodePageToken("k", next)
	}
	return resp, nil
}

// CloseCareLeaver closes a record by hand.
func (s *Server) CloseCareLeaver(ctx context.Context, req *careleaverv1.CloseCareLeaverRequest) (*careleaverv1.CloseCareLeaverResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	c.Required("child_id", req.GetChildId(), maxIDLen)
	d := c.RequiredDate("closed_date", req.GetClosedDate())
	why, ok := store.ClosingReasonFromPB(req.GetReason())
	if !ok || why == careleaver.NotClosed {
		c.Add("reason", "required", "reason is NO_LONGER_REQUIRES_SERVICES, DIED or MOVED_AWAY")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	resp := &careleaverv1.CloseCareLeaverResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		if _, err := s.svc.Close(tx, req.GetChildId(), d, why); err != nil {
			return err
		}
		var err error
		resp.CareLeaver, err = s.view(tx, req.GetChildId(), s.today())
		return err
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// PublishEntitlement adds or updates an entitlement of the Local Offer.
func (s *Server) PublishEntitlement(ctx context.Context, req *careleaverv1.PublishEntitlementRequest) (*careleaverv1.PublishEntitlementResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	e := req.GetEntitlement()
	if e == nil {
		c.Add("entitlement", "required", "entitlement is required")
	} else {
		c.slug("entitlement.entitlement_id", e.GetEntitlementId())
		c.Required("entitlement.title", e.GetTitle(), maxTitleLen)
		c.Optional("entitlement.description", e.GetDescription(), maxDescLen)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	in := careleaver.Entitlement{ID: e.GetEntitlementId(), Title: e.GetTitle(), Description: e.GetDescription(),
		MinAge: int(e.GetMinAge()), MaxAge: int(e.GetMaxAge())}
	if err := careleaver.CheckEntitlement(in); err != nil {
		return nil, err
	}
	resp := &careleaverv1.PublishEntitlementResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		got, err := s.svc.PublishEntitlement(tx, in)
		if err != nil {
			return err
		}
		resp.Entitlement = entitlementPB(got)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// ListEntitlements lists the Local Offer by id.
func (s *Server) ListEntitlements(context.Context, *careleaverv1.ListEntitlementsRequest) (*careleaverv1.ListEntitlementsResponse, error) {
	all, err := s.store.Entitlements()
	if err != nil {
		return nil, err
	}
	resp := &careleaverv1.ListEntitlementsResponse{Entitlements: make([]*careleaverv1.Entitlement, len(all))}
	for i, e := range all {
		resp.Entitlements[i] = entitlementPB(e)
	}
	return resp, nil
}

// RecordEntitlementTakeUp records a care leaver taking up an entitlement.
func (s *Server) RecordEntitlementTakeUp(ctx context.Context, req *careleaverv1.RecordEntitlementTakeUpRequest) (*careleaverv1.RecordEntitlementTakeUpResponse, error) {
	var c checker
	c.RequestID(req.GetRequestId())
	t := req.GetTakeUp()
	var d clock.Date
	if t == nil {
		c.Add("take_up", "required", "take_up is required")
	} else {
		c.Required("take_up.child_id", t.GetChildId(), maxIDLen)
		c.slug("take_up.entitlement_id", t.GetEntitlementId())
		d = c.RequiredDate("take_up.take_up_date", t.GetTakeUpDate())
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	in := careleaver.TakeUp{ChildID: t.GetChildId(), EntitlementID: t.GetEntitlementId(), Date: d}
	resp := &careleaverv1.RecordEntitlementTakeUpResponse{}
	err := s.store.Write(ctx, req.GetRequestId(), req, resp, func(tx careleaver.Tx) error {
		if err := s.svc.RecordTakeUp(tx, in); err != nil {
			return err
		}
		resp.TakeUp = takeUpPB(in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// ListEntitlementTakeUp lists take-up by entitlement, by care leaver, or all.
func (s *Server) ListEntitlementTakeUp(_ context.Context, req *careleaverv1.ListEntitlementTakeUpRequest) (*careleaverv1.ListEntitlementTakeUpResponse, error) {
	var c checker
	c.Optional("entitlement_id", req.GetEntitlementId(), maxIDLen)
	c.Optional("child_id", req.GetChildId(), maxIDLen)
	size := c.PageSize(req.GetPageSize())
	after := c.pageToken("t", req.GetPageToken())
	if err := c.err(); err != nil {
		return nil, err
	}
	page, next, err := s.store.TakeUps(store.TakeUpQuery{EntitlementID: req.GetEntitlementId(), ChildID: req.GetChildId(),
		After: after, Limit: size})
	if err != nil {
		return nil, err
	}
	resp := &careleaverv1.ListEntitlementTakeUpResponse{TakeUps: make([]*careleaverv1.TakeUp, len(page))}
	for i, t := range page {
		resp.TakeUps[i] = takeUpPB(t)
	}
	if next != nil {
		resp.NextPageToken = reqcheck.EncodePageToken("t", next)
	}
	return resp, nil
}
