package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
	"github.com/corporate-parenting/suite/services/metrics/internal/benchmarks"
	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"github.com/corporate-parenting/suite/services/metrics/internal/reconcile"
)

var today = clock.MustParseDate("2026-03-31")

func checkFor(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		<-tick.C
	}
}

type fixture struct {
	proj    *projection.Projection
	feed    *feed.Feed
	client  metricsv1.MetricsServiceClient
	arrival uint64
}

func (f *fixture) apply(pts ...projection.Point) {
	for i := range pts {
		f.arrival++
		pts[i].Arrival = f.arrival
		pts[i].Rank = projection.RankNormal
	}
	f.proj.Apply(pts)
}

func start(t *testing.T, recon Reconciler) *fixture {
	t.Helper()
	fd := feed.New(16, 500)
	p := projection.New(today, 500, fd.Publish)
	bench, err := benchmarks.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	gs := grpcserver.New(grpcserver.Config{ServiceName: "metrics", ShutdownTimeout: time.Second}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	New(p, fd, bench, recon).Register(gs.GRPC())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = gs.Serve(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done })
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &fixture{proj: p, feed: fd, client: metricsv1.NewMetricsServiceClient(conn)}
}

func care(child, date string) projection.Point {
	return projection.Point{Child: child, Kind: projection.KindCare, Date: clock.MustParseDate(date), Care: projection.Care{LookedAfter: true, LegalStatus: "C2"}}
}

func placed(child, date, typ string) projection.Point {
	return projection.Point{Child: child, Kind: projection.KindPlacement, Date: clock.MustParseDate(date),
		Placement: projection.Placement{Present: true, Type: typ, Group: codes.GroupOf(typ), Location: projection.LocationInside, Distance: codes.Distance20OrLess}}
}

func find(vs []*metricsv1.IndicatorValue, key string) *metricsv1.IndicatorValue {
	for _, v := range vs {
		if v.GetIndicatorId()+"."+v.GetVariant()+"."+v.GetAgeBand() == key {
			return v
		}
	}
	return nil
}

func badRequestFields(t *testing.T, err error, code grpccodes.Code) []string {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != code {
		t.Fatalf("code %v (%v), want %v", st.Code(), err, code)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				fields = append(fields, fv.GetField())
			}
		}
	}
	return fields
}

func TestGetIndicators(t *testing.T) {
	f := start(t, nil)
	f.apply(care("a", "2025-01-10"), placed("a", "2025-01-10", "U4"), care("b", "2026-02-01"), placed("b", "2026-02-01", "K2"))
	ctx := context.Background()

	resp, err := f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{IncludeTwelveMonthsEarlier: true, IncludeBenchmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetAsAtDate() != "2026-03-31" || len(resp.GetValues()) != 40 || resp.GetSequence() != f.proj.Seq() || resp.GetSequence() <= 500 {
		t.Fatalf("as at %s, %d values, sequence %d", resp.GetAsAtDate(), len(resp.GetValues()), resp.GetSequence())
	}
	cla := find(resp.GetValues(), "cla_count.dfe.all")
	if cla.GetNumerator() != 2 || cla.GetValue() != 2 || cla.GetUnit() != metricsv1.Unit_UNIT_COUNT || cla.GetDefinitionId() != "cla_count/v1" {
		t.Fatalf("cla %+v", cla)
	}
	if e := cla.GetTwelveMonthsEarlier(); e.GetAsAtDate() != "2025-03-31" || e.GetNumerator() != 1 {
		t.Fatalf("twelve months earlier %+v", e)
	}
	if len(cla.GetBenchmarks()) != 5 || cla.GetBenchmarks()[0].GetYearEnding() != "2025-03-31" {
		t.Fatalf("benchmarks %+v", cla.GetBenchmarks())
	}
	foster := find(resp.GetValues(), "placement_foster.dfe.all")
	if foster.GetNumerator() != 1 || foster.GetDenominator() != 2 || foster.GetValue() != 50 || foster.GetUnit() != metricsv1.Unit_UNIT_PERCENT {
		t.Fatalf("foster %+v", foster)
	}
	if ch := find(resp.GetValues(), "cla_change_12m.dfe.all"); ch.GetNumerator() != 1 || ch.GetUnit() != metricsv1.Unit_UNIT_CHANGE {
		t.Fatalf("change %+v", ch)
	}

	// A past date, filtered.
	past, err := f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{AsAtDate: "2025-06-30", IndicatorIds: []string{"cla_count", "care_leavers_eet"}})
	if err != nil {
		t.Fatal(err)
	}
	if past.GetAsAtDate() != "2025-06-30" || len(past.GetValues()) != 9 || past.GetSequence() != 0 {
		t.Fatalf("past: %s %d values seq %d", past.GetAsAtDate(), len(past.GetValues()), past.GetSequence())
	}
	if v := find(past.GetValues(), "cla_count.dfe.all"); v.GetNumerator() != 1 || v.GetAsAtDate() != "2025-06-30" || v.GetTwelveMonthsEarlier() != nil || v.GetBenchmarks() != nil {
		t.Fatalf("past cla %+v", v)
	}
	// Today given explicitly is the live answer.
	explicit, err := f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{AsAtDate: "2026-03-31", IndicatorIds: []string{"cla_count"}})
	if err != nil || explicit.GetSequence() != resp.GetSequence() || explicit.GetValues()[0].GetNumerator() != 2 {
		t.Fatalf("explicit today %+v %v", explicit, err)
	}

	// Bad requests name every bad field.
	_, err = f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{AsAtDate: "31/03/2026", IndicatorIds: []string{"cla_count", "happiness"}})
	if fields := badRequestFields(t, err, grpccodes.InvalidArgument); fmt.Sprint(fields) != "[as_at_date indicator_ids]" {
		t.Fatalf("fields %v", fields)
	}
	_, err = f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{AsAtDate: "2026-04-01"})
	if fields := badRequestFields(t, err, grpccodes.InvalidArgument); fmt.Sprint(fields) != "[as_at_date]" {
		t.Fatalf("future date: fields %v", fields)
	}
}

func TestListIndicatorDefinitions(t *testing.T) {
	f := start(t, nil)
	resp, err := f.client.ListIndicatorDefinitions(context.Background(), &metricsv1.ListIndicatorDefinitionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	defs := resp.GetDefinitions()
	if len(defs) != 16 {
		t.Fatalf("%d definitions", len(defs))
	}
	titles := map[string]string{}
	for _, d := range defs {
		titles[d.GetIndicatorId()] = d.GetTitle()
		if d.GetUnit() == metricsv1.Unit_UNIT_UNSPECIFIED || d.GetPolarity() == metricsv1.Polarity_POLARITY_UNSPECIFIED || d.GetDefinitionId() == "" || len(d.GetVariants()) == 0 || len(d.GetAgeBands()) == 0 {
			t.Errorf("incomplete %+v", d)
		}
	}
	if defs[0].GetIndicatorId() != "cla_count" || titles["cla_count"] != "Children looked after" || titles["placement_foster"] != "Placed in foster care" {
		t.Fatalf("titles %v", titles)
	}
	eet := defs[len(defs)-2]
	if eet.GetIndicatorId() != "care_leavers_eet" || fmt.Sprint(eet.GetVariants()) != "[dfe local]" || fmt.Sprint(eet.GetAgeBands()) != "[all 17_18 19_21 22_25]" {
		t.Fatalf("eet %+v", eet)
	}
}

func TestGetIndicatorTrend(t *testing.T) {
	f := start(t, nil)
	f.apply(care("a", "2025-11-15"), care("b", "2026-01-15"))
	ctx := context.Background()
	resp, err := f.client.GetIndicatorTrend(ctx, &metricsv1.GetIndicatorTrendRequest{IndicatorId: "cla_count", Months: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range resp.GetPoints() {
		got = append(got, fmt.Sprintf("%s=%d", p.GetAsAtDate(), p.GetNumerator()))
	}
	if fmt.Sprint(got) != "[2025-11-30=1 2025-12-31=1 2026-01-31=2 2026-02-28=2 2026-03-31=2]" {
		t.Fatalf("trend %v", got)
	}
	def, err := f.client.GetIndicatorTrend(ctx, &metricsv1.GetIndicatorTrendRequest{IndicatorId: "care_leavers_eet", AgeBand: "19_21", ToDate: "2026-02-15"})
	if err != nil || len(def.GetPoints()) != 12 || def.GetPoints()[0].GetVariant() != "dfe" || def.GetPoints()[11].GetAsAtDate() != "2026-02-15" {
		t.Fatalf("defaults: %v %v", def, err)
	}
	_, err = f.client.GetIndicatorTrend(ctx, &metricsv1.GetIndicatorTrendRequest{IndicatorId: "cla_count", Variant: "local", Months: -1, ToDate: "tomorrow"})
	if fields := badRequestFields(t, err, grpccodes.InvalidArgument); fmt.Sprint(fields) != "[variant to_date months]" {
		t.Fatalf("fields %v", fields)
	}
	_, err = f.client.GetIndicatorTrend(ctx, &metricsv1.GetIndicatorTrendRequest{IndicatorId: "nope"})
	if fields := badRequestFields(t, err, grpccodes.InvalidArgument); fmt.Sprint(fields) != "[indicator_id]" {
		t.Fatalf("fields %v", fields)
	}
}

// watch opens a stream and returns a function reading the next message.
func watch(t *testing.T, f *fixture, req *metricsv1.WatchIndicatorsRequest) (func() *metricsv1.WatchIndicatorsResponse, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := f.client.WatchIndicators(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make(chan *metricsv1.WatchIndicatorsResponse, 64)
	go func() {
		for {
			m, err := st.Recv()
			if err != nil {
				close(msgs)
				return
			}
			msgs <- m
		}
	}()
	return func() *metricsv1.WatchIndicatorsResponse {
		t.Helper()
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("stream ended")
			}
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no message within 10s")
		}
		return nil
	}, cancel
}

func TestWatchIndicators(t *testing.T) {
	f := start(t, nil)
	next, cancel := watch(t, f, &metricsv1.WatchIndicatorsRequest{})
	defer cancel()
	snap := next()
	if !snap.GetSnapshot() || snap.GetSequence() != 500 || len(snap.GetValues()) != 40 {
		t.Fatalf("snapshot seq %d, %d values", snap.GetSequence(), len(snap.GetValues()))
	}
	f.apply(care("a", "2026-03-01"), placed("a", "2026-03-01", "U1"))
	ch := next()
	if ch.GetSnapshot() || ch.GetSequence() != 501 || find(ch.GetValues(), "cla_count.dfe.all").GetNumerator() != 1 || find(ch.GetValues(), "care_leaver_count.dfe.all") != nil {
		t.Fatalf("change %+v", ch)
	}

	// A filtered watcher resuming after 501 sees only what it asked for.
	f.apply(projection.Point{Child: "z", Kind: projection.KindCareLeaver, Date: today, CareLeaver: projection.CareLeaver{Open: true}}) // 502: care leavers only
	f.apply(care("b", "2026-03-02"))                                                                                                   // 503: cla
	next2, cancel2 := watch(t, f, &metricsv1.WatchIndicatorsRequest{AfterSequence: 501, IndicatorIds: []string{"cla_count"}})
	defer cancel2()
	m := next2()
	if m.GetSnapshot() || m.GetSequence() != 503 || len(m.GetValues()) != 1 || m.GetValues()[0].GetNumerator() != 2 {
		t.Fatalf("resumed %+v", m)
	}
	// A watcher resuming from a sequence long gone gets a snapshot.
	for i := range 20 {
		f.apply(care(fmt.Sprintf("c%d", i), "2026-03-03"))
	}
	next3, cancel3 := watch(t, f, &metricsv1.WatchIndicatorsRequest{AfterSequence: 501})
	defer cancel3()
	if m := next3(); !m.GetSnapshot() || m.GetSequence() != f.proj.Seq() {
		t.Fatalf("stale resume %v", m.GetSequence())
	}
	// The first watcher sees every change in order, or a snapshot if it
	// fell more than the ring (16) behind.
	for last := uint64(501); last < f.proj.Seq(); {
		m := next()
		if m.GetSequence() <= last || (!m.GetSnapshot() && m.GetSequence() != last+1) {
			t.Fatalf("got %d (snapshot %v) after %d", m.GetSequence(), m.GetSnapshot(), last)
		}
		last = m.GetSequence()
	}
	_, cancelBad := context.WithCancel(context.Background())
	defer cancelBad()
	st, err := f.client.WatchIndicators(context.Background(), &metricsv1.WatchIndicatorsRequest{IndicatorIds: []string{"nope"}})
	if err == nil {
		_, err = st.Recv()
	}
	if status.Code(err) != grpccodes.InvalidArgument {
		t.Fatalf("bad watch: %v", err)
	}
	checkFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if n := f.feed.Followers(); n != 3 {
			return fmt.Errorf("%d followers", n)
		}
		return nil
	})
}

func TestReconcile(t *testing.T) {
	src := reconcile.NewEventSource()
	var proj *projection.Projection
	f := start(t, func(ctx context.Context, d clock.Date) (reconcile.Report, error) {
		return reconcile.Reconcile(ctx, proj, src, d)
	})
	proj = f.proj
	f.apply(care("a", "2026-03-01"))
	resp, err := f.client.Reconcile(context.Background(), &metricsv1.ReconcileRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// The source knows no such child: every figure that counts it differs.
	if resp.GetAsAtDate() != "2026-03-31" || resp.GetCompared() != 40 || len(resp.GetDifferences()) == 0 {
		t.Fatalf("reconcile %+v", resp)
	}
	d := resp.GetDifferences()[0]
	if d.GetIndicatorId() != "cla_count" || d.GetLiveNumerator() != 1 || d.GetSourceNumerator() != 0 {
		t.Fatalf("difference %+v", d)
	}

	none := start(t, nil)
	if _, err := none.client.Reconcile(context.Background(), &metricsv1.ReconcileRequest{}); status.Code(err) != grpccodes.FailedPrecondition {
		t.Fatalf("without sources: %v", err)
	}
	failing := start(t, func(context.Context, clock.Date) (reconcile.Report, error) {
		return reconcile.Report{}, errors.New("caseload down")
	})
	if _, err := failing.client.Reconcile(context.Background(), &metricsv1.ReconcileRequest{}); status.Code(err) != grpccodes.Unavailable {
		t.Fatalf("sources down: %v", err)
	}
	if _, err := failing.client.Reconcile(context.Background(), &metricsv1.ReconcileRequest{AsAtDate: "x"}); status.Code(err) != grpccodes.InvalidArgument {
		t.Fatalf("bad date: %v", err)
	}
}

// TestGetIndicatorsConcurrentWithChanges: readers share the live proto
// values while changes replace them (run with -race).
func TestGetIndicatorsConcurrentWithChanges(t *testing.T) {
	f := start(t, nil)
	ctx := context.Background()
	done := make(chan struct{})
	errc := make(chan error, 16)
	for r := range 16 {
		go func() {
			for {
				select {
				case <-done:
					errc <- nil
					return
				default:
				}
				resp, err := f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{IncludeTwelveMonthsEarlier: r%2 == 0, IncludeBenchmarks: r%3 == 0})
				if err != nil || len(resp.GetValues()) != 40 {
					errc <- fmt.Errorf("reader %d: %v", r, err)
					return
				}
			}
		}()
	}
	for i := range 200 {
		f.apply(care(fmt.Sprintf("k%d", i), "2026-03-01"))
	}
	close(done)
	for range 16 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	resp, err := f.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{IndicatorIds: []string{"cla_count"}})
	if err != nil || resp.GetValues()[0].GetNumerator() != 200 || resp.GetSequence() != f.proj.Seq() {
		t.Fatalf("after the changes: %v %v", resp, err)
	}
}
