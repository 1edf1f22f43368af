package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// Clients are the services a plan is written through.
type Clients struct {
	Caseload   caseloadv1.CaseloadServiceClient
	Placement  placementv1.PlacementServiceClient
	CareLeaver careleaverv1.CareLeaverServiceClient
}

// Dial connects to the three services (plaintext, as on localhost) and
// returns the clients and a function closing the connections.
func Dial(caseloadAddr, placementAddr, careleaverAddr string) (Clients, func(), error) {
	var conns []*grpc.ClientConn
	closeAll := func() {
		for _, c := range conns {
			c.Close()
		}
	}
	dial := func(addr string) (*grpc.ClientConn, error) {
		c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, fmt.Errorf("seed: dial %s: %w", addr, err)
		}
		conns = append(conns, c)
		return c, nil
	}
	cl, err := dial(caseloadAddr)
	if err != nil {
		closeAll()
		return Clients{}, nil, err
	}
	pl, err := dial(placementAddr)
	if err != nil {
		closeAll()
		return Clients{}, nil, err
	}
	cr, err := dial(careleaverAddr)
	if err != nil {
		closeAll()
		return Clients{}, nil, err
	}
	return Clients{
		Caseload:   caseloadv1.NewCaseloadServiceClient(cl),
		Placement:  placementv1.NewPlacementServiceClient(pl),
		CareLeaver: careleaverv1.NewCareLeaverServiceClient(cr),
	}, closeAll, nil
}

// Tuning of Load.
const (
	// Workers is how many children are written at once. Each child's writes
	// are made one after another, in date order; children are independent.
	Workers = 32
	// callTimeout bounds one attempt of one call.
	callTimeout = 20 * time.Second
	// retryFor is how long a write that failed for a reason that can pass
	// (a service still starting, or caseload not yet holding a placement
	// the placement service has recorded) is retried.
	retryFor = 60 * time.Second
	// awaitRecord is how long Load waits for a care-leaver record to open
	// after caseload reports an eligible young person's care ended.
	awaitRecord = 60 * time.Second
)

// requestIDs returns the request_id of step i of the child with key:
// "seed/<first 12 hex digits of the plan's hash>/<key>/<i>". The same plan
// always makes the same request ids, so a second run (within the services'
// 48 hours of remembering them) returns the first run's responses and
// changes nothing; a different plan never reuses one.
func requestIDs(p *Scenario) func(key string, i int) string {
	prefix := "seed/" + p.Hash()[:12] + "/"
	return func(key string, i int) string { return fmt.Sprintf("%s%s/%d", prefix, key, i) }
}

// Load writes the plan through the services: first the Local Offer, then
// every child, Workers at a time, each child's steps in order. Progress is
// reported (from one goroutine, about ten times a second and once at the
// end) as writes done out of the plan's total; it may be nil.
//
// A refusal is a bug in the plan: Load stops and returns it with the field
// violations the service gave. Calls that fail because a service is not
// ready, and writes caseload refuses only because it has not yet applied a
// placement event it is about to, are retried for up to a minute.
//
// Each child's care-leaver writes wait for the record to open (the
// care-leaver service opens it when caseload reports that the young person
// left care eligible); they run after every child's care has been
// written, so the wait is seldom felt.
func Load(ctx context.Context, c Clients, p *Scenario, progress func(done, total int)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l := &loader{c: c, plan: p, ids: make([]string, len(p.Children)), requestID: requestIDs(p)}
	total := p.Writes()
	stop := make(chan struct{})
	var reporter sync.WaitGroup
	if progress != nil {
		reporter.Add(1)
		go func() {
			defer reporter.Done()
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					progress(int(l.done.Load()), total)
					return
				case <-t.C:
					progress(int(l.done.Load()), total)
				}
			}
		}()
	}
	err := l.run(ctx, cancel)
	close(stop)
	reporter.Wait()
	return err
}

type loader struct {
	c         Clients
	plan      *Scenario
	ids       []string // child ids issued by caseload, by index in the plan
	requestID func(key string, i int) string
	done      atomic.Int64
}

func (l *loader) run(ctx context.Context, cancel context.CancelCauseFunc) error {
	for _, e := range l.plan.Entitlements {
		req := &careleaverv1.PublishEntitlementRequest{
			RequestId: l.requestID("offer", 0) + "/" + e.ID,
			Entitlement: &careleaverv1.Entitlement{EntitlementId: e.ID, Title: e.Title, Description: e.Description,
				MinAge: int32(e.MinAge), MaxAge: int32(e.MaxAge)},
		}
		if err := l.call(ctx, "publish entitlement "+e.ID, false, func(ctx context.Context) error {
			_, err := l.c.CareLeaver.PublishEntitlement(ctx, req)
			return err
		}); err != nil {
			return err
		}
		l.done.Add(1)
	}
	// Phase 1: each child's care, up to the first care-leaver write.
	// Phase 2: the care-leaver writes, once records have had time to open.
	split := make([]int, len(l.plan.Children))
	for i, c := range l.plan.Children {
		split[i] = len(c.Steps)
		for j, s := range c.Steps {
			if s.Op.CareLeaverOp() {
				split[i] = j
				break
			}
		}
	}
	for phase := range 2 {
		work := make(chan int)
		var wg sync.WaitGroup
		for range Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					c := l.plan.Children[i]
					from, to := 0, split[i]
					if phase == 1 {
						from, to = split[i], len(c.Steps)
					}
					if err := l.child(ctx, i, from, to); err != nil {
						cancel(err)
						return
					}
				}
			}()
		}
	feed:
		for i := range l.plan.Children {
			select {
			case work <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		if err := context.Cause(ctx); err != nil {
			return err
		}
	}
	return nil
}

// child makes steps [from, to) of child i.
func (l *loader) child(ctx context.Context, i, from, to int) error {
	c := l.plan.Children[i]
	for j := from; j < to; j++ {
		s := c.Steps[j]
		if s.Op.CareLeaverOp() && j == from {
			if err := l.awaitRecord(ctx, l.ids[i]); err != nil {
				return fmt.Errorf("seed: child %s (%s): %w", c.Key, c.Cohort, err)
			}
		}
		if err := l.step(ctx, i, j); err != nil {
			return fmt.Errorf("seed: child %s (%s, born %s) step %d %s on %s: %w", c.Key, c.Cohort, c.DOB, j, s.Op, s.Date, err)
		}
		l.done.Add(1)
	}
	return nil
}

// step makes one write.
func (l *loader) step(ctx context.Context, i, j int) error {
	c := l.plan.Children[i]
	s := c.Steps[j]
	rid := l.requestID(c.Key, j)
	id := l.ids[i]
	date := s.Date.String()
	cl, pl, cr := l.c.Caseload, l.c.Placement, l.c.CareLeaver
	switch s.Op {
	case OpRegister:
		return l.register(ctx, i, rid)
	case OpSetUASC:
		req := &caseloadv1.SetUascStatusRequest{RequestId: rid, ChildId: id, EffectiveDate: date,
			Uasc: &caseloadv1.UascStatus{IsUasc: true, CeasedDate: s.UASCCeased.String()}}
		return l.call(ctx, "SetUascStatus", false, func(ctx context.Context) error { _, err := cl.SetUascStatus(ctx, req); return err })
	case OpAllocateWorker:
		req := &caseloadv1.AllocateWorkerRequest{RequestId: rid, ChildId: id, WorkerId: s.WorkerID, TeamId: s.TeamID, StartDate: date}
		return l.call(ctx, "AllocateWorker", false, func(ctx context.Context) error { _, err := cl.AllocateWorker(ctx, req); return err })
	case OpStartPeriod:
		req := &caseloadv1.StartPeriodOfCareRequest{RequestId: rid, ChildId: id, StartDate: date, LegalStatus: s.LegalStatus, CategoryOfNeed: s.CategoryOfNeed}
		return l.call(ctx, "StartPeriodOfCare", false, func(ctx context.Context) error { _, err := cl.StartPeriodOfCare(ctx, req); return err })
	case OpChangeLegalStatus:
		req := &caseloadv1.ChangeLegalStatusRequest{RequestId: rid, ChildId: id, EffectiveDate: date, LegalStatus: s.LegalStatus}
		return l.call(ctx, "ChangeLegalStatus", true, func(ctx context.Context) error { _, err := cl.ChangeLegalStatus(ctx, req); return err })
	case OpEndPeriod:
		req := &caseloadv1.EndPeriodOfCareRequest{RequestId: rid, ChildId: id, EndDate: date, ReasonCeased: s.ReasonCeased}
		var resp *caseloadv1.EndPeriodOfCareResponse
		err := l.call(ctx, "EndPeriodOfCare", true, func(ctx context.Context) (err error) { resp, err = cl.EndPeriodOfCare(ctx, req); return err })
		if err != nil {
			return err
		}
		if eligible := resp.GetLeavingCareStatus() == caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE; eligible != s.ExpectCareLeaver {
			return fmt.Errorf("caseload says the young person leaves care %s; the plan expects care leaver=%v (plan bug or caseload bug)",
				resp.GetLeavingCareStatus(), s.ExpectCareLeaver)
		}
		return nil
	case OpStartPlacement:
		req := &placementv1.StartPlacementRequest{RequestId: rid, ChildId: id, StartDate: date, Details: details(s.Placement)}
		return l.call(ctx, "StartPlacement", false, func(ctx context.Context) error { _, err := pl.StartPlacement(ctx, req); return err })
	case OpChangePlacement:
		req := &placementv1.ChangePlacementRequest{RequestId: rid, ChildId: id, ChangeDate: date, ReasonForChange: s.ReasonForChange, Details: details(s.Placement)}
		return l.call(ctx, "ChangePlacement", false, func(ctx context.Context) error { _, err := pl.ChangePlacement(ctx, req); return err })
	case OpEndPlacement:
		req := &placementv1.EndPlacementRequest{RequestId: rid, ChildId: id, EndDate: date}
		return l.call(ctx, "EndPlacement", false, func(ctx context.Context) error { _, err := pl.EndPlacement(ctx, req); return err })
	case OpStartTemporary:
		req := &placementv1.StartTemporaryPlacementRequest{RequestId: rid, ChildId: id, StartDate: date, PlacementType: s.TemporaryType, PlacementLocalAuthority: s.TemporaryLA}
		return l.call(ctx, "StartTemporaryPlacement", false, func(ctx context.Context) error { _, err := pl.StartTemporaryPlacement(ctx, req); return err })
	case OpEndTemporary:
		req := &placementv1.EndTemporaryPlacementRequest{RequestId: rid, ChildId: id, EndDate: date}
		return l.call(ctx, "EndTemporaryPlacement", false, func(ctx context.Context) error { _, err := pl.EndTemporaryPlacement(ctx, req); return err })
	case OpAllocateAdviser:
		req := &careleaverv1.AllocatePersonalAdviserRequest{RequestId: rid, ChildId: id, AdviserId: s.AdviserID, StartDate: date}
		return l.call(ctx, "AllocatePersonalAdviser", false, func(ctx context.Context) error { _, err := cr.AllocatePersonalAdviser(ctx, req); return err })
	case OpPathwayReview:
		req := &careleaverv1.RecordPathwayPlanReviewRequest{RequestId: rid, ChildId: id, ReviewDate: date}
		return l.call(ctx, "RecordPathwayPlanReview", false, func(ctx context.Context) error { _, err := cr.RecordPathwayPlanReview(ctx, req); return err })
	case OpContact:
		req := &careleaverv1.RecordContactRequest{RequestId: rid, ChildId: id, ContactDate: date,
			InTouch: s.Contact.InTouch, Activity: s.Contact.Activity, Accommodation: s.Contact.Accommodation}
		return l.call(ctx, "RecordContact", false, func(ctx context.Context) error { _, err := cr.RecordContact(ctx, req); return err })
	case OpCloseCareLeaver:
		reason := careleaverv1.ClosingReason(careleaverv1.ClosingReason_value["CLOSING_REASON_"+s.ClosingReason])
		req := &careleaverv1.CloseCareLeaverRequest{RequestId: rid, ChildId: id, ClosedDate: date, Reason: reason}
		return l.call(ctx, "CloseCareLeaver", false, func(ctx context.Context) error { _, err := cr.CloseCareLeaver(ctx, req); return err })
	case OpTakeUp:
		req := &careleaverv1.RecordEntitlementTakeUpRequest{RequestId: rid,
			TakeUp: &careleaverv1.TakeUp{ChildId: id, EntitlementId: s.EntitlementID, TakeUpDate: date}}
		return l.call(ctx, "RecordEntitlementTakeUp", false, func(ctx context.Context) error { _, err := cr.RecordEntitlementTakeUp(ctx, req); return err })
	}
	return fmt.Errorf("unknown step %q", s.Op)
}

// register registers the child and keeps the child id caseload issues. A
// second run gets the same id back (same request id); if caseload no
// longer remembers the request, the child is found by the council's id.
func (l *loader) register(ctx context.Context, i int, rid string) error {
	c := l.plan.Children[i]
	req := &caseloadv1.RegisterChildRequest{RequestId: rid, LaChildId: c.LAChildID, GivenName: c.GivenName,
		FamilyName: c.FamilyName, DateOfBirth: c.DOB.String(), Sex: c.Sex, Ethnicity: c.Ethnicity}
	var resp *caseloadv1.RegisterChildResponse
	err := l.call(ctx, "RegisterChild", false, func(ctx context.Context) (err error) {
		resp, err = l.c.Caseload.RegisterChild(ctx, req)
		return err
	})
	var ce *callError
	if errors.As(err, &ce) && status.Code(ce.err) == codes.AlreadyExists {
		var got *caseloadv1.GetChildResponse
		gerr := l.call(ctx, "GetChild", false, func(ctx context.Context) (err error) {
			got, err = l.c.Caseload.GetChild(ctx, &caseloadv1.GetChildRequest{LaChildId: c.LAChildID})
			return err
		})
		if gerr != nil || got.GetChild().GetDateOfBirth() != c.DOB.String() {
			return err
		}
		l.ids[i] = got.GetChild().GetChildId()
		return nil
	}
	if err != nil {
		return err
	}
	l.ids[i] = resp.GetChild().GetChildId()
	return nil
}

// awaitRecord waits until the care-leaver service holds the young person's
// record.
func (l *loader) awaitRecord(ctx context.Context, childID string) error {
	deadline := time.Now().Add(awaitRecord)
	wait := 5 * time.Millisecond
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := l.c.CareLeaver.GetCareLeaver(cctx, &careleaverv1.GetCareLeaverRequest{ChildId: childID})
		cancel()
		switch code := status.Code(err); {
		case err == nil:
			return nil
		case code != codes.NotFound && code != codes.Unavailable:
			return fmt.Errorf("waiting for the care-leaver record: %w", err)
		case time.Now().After(deadline):
			return fmt.Errorf("the care-leaver record did not open within %v of the young person leaving care eligible: %w", awaitRecord, err)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// call makes one call with retries: for codes that pass (Unavailable while
// a service starts, and the like), and when stale is set for refusals that
// come from caseload not yet having applied a placement event (its copy of
// the child's placements is fed by events, so a legal-status change or the
// end of a period right after a placement write can be checked against the
// placement before it).
func (l *loader) call(ctx context.Context, what string, stale bool, fn func(context.Context) error) error {
	deadline := time.Now().Add(retryFor)
	wait := 20 * time.Millisecond
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		err := fn(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if !(transient(err) || stale && placementDependent(err)) || time.Now().After(deadline) {
			return &callError{what: what, err: err}
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(wait*2, time.Second)
	}
}

func transient(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return true
	}
	return false
}

// placementDependentRules are the 903 rules a caseload write is checked
// against with caseload's event-fed copy of the child's placements: the
// legal status / placement pairs and the last placement of a period.
var placementDependentRules = map[string]bool{
	"903:355": true, "903:378": true, "903:381": true, "903:382": true, "903:384": true, "903:390": true,
	"903:398": true, "903:408": true, "903:516": true, "903:217": true, "903:1015": true,
}

// placementDependent reports a refusal every one of whose violations is a
// rule read against caseload's copy of the placements.
func placementDependent(err error) bool {
	st, ok := status.FromError(err)
	if !ok || (st.Code() != codes.InvalidArgument && st.Code() != codes.FailedPrecondition) {
		return false
	}
	n := 0
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				rule := v.GetReason()
				if rule == "" {
					rule = ruleOf(v.GetDescription())
				}
				if !placementDependentRules[rule] {
					return false
				}
				n++
			}
		}
	}
	return n > 0
}

// ruleOf reads the rule id at the front of a violation's description
// ("903:358: ...").
func ruleOf(desc string) string {
	if i := strings.Index(desc, ": "); i > 0 {
		return desc[:i]
	}
	return ""
}

// callError is a failed call: which, and the gRPC error (kept for
// status.Code and errors.As).
type callError struct {
	what string
	err  error
}

func (e *callError) Error() string { return e.what + ": " + Describe(e.err) }
func (e *callError) Unwrap() error { return e.err }

// Describe renders a gRPC error with its field violations, one per line.
func Describe(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %s", st.Code(), st.Message())
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fmt.Fprintf(&sb, "\n    %s: %s", v.GetField(), v.GetDescription())
				if r := v.GetReason(); r != "" && !strings.HasPrefix(v.GetDescription(), r) {
					fmt.Fprintf(&sb, " (%s)", r)
				}
			}
		}
	}
	return sb.String()
}

func details(p *Placement) *placementv1.PlacementDetails {
	d := &placementv1.PlacementDetails{PlacementType: p.Type, Provider: p.Provider, Urn: p.URN, CarerId: p.CarerID, PlacementLocalAuthority: p.LA}
	if p.Home != nil && p.Grid != nil {
		d.HomeGrid = &placementv1.GridReference{Easting: p.Home.Easting, Northing: p.Home.Northing}
		d.PlacementGrid = &placementv1.GridReference{Easting: p.Grid.Easting, Northing: p.Grid.Northing}
	}
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
