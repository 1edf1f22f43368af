package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/placement/app"
	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

// running is a placement service started with app.New and app.Run.
type running struct {
	app  *app.App
	api  placementv1.PlacementServiceClient
	stop func() // cancels Run and waits for it to return
}

func startApp(t testing.TB, dataDir, natsURL, caseloadAddr string, clk clock.Clock) *running {
	t.Helper()
	return startAppRetaining(t, dataDir, natsURL, caseloadAddr, clk, 0)
}

// startAppRetaining starts the service with its relay retaining published
// rows for retain (service.Config.OutboxRetain).
func startAppRetaining(t testing.TB, dataDir, natsURL, caseloadAddr string, clk clock.Clock, retain time.Duration) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, app.Config{
		Service: service.Config{GRPCAddr: "127.0.0.1:0", DataDir: dataDir, NATSURL: natsURL,
			Logger: testenv.Logger(t), Clock: clk, ShutdownTimeout: time.Second, OutboxRetain: retain},
		CaseloadAddr: caseloadAddr,
	})
	if err != nil {
		cancel()
		t.Fatalf("app.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	r := &running{app: a, api: placementv1.NewPlacementServiceClient(conn)}
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = conn.Close()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("placement Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("placement did not stop")
		}
	}
	t.Cleanup(r.stop)
	return r
}

func callCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// stream reads the PLACEMENT stream of a NATS server.
type stream struct {
	t  testing.TB
	js jetstream.JetStream
}

func newStream(t testing.TB, s *natsembed.Server) *stream {
	t.Helper()
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &stream{t: t, js: js}
}

// read returns every message on the stream, in stream order.
func (s *stream) read() ([]*jetstream.RawStreamMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := s.js.Stream(ctx, events.StreamPlacement)
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// waitFor waits until the stream holds exactly want events (by subject, in
// order) and returns them decoded.
func (s *stream) waitFor(want ...string) []*placementv1.PlacementEvent {
	s.t.Helper()
	var evs []*placementv1.PlacementEvent
	testutil.CheckFor(s.t, 30*time.Second, 20*time.Millisecond, func() error {
		msgs, err := s.read()
		if err != nil {
			return err
		}
		if len(msgs) < len(want) {
			return fmt.Errorf("%d events on the stream, want %d", len(msgs), len(want))
		}
		evs = evs[:0]
		for _, m := range msgs {
			ev := &placementv1.PlacementEvent{}
			if err := proto.Unmarshal(m.Data, ev); err != nil {
				return err
			}
			if id := m.Header.Get(jetstream.MsgIDHeader); id == "" || id != ev.GetEventId() {
				return fmt.Errorf("Nats-Msg-Id %q, event_id %q", id, ev.GetEventId())
			}
			evs = append(evs, ev)
		}
		var got []string
		for _, m := range msgs {
			got = append(got, m.Subject)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("subjects %v, want %v", got, want)
		}
		return nil
	})
	return evs
}

// Caseload and placement on loopback with an in-process JetStream: register
// a child, start a period of care, place the child in foster care, move them
// to a children's home, end the placement; exactly those events arrive on
// the PLACEMENT stream, in order, once. A refused write publishes nothing.
func TestEndToEnd(t *testing.T) {
	ns := testenv.StartNATS(t)
	clk := testenv.Clock()
	cl := testenv.StartCaseload(t, ns, clk)
	pl := startApp(t, t.TempDir(), ns.ClientURL(), cl.Addr, clk)
	ctx := callCtx(t)

	child := cl.Child(t, testenv.ChildSpec{DOB: "2014-03-10", CareStart: "2025-04-01", LegalStatus: "C2"})
	if _, err := pl.api.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: "e2e-1", ChildId: child, StartDate: "2025-04-01",
		Details: &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC100001", CarerId: "carer-7",
			PlacementLocalAuthority: "E08000026",
			HomeGrid:                &placementv1.GridReference{Easting: 433000, Northing: 279000},
			PlacementGrid:           &placementv1.GridReference{Easting: 436000, Northing: 283000}}}); err != nil {
		t.Fatal(err)
	}
	// Refused (903:550): nothing is written and nothing published.
	_, err := pl.api.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: "e2e-bad", ChildId: child, ChangeDate: "2025-06-01",
		ReasonForChange: "CARPL", Details: &placementv1.PlacementDetails{PlacementType: "K2", Provider: "PR0", Urn: "SC100002"}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("refused change: %v", err)
	}
	if _, err := pl.api.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: "e2e-2", ChildId: child, ChangeDate: "2025-06-01",
		ReasonForChange: "CARPL", Details: &placementv1.PlacementDetails{PlacementType: "K2", Provider: "PR4", Urn: "SC100002",
			CarerId: "home-3", PlacementLocalAuthority: "E08000025"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pl.api.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: "e2e-3", ChildId: child, EndDate: "2025-09-01"}); err != nil {
		t.Fatal(err)
	}
	// A retried call changes nothing.
	if _, err := pl.api.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: "e2e-3", ChildId: child, EndDate: "2025-09-01"}); err != nil {
		t.Fatal(err)
	}

	s := newStream(t, ns)
	evs := s.waitFor("placement.started", "placement.changed", "placement.ended")
	started, changed, ended := evs[0].GetStarted().GetPlacement(), evs[1].GetChanged(), evs[2].GetEnded().GetPlacement()
	if started.GetPlacementType() != "U4" || started.GetPlacementGroup() != "foster" || started.GetProvider() != "PR1" ||
		started.GetLocation() != placementv1.Location_LOCATION_INSIDE || started.GetCarerId() != "carer-7" || started.GetUrn() != "SC100001" ||
		started.GetDistanceBand() != placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS || evs[0].GetEffectiveDate() != "2025-04-01" {
		t.Errorf("started %v", evs[0])
	}
	if changed.GetPrevious().GetPlacementId() != started.GetPlacementId() || changed.GetPlacement().GetPlacementType() != "K2" ||
		changed.GetPlacement().GetPlacementGroup() != "childrens_homes" || changed.GetPlacement().GetLocation() != placementv1.Location_LOCATION_OUTSIDE ||
		changed.GetReasonForChange() != "CARPL" || evs[1].GetEffectiveDate() != "2025-06-01" {
		t.Errorf("changed %v", evs[1])
	}
	if ended.GetPlacementId() != changed.GetPlacement().GetPlacementId() || evs[2].GetEffectiveDate() != "2025-09-01" {
		t.Errorf("ended %v", evs[2])
	}
	for _, ev := range evs {
		if ev.GetChildId() != child {
			t.Errorf("event for child %q, want %q", ev.GetChildId(), child)
		}
	}
	// Once: after the service stops nothing more can be published, and the
	// stream still holds exactly the three.
	pl.stop()
	s.waitFor("placement.started", "placement.changed", "placement.ended")
}

// With NATS stopped placements are still recorded; their events arrive, in
// order and once, when NATS returns.
func TestNATSDown(t *testing.T) {
	ns := testenv.StartNATS(t)
	clk := testenv.Clock()
	cl := testenv.StartCaseload(t, testenv.StartNATS(t), clk)
	pl := startApp(t, t.TempDir(), ns.ClientURL(), cl.Addr, clk)
	ctx := callCtx(t)
	child := cl.Child(t, testenv.ChildSpec{})
	if _, err := pl.api.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: "n-1", ChildId: child, StartDate: "2025-04-01", Details: foster()}); err != nil {
		t.Fatal(err)
	}
	newStream(t, ns).waitFor("placement.started")

	ns.Shutdown()
	if _, err := pl.api.StartTemporaryPlacement(ctx, &placementv1.StartTemporaryPlacementRequest{RequestId: "n-2", ChildId: child, StartDate: "2025-05-01", PlacementType: "T2"}); err != nil {
		t.Fatalf("write with NATS down: %v", err)
	}
	if _, err := pl.api.EndTemporaryPlacement(ctx, &placementv1.EndTemporaryPlacementRequest{RequestId: "n-3", ChildId: child, EndDate: "2025-05-08"}); err != nil {
		t.Fatalf("write with NATS down: %v", err)
	}
	if resp, err := pl.api.GetCurrentPlacement(ctx, &placementv1.GetCurrentPlacementRequest{ChildId: child}); err != nil || resp.GetPlacement().GetStartDate() != "2025-05-08" {
		t.Fatalf("recorded with NATS down: %v, %v", resp, err)
	}

	ns = natsembed.RestartForTest(t, ns)
	evs := newStream(t, ns).waitFor("placement.started", "placement.temporary.started", "placement.temporary.ended")
	if evs[2].GetTemporaryEnded().GetPlacement().GetPlacementType() != "U4" || evs[1].GetTemporaryStarted().GetPlacement().GetPlacementType() != "T2" {
		t.Errorf("events %v", evs)
	}
	pl.stop()
	newStream(t, ns).waitFor("placement.started", "placement.temporary.started", "placement.temporary.ended")
}

func foster() *placementv1.PlacementDetails {
	return &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC000001", CarerId: "carer-1", PlacementLocalAuthority: "E08000026"}
}

// Killed between the bbolt commit and the publish: the service runs with no
// NATS to publish to, records a placement and is stopped with the event
// still in its outbox. Reopened on the same data directory with NATS back,
// it publishes the event, once.
func TestKilledBeforePublishLosesNothing(t *testing.T) {
	ns := testenv.StartNATS(t)
	opts := ns.Options()
	ns.Shutdown() // NATS is down while the first process runs
	clk := testenv.Clock()
	cl := testenv.StartCaseload(t, testenv.StartNATS(t), clk)
	dir := t.TempDir()
	child := cl.Child(t, testenv.ChildSpec{})

	first := startApp(t, dir, fmt.Sprintf("nats://%s:%d", opts.Host, opts.Port), cl.Addr, clk)
	ctx := callCtx(t)
	if _, err := first.api.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: "k-1", ChildId: child, StartDate: "2025-04-01", Details: foster()}); err != nil {
		t.Fatal(err)
	}
	if _, err := first.api.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: "k-2", ChildId: child, ChangeDate: "2025-05-01",
		ReasonForChange: "CHILD", Details: &placementv1.PlacementDetails{PlacementType: "K2", Provider: "PR4", Urn: "SC2", CarerId: "home-1", PlacementLocalAuthority: "E08000026"}}); err != nil {
		t.Fatal(err)
	}
	first.stop() // committed, never published

	ns, err := natsembed.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	second := startApp(t, dir, ns.ClientURL(), cl.Addr, clk)
	s := newStream(t, ns)
	s.waitFor("placement.started", "placement.changed")
	// The reopened service still has the placements.
	resp, err := second.api.ListPlacementHistory(ctx, &placementv1.ListPlacementHistoryRequest{ChildId: child})
	if err != nil || len(resp.GetPlacements()) != 2 {
		t.Fatalf("history after restart: %v, %v", resp, err)
	}
	second.stop()
	s.waitFor("placement.started", "placement.changed")
}

// Stopped right after the commit while the relay may be mid-publish: after a
// restart every event is on the stream exactly once (a row published but
// not yet deleted is published again and dropped by the duplicate window).
func TestStoppedRightAfterCommitPublishesOnce(t *testing.T) {
	ns := testenv.StartNATS(t)
	clk := testenv.Clock()
	cl := testenv.StartCaseload(t, ns, clk)
	dir := t.TempDir()
	var want []string
	for round := range 3 {
		pl := startApp(t, dir, ns.ClientURL(), cl.Addr, clk)
		child := cl.Child(t, testenv.ChildSpec{})
		if _, err := pl.api.StartPlacement(callCtx(t), &placementv1.StartPlacementRequest{RequestId: fmt.Sprintf("s-%d", round), ChildId: child,
			StartDate: "2025-04-01", Details: foster()}); err != nil {
			t.Fatal(err)
		}
		pl.stop() // at once: the relay may or may not have published
		want = append(want, "placement.started")
	}
	last := startApp(t, dir, ns.ClientURL(), cl.Addr, clk)
	s := newStream(t, ns)
	evs := s.waitFor(want...)
	seen := map[string]bool{}
	for _, ev := range evs {
		if seen[ev.GetEventId()] {
			t.Errorf("event %s twice", ev.GetEventId())
		}
		seen[ev.GetEventId()] = true
	}
	last.stop()
	s.waitFor(want...)
}

func TestNewNeedsCaseload(t *testing.T) {
	_, err := app.New(context.Background(), app.Config{Service: service.Config{GRPCAddr: "127.0.0.1:0", DataDir: t.TempDir()}})
	if err == nil {
		t.Fatal("New without a caseload address succeeded")
	}
	if _, err := app.New(context.Background(), app.Config{Service: service.Config{GRPCAddr: "127.0.0.1:0"}, CaseloadAddr: "127.0.0.1:1"}); err == nil {
		t.Fatal("New without a data directory succeeded")
	}
	// An opened service that is never run releases its file on Close.
	dir := t.TempDir()
	a, err := app.New(context.Background(), app.Config{Service: service.Config{GRPCAddr: "127.0.0.1:0", DataDir: dir, NATSURL: testenv.StartNATS(t).ClientURL()}, CaseloadAddr: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if a.HTTPAddr() != "" {
		t.Errorf("HTTP address %q with none configured", a.HTTPAddr())
	}
	a.Close()
	b, err := app.New(context.Background(), app.Config{Service: service.Config{GRPCAddr: "127.0.0.1:0", DataDir: dir, NATSURL: "nats://127.0.0.1:1"}, CaseloadAddr: "127.0.0.1:1"})
	if err != nil {
		t.Fatalf("reopen after Close: %v", err)
	}
	b.Close()
}
