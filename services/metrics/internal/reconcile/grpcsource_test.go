package reconcile

import (
	"context"
	"net"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
)

// The source services' read RPCs, answered from an EventSource, so that
// GRPCSource (paging, temporary placements, the mapping of each field) can
// be tested over real gRPC before the services exist. The cross-service
// test against the real caseload, placement and careleaver servers comes
// with them.

const testPage = 7 // small, so paging is exercised

func page[T any](items []T, token string) ([]T, string) {
	start, _ := strconv.Atoi(token)
	end := min(start+testPage, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next
}

type caseloadRead struct {
	caseloadv1.UnimplementedCaseloadServiceServer
	src *EventSource
}

func (s *caseloadRead) ListChildren(_ context.Context, r *caseloadv1.ListChildrenRequest) (*caseloadv1.ListChildrenResponse, error) {
	care, _ := s.src.Care(context.Background(), clock.MustParseDate("9999-12-31"))
	var ids []string
	for id := range care {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ids, next := page(ids, r.GetPageToken())
	resp := &caseloadv1.ListChildrenResponse{NextPageToken: next}
	for _, id := range ids {
		resp.Children = append(resp.Children, &caseloadv1.Child{ChildId: id})
	}
	return resp, nil
}

func (s *caseloadRead) GetLegalCategory(ctx context.Context, r *caseloadv1.GetLegalCategoryRequest) (*caseloadv1.GetLegalCategoryResponse, error) {
	care, _ := s.src.Care(ctx, clock.MustParseDate(r.GetAsAtDate()))
	c := care[r.GetChildId()]
	return &caseloadv1.GetLegalCategoryResponse{ChildId: r.GetChildId(), AsAtDate: r.GetAsAtDate(), CountedAsLookedAfter: c.Counted, LookedAfter: c.Counted, Uasc: c.UASC}, nil
}

type placementRead struct {
	placementv1.UnimplementedPlacementServiceServer
	src *EventSource
}

func toPlacement(child string, f *placementv1.PlacementFacts) *placementv1.Placement {
	return &placementv1.Placement{PlacementId: f.GetPlacementId(), ChildId: child, PlacementType: f.GetPlacementType(), PlacementGroup: string(codes.GroupOf(f.GetPlacementType())),
		Location: f.GetLocation(), DistanceBand: f.GetDistanceBand(), Temporary: codes.IsTemporary(f.GetPlacementType()), StartDate: "2000-01-01"}
}

func (s *placementRead) ListPlacements(_ context.Context, r *placementv1.ListPlacementsRequest) (*placementv1.ListPlacementsResponse, error) {
	recs := s.src.placementsOn(clock.MustParseDate(r.GetAsAtDate()))
	var ids []string
	for id := range recs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ids, next := page(ids, r.GetPageToken())
	resp := &placementv1.ListPlacementsResponse{NextPageToken: next}
	for _, id := range ids {
		p := toPlacement(id, recs[id].Facts)
		if i := recs[id].Interrupted; i != nil {
			p.InterruptedPlacementId = i.GetPlacementId()
		}
		resp.Placements = append(resp.Placements, p)
	}
	return resp, nil
}

func (s *placementRead) ListPlacementHistory(_ context.Context, r *placementv1.ListPlacementHistoryRequest) (*placementv1.ListPlacementHistoryResponse, error) {
	resp := &placementv1.ListPlacementHistoryResponse{}
	s.src.mu.Lock()
	defer s.src.mu.Unlock()
	for _, m := range s.src.evs {
		ev, ok := m.(*placementv1.PlacementEvent)
		if !ok || ev.GetChildId() != r.GetChildId() {
			continue
		}
		for _, f := range []*placementv1.PlacementFacts{ev.GetStarted().GetPlacement(), ev.GetChanged().GetPlacement(), ev.GetTemporaryEnded().GetPlacement(), ev.GetTemporaryStarted().GetPlacement()} {
			if f != nil {
				resp.Placements = append(resp.Placements, toPlacement(ev.GetChildId(), f))
			}
		}
	}
	return resp, nil
}

type careLeaverRead struct {
	careleaverv1.UnimplementedCareLeaverServiceServer
	src *EventSource
}

func (s *careLeaverRead) ListCareLeavers(_ context.Context, r *careleaverv1.ListCareLeaversRequest) (*careleaverv1.ListCareLeaversResponse, error) {
	recs := s.src.leaversOn(clock.MustParseDate(r.GetAsAtDate()))
	var ids []string
	for id, rec := range recs {
		if rec.Open {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	ids, next := page(ids, r.GetPageToken())
	resp := &careleaverv1.ListCareLeaversResponse{NextPageToken: next}
	for _, id := range ids {
		rec := recs[id]
		cl := &careleaverv1.CareLeaver{ChildId: id, AgeBand: rec.AgeBand, Open: true}
		if c := rec.Latest; c != nil {
			cl.LatestContact = &careleaverv1.Contact{ContactId: c.GetContactId(), InTouch: c.GetInTouch(), Activity: c.GetActivity(), Accommodation: c.GetAccommodation()}
		}
		resp.CareLeavers = append(resp.CareLeavers, cl)
	}
	return resp, nil
}

func serveSources(t *testing.T, src *EventSource) *GRPCSource {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	caseloadv1.RegisterCaseloadServiceServer(s, &caseloadRead{src: src})
	placementv1.RegisterPlacementServiceServer(s, &placementRead{src: src})
	careleaverv1.RegisterCareLeaverServiceServer(s, &careLeaverRead{src: src})
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &GRPCSource{
		Caseload:   caseloadv1.NewCaseloadServiceClient(conn),
		Placement:  placementv1.NewPlacementServiceClient(conn),
		CareLeaver: careleaverv1.NewCareLeaverServiceClient(conn),
		Parallel:   4,
	}
}

func TestGRPCSourceReadsTheSourceServicesContract(t *testing.T) {
	evs := eventstest.Scenario(5, 80, today)
	evs = append(evs, // one child in a temporary placement today
		eventstest.PeriodStarted("tmp", "2026-01-10", "C2", false),
		eventstest.PlacementStarted("tmp", "2026-01-10", eventstest.Inside("tmp-1", "K3")),
		eventstest.TemporaryStarted("tmp", "2026-03-30", "T1"))
	src := NewEventSource(evs...)
	g := serveSources(t, src)
	ctx := context.Background()
	for _, ds := range dates {
		d := clock.MustParseDate(ds)
		want, err := Facts(ctx, src, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Facts(ctx, g, d)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: gRPC facts differ from the events' (%d vs %d children)", ds, len(got), len(want))
		}
	}
	f, _ := Facts(ctx, g, today)
	if p := f["tmp"].Placement; p.Type != "K3" || p.Group != codes.GroupSupportedAccommodation {
		t.Fatalf("temporary placement not resolved over gRPC: %+v", p)
	}
	// And the whole reconciliation over gRPC finds nothing to report.
	p := live(t, evs)
	rep, err := Reconcile(ctx, p, g, today)
	if err != nil || len(rep.Differences) != 0 {
		t.Fatalf("reconcile over gRPC: %+v %v", rep.Differences, err)
	}
}

func TestGRPCSourceFailsWhenAServiceIsDown(t *testing.T) {
	conn, err := grpc.NewClient("127.0.0.1:1", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	g := &GRPCSource{Caseload: caseloadv1.NewCaseloadServiceClient(conn), Placement: placementv1.NewPlacementServiceClient(conn), CareLeaver: careleaverv1.NewCareLeaverServiceClient(conn)}
	if _, err := Facts(context.Background(), g, today); err == nil {
		t.Fatal("no error with the sources down")
	}
}
