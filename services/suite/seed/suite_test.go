package seed_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/suite/launcher"
	"github.com/corporate-parenting/suite/services/suite/seed"
)

// figure is one IndicatorValue the note's figures fix.
type figure struct {
	indicator, variant string
	num, den           int64
}

func (f figure) String() string {
	return fmt.Sprintf("%s.%s = %d/%d", f.indicator, f.variant, f.num, f.den)
}

// The council's figures as at the as-at date (seed-scenario.md), with the
// DfE variants of the care-leaver figures as the metrics service defines
// them (EET and suitable accommodation over every open care leaver; in
// touch over the same base as the local variant).
var wantAtAsAt = []figure{
	{"cla_count", "dfe", 662, 0},
	{"cla_change_12m", "dfe", 40, 0},
	{"placement_foster", "dfe", 502, 662},
	{"placement_supported_accommodation", "dfe", 65, 662},
	{"placement_childrens_homes", "dfe", 58, 662},
	{"placement_with_parents", "dfe", 25, 662},
	{"placement_for_adoption", "dfe", 12, 662},
	{"placement_other", "dfe", 0, 662},
	{"placed_inside_boundary", "dfe", 369, 662},
	{"care_leaver_count", "dfe", 290, 0},
	{"care_leavers_in_touch", "local", 275, 287},
	{"care_leavers_in_touch", "dfe", 275, 287},
	{"care_leavers_eet", "local", 171, 275},
	{"care_leavers_eet", "dfe", 171, 290},
	{"care_leavers_suitable_accommodation", "local", 264, 275},
	{"care_leavers_suitable_accommodation", "dfe", 264, 290},
}

// TestSeedScenarioLoadsTheCouncilsFigures is the seed scenario's "done
// when": the whole suite (embedded NATS and the four services, each through
// its own app package) on free ports in a temporary directory, the plan for
// 31 March 2026 loaded through the services' gRPC APIs, and the metrics
// service reporting every one of the note's figures as at that date, and
// 622 children looked after twelve months earlier.
//
// The services' clock stands thirty days after the as-at date, so every
// write is in the past (as it is when the scenario is loaded for real) and
// the figures are read from the metrics service's history, not its live
// totals; standing still, the clock keeps the test the same whatever day it
// runs (the birthday clocks never cross a birthday the plan did not expect).
func TestSeedScenarioLoadsTheCouncilsFigures(t *testing.T) {
	asAt := clock.MustParseDate("2026-03-31")
	yearEarlier := asAt.AddMonths(-12)
	clk := clock.NewSettable(time.Time{})
	clk.SetDate(asAt.AddDays(30))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	began := time.Now()
	s, err := launcher.Start(ctx, launcher.Config{
		DataDir:   t.TempDir(),
		Host:      "127.0.0.1",
		NATSPort:  -1,
		BasePort:  0,
		CouncilLA: seed.CouncilLA,
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:     clk,
	})
	if err != nil {
		t.Fatalf("start the suite: %v", err)
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Errorf("suite stopped with: %v", err)
		}
	}()

	plan := seed.Plan(asAt, 1)
	clients, closeClients, err := seed.Dial(s.Addr("caseload"), s.Addr("placement"), s.Addr("careleaver"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeClients()
	loadStart := time.Now()
	if err := seed.Load(ctx, clients, plan, nil); err != nil {
		t.Fatalf("load the seed scenario: %v", err)
	}
	loaded := time.Since(loadStart)
	t.Logf("loaded %d writes for %d children in %v (%.0f writes/s); suite start + load %v",
		plan.Writes(), len(plan.Children), loaded.Round(time.Millisecond), float64(plan.Writes())/loaded.Seconds(), time.Since(began).Round(time.Millisecond))

	conn, err := grpc.NewClient(s.Addr("metrics"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	metrics := metricsv1.NewMetricsServiceClient(conn)

	// The events reach the metrics service through JetStream: poll until
	// every figure is right, then check each one (and report them all).
	var atAsAt, atYearEarlier map[string]*metricsv1.IndicatorValue
	testutil.CheckFor(t, 90*time.Second, 100*time.Millisecond, func() error {
		var err error
		if atAsAt, err = indicators(ctx, metrics, asAt); err != nil {
			return err
		}
		if atYearEarlier, err = indicators(ctx, metrics, yearEarlier); err != nil {
			return err
		}
		var wrong []string
		for _, f := range wantAtAsAt {
			if got := atAsAt[f.indicator+"."+f.variant]; got.GetNumerator() != f.num || got.GetDenominator() != f.den {
				wrong = append(wrong, fmt.Sprintf("%s: got %d/%d", f, got.GetNumerator(), got.GetDenominator()))
			}
		}
		if got := atYearEarlier["cla_count.dfe"].GetNumerator(); got != 622 {
			wrong = append(wrong, fmt.Sprintf("cla_count as at %s = %d, want 622", yearEarlier, got))
		}
		if len(wrong) > 0 {
			return fmt.Errorf("not (yet) the note's figures:\n  %s", strings.Join(wrong, "\n  "))
		}
		return nil
	})
	t.Logf("converged %v after the load", time.Since(loadStart.Add(loaded)).Round(time.Millisecond))
	for _, f := range wantAtAsAt {
		got := atAsAt[f.indicator+"."+f.variant]
		if got.GetNumerator() != f.num || got.GetDenominator() != f.den {
			t.Errorf("%s as at %s: got %d/%d", f, asAt, got.GetNumerator(), got.GetDenominator())
		}
	}
	if got := atYearEarlier["cla_count.dfe"].GetNumerator(); got != 622 {
		t.Errorf("cla_count as at %s = %d, want 622", yearEarlier, got)
	}
	// The note's drivers of the rise: more unaccompanied children and more
	// children placed with relatives or friends than a year before.
	for _, id := range []string{"uasc_count.dfe", "connected_persons_count.dfe"} {
		now, before := atAsAt[id].GetNumerator(), atYearEarlier[id].GetNumerator()
		t.Logf("%s: %d as at %s, %d as at %s", id, now, asAt, before, yearEarlier)
		if now <= before {
			t.Errorf("%s did not rise: %d as at %s, %d a year earlier", id, now, asAt, before)
		}
	}
	// The care-leaver figures by age band, against the plan's own count
	// (the test oracle). The bands move on birthdays by the care-leaver
	// service's birthday clock, which starts at its own today: for a
	// history loaded after the fact, a band change between a young
	// person's last event and the as-at date shows only because the clock
	// publishes it dated the birthday.
	want := newOracle(t, plan).figuresOn(asAt)
	bands, err := bandFigures(ctx, metrics, asAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"17_18", "19_21", "22_25"} {
		open, inTouch := bands["care_leaver_count.dfe."+b].GetNumerator(), bands["care_leavers_in_touch.local."+b].GetNumerator()
		t.Logf("care leavers aged %s: %d open, %d in touch", b, open, inTouch)
		if open != int64(want["care_leavers/"+b]) || inTouch != int64(want["in_touch/"+b]) {
			t.Errorf("care leavers aged %s as at %s: metrics %d open, %d in touch; the plan has %d open, %d in touch",
				b, asAt, open, inTouch, want["care_leavers/"+b], want["in_touch/"+b])
		}
	}
	for _, k := range []string{"care_leavers_in_touch.dfe", "care_leavers_eet.dfe", "care_leavers_suitable_accommodation.dfe", "placed_over_20_miles.dfe"} {
		v := atAsAt[k]
		t.Logf("%s = %d/%d (%.1f%%)", k, v.GetNumerator(), v.GetDenominator(), v.GetValue())
	}
}

// indicators returns every "all ages" figure as at d by indicator.variant.
func indicators(ctx context.Context, m metricsv1.MetricsServiceClient, d clock.Date) (map[string]*metricsv1.IndicatorValue, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := m.GetIndicators(cctx, &metricsv1.GetIndicatorsRequest{AsAtDate: d.String()})
	if err != nil {
		return nil, err
	}
	out := map[string]*metricsv1.IndicatorValue{}
	for _, v := range resp.GetValues() {
		if v.GetAgeBand() == "all" {
			out[v.GetIndicatorId()+"."+v.GetVariant()] = v
		}
	}
	return out, nil
}

// bandFigures returns every figure as at d by indicator.variant.band.
func bandFigures(ctx context.Context, m metricsv1.MetricsServiceClient, d clock.Date) (map[string]*metricsv1.IndicatorValue, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := m.GetIndicators(cctx, &metricsv1.GetIndicatorsRequest{AsAtDate: d.String()})
	if err != nil {
		return nil, err
	}
	out := map[string]*metricsv1.IndicatorValue{}
	for _, v := range resp.GetValues() {
		out[v.GetIndicatorId()+"."+v.GetVariant()+"."+v.GetAgeBand()] = v
	}
	return out, nil
}
