package reconcile

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// GRPCSource asks the three source services over gRPC, through their read
// RPCs: caseload ListChildren and GetLegalCategory, placement ListPlacements
// and ListPlacementHistory, careleaver ListCareLeavers.
type GRPCSource struct {
	Caseload   caseloadv1.CaseloadServiceClient
	Placement  placementv1.PlacementServiceClient
	CareLeaver careleaverv1.CareLeaverServiceClient
	// CallTimeout bounds each call (10 s if 0).
	CallTimeout time.Duration
	// Parallel is how many per-child calls run at once (8 if 0).
	Parallel int
}

const pageSize = 500

func (s *GRPCSource) call(ctx context.Context) (context.Context, context.CancelFunc) {
	t := s.CallTimeout
	if t <= 0 {
		t = 10 * time.Second
	}
	return context.WithTimeout(ctx, t)
}

func (s *GRPCSource) parallel() int {
	if s.Parallel <= 0 {
		return 8
	}
	return s.Parallel
}

// Care lists every child and asks for each one's legal category on d.
func (s *GRPCSource) Care(ctx context.Context, d clock.Date) (map[string]CareFacts, error) {
	var ids []string
	token := ""
	for {
		cctx, cancel := s.call(ctx)
		resp, err := s.Caseload.ListChildren(cctx, &caseloadv1.ListChildrenRequest{PageSize: pageSize, PageToken: token})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("ListChildren: %w", err)
		}
		for _, c := range resp.GetChildren() {
			ids = append(ids, c.GetChildId())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	out := make(map[string]CareFacts, len(ids))
	var mu sync.Mutex
	err := parallel(ctx, s.parallel(), ids, func(gctx context.Context, id string) error {
		cctx, cancel := s.call(gctx)
		defer cancel()
		lc, err := s.Caseload.GetLegalCategory(cctx, &caseloadv1.GetLegalCategoryRequest{ChildId: id, AsAtDate: d.String()})
		if err != nil {
			return fmt.Errorf("GetLegalCategory %s: %w", id, err)
		}
		counted := lc.GetCountedAsLookedAfter()
		mu.Lock()
		out[id] = CareFacts{Counted: counted, UASC: counted && lc.GetUasc()}
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Placements lists the placements open on d; a temporary one is resolved
// to the placement it interrupted through the child's placement history.
func (s *GRPCSource) Placements(ctx context.Context, d clock.Date) (map[string]projection.Placement, error) {
	open := map[string]*placementv1.Placement{}
	token := ""
	for {
		cctx, cancel := s.call(ctx)
		resp, err := s.Placement.ListPlacements(cctx, &placementv1.ListPlacementsRequest{PageSize: pageSize, PageToken: token, AsAtDate: d.String()})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("ListPlacements: %w", err)
		}
		for _, p := range resp.GetPlacements() {
			// A move on d ends one placement and starts the next on the same
			// day: the later start is the one in force.
			if cur := open[p.GetChildId()]; cur == nil || cur.GetStartDate() <= p.GetStartDate() {
				open[p.GetChildId()] = p
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	out := make(map[string]projection.Placement, len(open))
	var temporary []string
	for id, p := range open {
		if p.GetTemporary() || codes.IsTemporary(p.GetPlacementType()) {
			temporary = append(temporary, id)
		} else {
			out[id] = fromPlacement(p)
		}
	}
	var mu sync.Mutex
	err := parallel(ctx, s.parallel(), temporary, func(gctx context.Context, id string) error {
		p := open[id]
		cctx, cancel := s.call(gctx)
		defer cancel()
		h, err := s.Placement.ListPlacementHistory(cctx, &placementv1.ListPlacementHistoryRequest{ChildId: id})
		if err != nil {
			return fmt.Errorf("ListPlacementHistory %s: %w", id, err)
		}
		for _, prev := range h.GetPlacements() {
			if prev.GetPlacementId() == p.GetInterruptedPlacementId() {
				mu.Lock()
				out[id] = fromPlacement(prev)
				mu.Unlock()
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func fromPlacement(p *placementv1.Placement) projection.Placement {
	return FromFacts(p.GetPlacementType(), p.GetPlacementGroup(), p.GetLocation(), p.GetDistanceBand())
}

// CareLeavers lists the care-leaver records open on d.
func (s *GRPCSource) CareLeavers(ctx context.Context, d clock.Date) (map[string]LeaverFacts, error) {
	out := map[string]LeaverFacts{}
	token := ""
	for {
		cctx, cancel := s.call(ctx)
		resp, err := s.CareLeaver.ListCareLeavers(cctx, &careleaverv1.ListCareLeaversRequest{PageSize: pageSize, PageToken: token, AsAtDate: d.String()})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("ListCareLeavers: %w", err)
		}
		for _, cl := range resp.GetCareLeavers() {
			if !openOn(cl, d) {
				continue
			}
			f := LeaverFacts{AgeBand: cl.GetAgeBand()}
			if c := cl.GetLatestContact(); c != nil {
				f.Contact = projection.Contact{InTouch: c.GetInTouch(), Activity: c.GetActivity(), Accommodation: c.GetAccommodation()}
			}
			out[cl.GetChildId()] = f
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out, nil
}

// openOn: the list is of records open on d; a record answered with its
// state of today (closed since) still counts if it closed after d.
func openOn(cl *careleaverv1.CareLeaver, d clock.Date) bool {
	if cl.GetOpen() {
		return true
	}
	closed, err := clock.ParseDate(cl.GetClosedDate())
	return err == nil && closed.After(d)
}

// parallel runs fn for every item, at most n at once, and returns the
// first error (cancelling the rest).
func parallel(ctx context.Context, n int, items []string, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for _, it := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, it); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}
