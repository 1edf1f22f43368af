package load_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/suite/launcher"
	"github.com/corporate-parenting/suite/services/suite/load"
)

// startSuite runs the real suite in this process (the launcher picks free
// ports) until the test ends.
func startSuite(t *testing.T) *launcher.Suite {
	t.Helper()
	s, err := launcher.Start(context.Background(), launcher.Config{
		DataDir:     t.TempDir(),
		NATSPort:    -1,
		CouncilLA:   "E08000026",
		CouncilName: "Test City Council",
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("suite: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("suite did not stop within 30s")
		}
	})
	return s
}

func config(s *launcher.Suite) load.Config {
	cfg := load.Config{
		Caseload: s.Addr("caseload"), Placement: s.Addr("placement"),
		Careleaver: s.Addr("careleaver"), Metrics: s.Addr("metrics"),
		Clients: 4, ChildrenPerClient: 4, CareLeaversPerClient: 1,
		ProbeRate: 20, CouncilLA: "E08000026",
	}
	for _, svc := range []string{"caseload", "placement", "careleaver", "metrics"} {
		cfg.MetricsHTTP = append(cfg.MetricsHTTP, load.HTTPEndpoint{Service: svc, Addr: s.HTTPAddr(svc)})
	}
	return cfg
}

func metricsClient(t *testing.T, addr string) metricsv1.MetricsServiceClient {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return metricsv1.NewMetricsServiceClient(cc)
}

func claCount(t *testing.T, m metricsv1.MetricsServiceClient) int64 {
	t.Helper()
	resp, err := m.GetIndicators(context.Background(), &metricsv1.GetIndicatorsRequest{IndicatorIds: []string{"cla_count"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range resp.GetValues() {
		if v.GetVariant() == "dfe" && v.GetAgeBand() == "all" {
			return v.GetNumerator()
		}
	}
	t.Fatal("no cla_count/dfe/all")
	return 0
}

func byName(res *load.Result) map[string]load.RPCStats {
	m := map[string]load.RPCStats{}
	for _, s := range res.RPCs {
		m[s.Name] = s
	}
	return m
}

// A short run of the default mix against the real suite: every call
// succeeds, the writes counted are the OKs, every operation of the mix ran,
// the probe saw its writes on the indicator stream, the pipeline's gauges
// and the process's memory were read, and the suite's figures agree with
// the writes (the children are counted, and reconciliation finds no
// difference).
func TestRunAgainstTheSuite(t *testing.T) {
	s := startSuite(t)
	metrics := metricsClient(t, s.Addr("metrics"))
	before := claCount(t, metrics)

	cfg := config(s)
	cfg.Duration = 3 * time.Second
	var progress strings.Builder
	cfg.Progress = &progress
	res, err := load.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", table.String())

	if res.Writes.Errors != 0 || res.Reads.Errors != 0 {
		t.Fatalf("%d writes and %d reads failed", res.Writes.Errors, res.Reads.Errors)
	}
	var ok, calls uint64
	rpcs := byName(res)
	for _, r := range res.RPCs {
		if r.Write {
			ok += r.OK
			calls += r.Calls
		}
		if r.OK != r.Calls || r.Latency.Count != r.Calls {
			t.Errorf("%s: %d calls, %d OK, %d latencies", r.Name, r.Calls, r.OK, r.Latency.Count)
		}
	}
	if res.Writes.OK == 0 || res.Writes.OK != ok || res.Writes.Calls != calls {
		t.Errorf("writes %+v; the write RPCs add up to %d OK of %d", res.Writes, ok, calls)
	}
	if want := float64(res.Writes.OK) / res.Elapsed; res.Writes.PerSecond != want {
		t.Errorf("writes/s %v, want %v", res.Writes.PerSecond, want)
	}
	for _, name := range []string{"placement.StartPlacement", "placement.EndPlacement", "placement.ChangePlacement",
		"careleaver.RecordContact", "metrics.GetIndicators"} {
		if r := rpcs[name]; r.OK == 0 || r.Latency.P50ms <= 0 || r.Latency.P99ms < r.Latency.P50ms {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if reads := rpcs["caseload.GetChild"].OK + rpcs["placement.GetCurrentPlacement"].OK + rpcs["careleaver.GetCareLeaver"].OK; reads == 0 {
		t.Error("no record was read")
	}
	if res.Elapsed < 3 || res.Elapsed > 15 {
		t.Errorf("measured phase %.1fs for -duration 3s", res.Elapsed)
	}

	p := res.Probe
	if p == nil || p.Probes == 0 || p.Seen != p.Probes || p.TimedOut != 0 || p.Writes.Errors != 0 {
		t.Fatalf("probe: %+v", p)
	}
	if p.Latency.Count != p.Seen || p.Latency.MaxMs <= 0 || p.Latency.P99ms < p.Latency.P50ms {
		t.Errorf("write-to-indicator latency %+v", p.Latency)
	}

	if len(res.Memory) != 1 || len(res.Memory[0].Services) != 4 {
		t.Fatalf("the in-process suite is one process with four endpoints: %+v", res.Memory)
	}
	if m := res.Memory[0]; m.IdleBytes <= 0 || m.PeakBytes < m.IdleBytes || m.EndBytes <= 0 || m.Samples < 8 {
		t.Errorf("memory %+v", m)
	}
	names := func(gs []load.Gauge) string {
		var ns []string
		for _, g := range gs {
			ns = append(ns, g.Name)
		}
		return strings.Join(ns, ",")
	}
	if got := names(res.Outbox); got != "caseload,careleaver,placement" && got != "careleaver,caseload,placement" {
		t.Errorf("outbox depth of %s", got)
	}
	if got := names(res.ConsumerLag); !strings.Contains(got, "metrics-placement") || !strings.Contains(got, "metrics-caseload") {
		t.Errorf("consumer lag of %s", got)
	}
	if res.DrainSeconds == nil {
		t.Errorf("the pipeline did not drain: %v", res.Notes)
	}

	// The suite counted the children the load made looked after (care
	// leavers have left care), and its live figures reconcile.
	want := before + int64(res.Setup.Children+res.Setup.ProbeChildren)
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if got := claCount(t, metrics); got != want {
			return fmt.Errorf("cla_count %d, want %d", got, want)
		}
		return nil
	})
	rec, err := metrics.Reconcile(context.Background(), &metricsv1.ReconcileRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.GetCompared() == 0 || len(rec.GetDifferences()) != 0 {
		t.Fatalf("Reconcile compared %d figures, differences %v", rec.GetCompared(), rec.GetDifferences())
	}

	for _, want := range []string{"placement.ChangePlacement", "careleaver.RecordContact", "metrics.GetIndicators",
		"write-to-indicator", "outbox depth", "consumer lag", "caseload+placement+careleaver+metrics (one process)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	if !strings.Contains(progress.String(), "setup done") {
		t.Errorf("progress: %q", progress.String())
	}

	// The JSON has the same figures.
	path := filepath.Join(t.TempDir(), "run.json")
	if err := res.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back load.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Writes != res.Writes || back.Probe.Latency != res.Probe.Latency || len(back.Memory) != 1 {
		t.Errorf("JSON round trip: %+v", back)
	}
}

// An open-loop run of a set number of operations keeps to its schedule,
// and a second run against the same suite (a new prefix) works too.
func TestRunPacedOperations(t *testing.T) {
	s := startSuite(t)
	for run := range 2 {
		cfg := config(s)
		cfg.Ops = 300
		cfg.Rate = 200 // writes/s; at the default mix's 80% writes, 250 operations/s
		cfg.ProbeRate = 5
		res, err := load.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if res.Writes.Errors+res.Reads.Errors != 0 {
			t.Fatalf("run %d: errors %+v %+v", run, res.Writes, res.Reads)
		}
		if n := res.Writes.Calls + res.Reads.Calls; n != 300 {
			t.Errorf("run %d: %d calls for -ops 300", run, n)
		}
		if res.Elapsed < 1.1 {
			t.Errorf("run %d: 300 operations at 250/s took %.2fs, want about 1.2s", run, res.Elapsed)
		}
	}
}

// Setup against a suite that is not there fails, naming the call.
func TestRunWithoutASuite(t *testing.T) {
	cfg := load.Config{Caseload: "127.0.0.1:1", Placement: "127.0.0.1:1", Careleaver: "127.0.0.1:1", Metrics: "127.0.0.1:1",
		Clients: 1, ChildrenPerClient: 1, Duration: time.Second, CallTimeout: 500 * time.Millisecond, ProbeRate: -1}
	_, err := load.Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "RegisterChild") {
		t.Fatalf("err = %v, want a RegisterChild failure", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
