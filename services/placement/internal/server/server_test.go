package server_test

import (
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"

	"github.com/corporate-parenting/suite/services/placement/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

func TestRequestShape(t *testing.T) {
	e := start(t)
	child := e.cl.Child(t, testenv.ChildSpec{})
	ctx := e.ctx()
	good := func() *placementv1.StartPlacementRequest {
		return &placementv1.StartPlacementRequest{RequestId: e.reqID(), ChildId: child, StartDate: "2025-04-01", Details: fosterDetails()}
	}
	tests := []struct {
		name  string
		edit  func(r *placementv1.StartPlacementRequest)
		field string
		rule  string
	}{
		{"request_id", func(r *placementv1.StartPlacementRequest) { r.RequestId = "" }, "request_id", "required"},
		{"child_id", func(r *placementv1.StartPlacementRequest) { r.ChildId = "" }, "child_id", "required"},
		{"start_date missing", func(r *placementv1.StartPlacementRequest) { r.StartDate = "" }, "start_date", "required"},
		{"start_date format", func(r *placementv1.StartPlacementRequest) { r.StartDate = "01/04/2025" }, "start_date", "format"},
		{"details missing", func(r *placementv1.StartPlacementRequest) { r.Details = nil }, "details.placement_type", "required"},
		{"lower-case code", func(r *placementv1.StartPlacementRequest) { r.Details.PlacementType = "u4" }, "details.placement_type", "format"},
		{"placement grid without home", func(r *placementv1.StartPlacementRequest) {
			r.Details.PlacementGrid = &placementv1.GridReference{Easting: 1, Northing: 1}
		}, "details.home_grid", "required"},
		{"grid off the national grid", func(r *placementv1.StartPlacementRequest) {
			r.Details = withGrid(r.Details, -5, 1, 1, 1)
		}, "details.home_grid", "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			tt.edit(r)
			_, err := e.api.StartPlacement(ctx, r)
			if code(err) != codes.InvalidArgument || !hasViolation(err, tt.field, tt.rule) {
				t.Errorf("%v: want InvalidArgument with %s on %s", err, tt.rule, tt.field)
			}
		})
	}
	if len(e.history(child)) != 0 || e.outbox() != 0 {
		t.Error("a malformed request wrote something")
	}
	for _, req := range []*placementv1.ListPlacementsRequest{
		{PageToken: "not-a-token"}, {PageSize: -1}, {Location: placementv1.Location_LOCATION_NOT_KNOWN},
		{PlacementGroup: "fostering"}, {AsAtDate: "yesterday"},
	} {
		if _, err := e.api.ListPlacements(ctx, req); code(err) != codes.InvalidArgument {
			t.Errorf("ListPlacements(%v): %v, want InvalidArgument", req, err)
		}
	}
}

// A retry with the same request_id returns the first response, even when
// caseload has gone away meanwhile; the same id with another request is
// AlreadyExists. Either way one placement and one event.
func TestIdempotentRetry(t *testing.T) {
	e := start(t)
	child := e.cl.Child(t, testenv.ChildSpec{})
	ctx := e.ctx()
	req := &placementv1.StartPlacementRequest{RequestId: "same", ChildId: child, StartDate: "2025-04-01", Details: fosterDetails()}
	first, err := e.api.StartPlacement(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	e.cl.Stop()
	again, err := e.api.StartPlacement(ctx, req)
	if err != nil || !proto.Equal(first, again) {
		t.Fatalf("retry: %v, %v; first %v", again, err, first)
	}
	other := proto.Clone(req).(*placementv1.StartPlacementRequest)
	other.StartDate = "2025-04-02"
	if _, err := e.api.StartPlacement(ctx, other); code(err) != codes.AlreadyExists {
		t.Fatalf("reused request_id: %v, want AlreadyExists", err)
	}
	if n := len(e.history(child)); n != 1 || e.outbox() != 1 {
		t.Errorf("%d placements, %d events; want 1 and 1", n, e.outbox())
	}
	// With caseload gone a new write cannot be checked: Unavailable.
	if _, err := e.api.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: "new", ChildId: child, EndDate: "2025-05-01"}); code(err) != codes.Unavailable {
		t.Errorf("write with caseload down: %v, want Unavailable", err)
	}
}

// Caseload unreachable: the write fails with Unavailable and nothing is
// recorded: never accepted unchecked.
func TestCaseloadUnreachable(t *testing.T) {
	e := startPlacement(t, testenv.FreeAddr(t), testenv.Clock(), caseloadclient.Options{Attempts: 3, Backoff: 20 * time.Millisecond})
	for name, c := range map[string]call{
		"start":  startPl("2025-04-01", fosterDetails()),
		"change": change("2025-05-01", "CARPL", homeDetails()),
		"end":    end("2025-05-01"),
	} {
		if err := c(e, "child-1"); code(err) != codes.Unavailable {
			t.Errorf("%s: %v, want Unavailable", name, err)
		}
	}
	if len(e.history("child-1")) != 0 || e.outbox() != 0 {
		t.Error("something was recorded without the caseload check")
	}
}

func TestUnknownChild(t *testing.T) {
	e := start(t)
	if err := startPl("2025-04-01", fosterDetails())(e, "no-such-child"); code(err) != codes.NotFound {
		t.Errorf("unknown child: %v, want NotFound", err)
	}
	resp, err := e.api.GetCurrentPlacement(e.ctx(), &placementv1.GetCurrentPlacementRequest{ChildId: "no-such-child"})
	if err != nil || resp.GetPlacement() != nil {
		t.Errorf("current placement of an unknown child: %v, %v", resp, err)
	}
}

// Two writes for one child at once: the rules run again inside the
// transaction, so exactly one of two starts is recorded.
func TestConcurrentWritesForOneChild(t *testing.T) {
	e := start(t)
	child := e.cl.Child(t, testenv.ChildSpec{})
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = startPl("2025-04-01", fosterDetails())(e, child)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !hasViolation(err, "start_date", "903:501"):
			t.Errorf("loser: %v, want 501", err)
		}
	}
	if ok != 1 || len(e.history(child)) != 1 || e.outbox() != 1 {
		t.Errorf("%d accepted, %d placements, %d events; want 1 each", ok, len(e.history(child)), e.outbox())
	}
}

// The writes' responses, location and distance, and the reads: current
// placement as at a date, history, lists by type, provider, group and
// location with paging.
func TestWritesAndReads(t *testing.T) {
	e := start(t)
	ctx := e.ctx()
	a := e.cl.Child(t, testenv.ChildSpec{})
	b := e.cl.Child(t, testenv.ChildSpec{})
	c := e.cl.Child(t, testenv.ChildSpec{DOB: "2009-01-01"})

	// a: foster inside the boundary, 3.1 miles; then a children's home
	// outside, 50 miles away; then a hospital stay and back.
	s, err := e.api.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: e.reqID(), ChildId: a, StartDate: "2025-04-01",
		Details: withGrid(fosterDetails(), 530000, 180000, 533000, 184000)})
	if err != nil {
		t.Fatal(err)
	}
	p := s.GetPlacement()
	if p.GetPlacementId() == "" || p.GetChildId() != a || p.GetPlacementGroup() != "foster" || p.GetLocation() != placementv1.Location_LOCATION_INSIDE ||
		p.GetDistanceMiles() != 3.1 || p.DistanceMiles == nil || p.GetDistanceBand() != placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS ||
		p.GetStartDate() != "2025-04-01" || p.GetEndDate() != "" || p.GetTemporary() || p.GetCreateTime() == nil {
		t.Errorf("started %v", p)
	}
	ch, err := e.api.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: e.reqID(), ChildId: a, ChangeDate: "2025-06-01",
		ReasonForChange: "CREQB", Details: withGrid(homeDetails(), 530000, 180000, 530000, 260467)})
	if err != nil {
		t.Fatal(err)
	}
	if ch.GetEnded().GetEndDate() != "2025-06-01" || ch.GetEnded().GetReasonForChange() != "CREQB" ||
		ch.GetStarted().GetLocation() != placementv1.Location_LOCATION_OUTSIDE || ch.GetStarted().GetDistanceMiles() != 50 ||
		ch.GetStarted().GetDistanceBand() != placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES {
		t.Errorf("changed %v", ch)
	}
	ts, err := e.api.StartTemporaryPlacement(ctx, &placementv1.StartTemporaryPlacementRequest{RequestId: e.reqID(), ChildId: a, StartDate: "2025-07-01", PlacementType: "T1"})
	if err != nil {
		t.Fatal(err)
	}
	if !ts.GetPlacement().GetTemporary() || ts.GetPlacement().GetInterruptedPlacementId() != ch.GetStarted().GetPlacementId() ||
		ts.GetPlacement().GetPlacementGroup() != "temporary" || ts.GetPlacement().GetLocation() != placementv1.Location_LOCATION_NOT_KNOWN {
		t.Errorf("temporary %v", ts)
	}
	te, err := e.api.EndTemporaryPlacement(ctx, &placementv1.EndTemporaryPlacementRequest{RequestId: e.reqID(), ChildId: a, EndDate: "2025-07-10"})
	if err != nil {
		t.Fatal(err)
	}
	r := te.GetResumed()
	if te.GetEnded().GetEndDate() != "2025-07-10" || r.GetPlacementType() != "K2" || r.GetCarerId() != "home-1" || r.GetDistanceMiles() != 50 ||
		r.GetPlacementId() == ch.GetStarted().GetPlacementId() || r.GetStartDate() != "2025-07-10" {
		t.Errorf("returned %v", te)
	}

	// b: placed with parents inside, ended; c: supported accommodation,
	// address not known.
	if err := startPl("2025-04-01", details("P1", "PR0", "", "", council))(e, b); err != nil {
		t.Fatal(err)
	}
	if err := end("2025-09-01")(e, b); err != nil {
		t.Fatal(err)
	}
	if err := startPl("2025-05-01", details("K3", "PR4", "SC9", "", ""))(e, c); err != nil {
		t.Fatal(err)
	}

	current := func(child, on string) string {
		resp, err := e.api.GetCurrentPlacement(ctx, &placementv1.GetCurrentPlacementRequest{ChildId: child, AsAtDate: on})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetPlacement().GetPlacementType()
	}
	for _, tt := range []struct{ child, on, want string }{
		{a, "2025-03-31", ""}, {a, "2025-04-01", "U4"}, {a, "2025-05-31", "U4"}, {a, "2025-06-01", "K2"},
		{a, "2025-07-05", "T1"}, {a, "2025-07-10", "K2"}, {a, "", "K2"}, {b, "2025-08-31", "P1"}, {b, "2025-09-01", ""}, {b, "", ""},
	} {
		if got := current(tt.child, tt.on); got != tt.want {
			t.Errorf("current placement of %s on %q = %q, want %q", tt.child, tt.on, got, tt.want)
		}
	}
	var types []string
	for _, p := range e.history(a) {
		types = append(types, p.GetPlacementType())
	}
	if len(types) != 4 || types[0] != "U4" || types[1] != "K2" || types[2] != "T1" || types[3] != "K2" {
		t.Errorf("history %v", types)
	}

	list := func(req *placementv1.ListPlacementsRequest) []string {
		t.Helper()
		var out []string
		for pages := 0; ; pages++ {
			resp, err := e.api.ListPlacements(ctx, req)
			if err != nil || pages > 10 {
				t.Fatalf("ListPlacements: %v", err)
			}
			for _, p := range resp.GetPlacements() {
				out = append(out, p.GetChildId()+":"+p.GetPlacementType())
			}
			if resp.GetNextPageToken() == "" {
				return out
			}
			req = proto.Clone(req).(*placementv1.ListPlacementsRequest)
			req.PageToken = resp.GetNextPageToken()
		}
	}
	eq := func(name string, got []string, want ...string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %v, want %v", name, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: %v, want %v", name, got, want)
				return
			}
		}
	}
	// Child ids are UUIDv7s issued in order, so a < b < c.
	eq("all on 2025-05-15", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-05-15", PageSize: 1}), a+":U4", b+":P1", c+":K3")
	eq("today", list(&placementv1.ListPlacementsRequest{}), a+":K2", c+":K3")
	eq("by type", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-05-15", PlacementType: "P1"}), b+":P1")
	eq("by provider", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-06-15", Provider: "PR4"}), a+":K2", c+":K3")
	eq("by group", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-06-15", PlacementGroup: "supported_accommodation"}), c+":K3")
	eq("temporary", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-07-05", PlacementGroup: "temporary"}), a+":T1")
	eq("inside", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-05-15", Location: placementv1.Location_LOCATION_INSIDE}), a+":U4", b+":P1")
	eq("outside", list(&placementv1.ListPlacementsRequest{AsAtDate: "2025-06-15", Location: placementv1.Location_LOCATION_OUTSIDE}), a+":K2")

	// Every write left exactly one event, none with a grid reference.
	evs := e.pending()
	if len(evs) != 7 {
		t.Fatalf("%d events, want 7", len(evs))
	}
	if evs[1].GetChanged().GetPlacement().GetDistanceBand() != placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES ||
		evs[2].GetTemporaryStarted() == nil || evs[3].GetTemporaryEnded().GetPlacement().GetPlacementType() != "K2" {
		t.Errorf("events %v", evs)
	}
}
