package launcher_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/corporate-parenting/suite/pkg/clock"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/suite/launcher"
)

const today = "2026-06-01"

type running struct {
	suite *launcher.Suite
	stop  func() error
}

func startSuite(t *testing.T, dataDir string) *running {
	t.Helper()
	clk := clock.NewSettable(time.Now())
	clk.SetDate(clock.MustParseDate(today))
	s, err := launcher.Start(context.Background(), launcher.Config{
		DataDir:     dataDir,
		NATSPort:    -1,
		CouncilLA:   "E08000026",
		CouncilName: "Test City Council",
		Logger:      slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Clock:       clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	r := &running{suite: s, stop: func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return errors.New("suite did not stop within 30s")
		}
	}}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func value(vs []*metricsv1.IndicatorValue, id, variant, band string) *metricsv1.IndicatorValue {
	for _, v := range vs {
		if v.IndicatorId == id && v.Variant == variant && v.AgeBand == band {
			return v
		}
	}
	return nil
}

// The whole suite in one process: every service healthy, a write through
// caseload, placement and careleaver counted by metrics, the scorecard page
// served, reconciliation against the real services reporting no difference,
// and the data found again after a restart.
func TestSuiteEndToEnd(t *testing.T) {
	dataDir := t.TempDir()
	r := startSuite(t, dataDir)
	ctx := context.Background()

	for _, svc := range []string{"caseload", "placement", "careleaver", "metrics"} {
		hc := healthpb.NewHealthClient(dial(t, r.suite.Addr(svc)))
		testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
			resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
			if err != nil {
				return err
			}
			if resp.Status != healthpb.HealthCheckResponse_SERVING {
				return fmt.Errorf("%s: %v", svc, resp.Status)
			}
			return nil
		})
	}

	caseload := caseloadv1.NewCaseloadServiceClient(dial(t, r.suite.Addr("caseload")))
	placement := placementv1.NewPlacementServiceClient(dial(t, r.suite.Addr("placement")))
	careleaver := careleaverv1.NewCareLeaverServiceClient(dial(t, r.suite.Addr("careleaver")))
	metrics := metricsv1.NewMetricsServiceClient(dial(t, r.suite.Addr("metrics")))

	register := func(la, dob, start string) string {
		t.Helper()
		c, err := caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
			RequestId: "reg-" + la, LaChildId: la, GivenName: "Synthetic", FamilyName: la,
			DateOfBirth: dob, Sex: "F", Ethnicity: "WBRI",
		})
		if err != nil {
			t.Fatalf("RegisterChild %s: %v", la, err)
		}
		id := c.Child.ChildId
		if _, err := caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
			RequestId: "start-" + la, ChildId: id, StartDate: start, LegalStatus: "C2", CategoryOfNeed: "N1",
		}); err != nil {
			t.Fatalf("StartPeriodOfCare %s: %v", la, err)
		}
		return id
	}

	// A child in foster care inside the boundary, another in a children's
	// home outside it.
	a := register("A1", "2015-05-01", "2025-01-10")
	if _, err := placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
		RequestId: "pl-a", ChildId: a, StartDate: "2025-01-10",
		Details: &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC100001", CarerId: "carer-1", PlacementLocalAuthority: "E08000026"},
	}); err != nil {
		t.Fatalf("StartPlacement a: %v", err)
	}
	b := register("B1", "2011-02-03", "2025-09-01")
	if _, err := placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
		RequestId: "pl-b", ChildId: b, StartDate: "2025-09-01",
		Details: &placementv1.PlacementDetails{PlacementType: "K2", Provider: "PR4", Urn: "SC100002", CarerId: "home-2", PlacementLocalAuthority: "E08000025"},
	}); err != nil {
		t.Fatalf("StartPlacement b: %v", err)
	}
	// A care leaver: looked after from 14, care ends at 17 (eligible), and a
	// keeping-in-touch contact recorded once the record has opened itself.
	c := register("C1", "2008-10-01", "2023-01-05")
	if _, err := placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
		RequestId: "pl-c", ChildId: c, StartDate: "2023-01-05",
		Details: &placementv1.PlacementDetails{PlacementType: "U6", Provider: "PR1", Urn: "SC100003", CarerId: "carer-3", PlacementLocalAuthority: "E08000026"},
	}); err != nil {
		t.Fatalf("StartPlacement c: %v", err)
	}
	if _, err := placement.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: "plend-c", ChildId: c, EndDate: "2026-02-01"}); err != nil {
		t.Fatalf("EndPlacement c: %v", err)
	}
	if _, err := caseload.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{
		RequestId: "end-c", ChildId: c, EndDate: "2026-02-01", ReasonCeased: "E6",
	}); err != nil {
		t.Fatalf("EndPeriodOfCare c: %v", err)
	}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		_, err := careleaver.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: c})
		return err
	})
	if _, err := careleaver.RecordContact(ctx, &careleaverv1.RecordContactRequest{
		RequestId: "contact-c", ChildId: c, ContactDate: "2026-05-01", InTouch: "YES", Activity: "F2", Accommodation: "U1",
	}); err != nil {
		t.Fatalf("RecordContact: %v", err)
	}

	want := []struct {
		id, variant, band string
		num, den          int64
	}{
		{"cla_count", "dfe", "all", 2, 0},
		{"placement_foster", "dfe", "all", 1, 2},
		{"placement_childrens_homes", "dfe", "all", 1, 2},
		{"placed_inside_boundary", "dfe", "all", 1, 2},
		{"care_leaver_count", "dfe", "all", 1, 0},
		{"care_leavers_in_touch", "local", "all", 1, 1},
		{"care_leavers_eet", "local", "all", 1, 1},
		{"care_leavers_suitable_accommodation", "dfe", "all", 1, 1},
	}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		resp, err := metrics.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{})
		if err != nil {
			return err
		}
		for _, w := range want {
			v := value(resp.Values, w.id, w.variant, w.band)
			if v == nil {
				return fmt.Errorf("%s/%s/%s missing", w.id, w.variant, w.band)
			}
			if v.Numerator != w.num || v.Denominator != w.den {
				return fmt.Errorf("%s/%s: %d/%d, want %d/%d", w.id, w.variant, v.Numerator, v.Denominator, w.num, w.den)
			}
		}
		return nil
	})

	// Reconciliation recounts from the three services over gRPC.
	rec, err := metrics.Reconcile(ctx, &metricsv1.ReconcileRequest{})
	if err != nil {
		t.Fatalf("Reconcile: %v", err)
	}
	if rec.Compared == 0 || len(rec.Differences) != 0 {
		t.Fatalf("Reconcile compared %d figures with differences %v; want zero differences", rec.Compared, rec.Differences)
	}

	// The Board scorecard page is served on the metrics HTTP port.
	resp, err := http.Get("http://" + r.suite.HTTPAddr("metrics") + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Children looked after") || !strings.Contains(string(page), "Test City Council") {
		t.Fatalf("scorecard page: status %d, body lacks its labels:\n%.400s", resp.StatusCode, page)
	}

	// A second start finds the data again.
	if err := r.stop(); err != nil {
		t.Fatalf("suite stop: %v", err)
	}
	r2 := startSuite(t, dataDir)
	caseload2 := caseloadv1.NewCaseloadServiceClient(dial(t, r2.suite.Addr("caseload")))
	if _, err := caseload2.GetChild(ctx, &caseloadv1.GetChildRequest{ChildId: a}); err != nil {
		t.Fatalf("child lost across restart: %v", err)
	}
	metrics2 := metricsv1.NewMetricsServiceClient(dial(t, r2.suite.Addr("metrics")))
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		resp, err := metrics2.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{IndicatorIds: []string{"cla_count"}})
		if err != nil {
			return err
		}
		if v := value(resp.Values, "cla_count", "dfe", "all"); v == nil || v.Numerator != 2 {
			return fmt.Errorf("cla_count after restart: %v, want 2", v)
		}
		return nil
	})
}

// The 903 episodes through both real services: placements recorded in
// placement reach caseload's copy over the PLACEMENT stream, and
// GetCareHistory merges them with the legal statuses: S, P on a move, L on
// a change of legal status, B when the child moves and the legal status
// changes the same day, X1 between, the period's E-code last.
func TestEpisodesMergeCaseloadAndPlacement(t *testing.T) {
	r := startSuite(t, t.TempDir())
	ctx := context.Background()
	caseload := caseloadv1.NewCaseloadServiceClient(dial(t, r.suite.Addr("caseload")))
	placement := placementv1.NewPlacementServiceClient(dial(t, r.suite.Addr("placement")))
	must := func(what string, _ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	details := func(place, carer, urn string) *placementv1.PlacementDetails {
		return &placementv1.PlacementDetails{PlacementType: place, Provider: "PR1", Urn: urn, CarerId: carer,
			PlacementLocalAuthority: "E08000026"}
	}

	reg, err := caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "reg", LaChildId: "EP1",
		GivenName: "Synthetic", FamilyName: "Episodes", DateOfBirth: "2015-05-01", Sex: "F", Ethnicity: "WBRI"})
	must("RegisterChild", reg, err)
	id := reg.GetChild().GetChildId()
	resp1, err := caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: "start", ChildId: id,
		StartDate: "2025-01-10", LegalStatus: "C2", CategoryOfNeed: "N1"})
	must("StartPeriodOfCare", resp1, err)
	resp2, err := placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: "pl-1", ChildId: id,
		StartDate: "2025-01-10", Details: details("U4", "carer-1", "SC200001")})
	must("StartPlacement", resp2, err)
	resp3, err := placement.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: "pl-2", ChildId: id,
		ChangeDate: "2025-03-01", ReasonForChange: "CARPL", Details: details("U4", "carer-2", "SC200002")})
	must("ChangePlacement", resp3, err)
	resp4, err := caseload.ChangeLegalStatus(ctx, &caseloadv1.ChangeLegalStatusRequest{RequestId: "ls-1", ChildId: id,
		EffectiveDate: "2025-06-01", LegalStatus: "C1"})
	must("ChangeLegalStatus", resp4, err)
	resp5, err := placement.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: "pl-3", ChildId: id,
		ChangeDate: "2025-09-01", ReasonForChange: "CREQB", Details: details("U6", "carer-3", "SC200003")})
	must("ChangePlacement", resp5, err)
	resp6, err := caseload.ChangeLegalStatus(ctx, &caseloadv1.ChangeLegalStatusRequest{RequestId: "ls-2", ChildId: id,
		EffectiveDate: "2025-09-01", LegalStatus: "V2"})
	must("ChangeLegalStatus same day", resp6, err)
	resp7, err := placement.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: "pl-end", ChildId: id, EndDate: "2026-01-31"})
	must("EndPlacement", resp7, err)
	resp8, err := caseload.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{RequestId: "end", ChildId: id,
		EndDate: "2026-01-31", ReasonCeased: "E8"})
	must("EndPeriodOfCare", resp8, err)

	// DECOM RNE LS PLACE DEC REC REASON_PLACE_CHANGE URN PL_LOCATION
	want := [][9]string{
		{"2025-01-10", "S", "C2", "U4", "2025-03-01", "X1", "CARPL", "SC200001", "IN"},
		{"2025-03-01", "P", "C2", "U4", "2025-06-01", "X1", "", "SC200002", "IN"},
		{"2025-06-01", "L", "C1", "U4", "2025-09-01", "X1", "CREQB", "SC200002", "IN"},
		{"2025-09-01", "B", "V2", "U6", "2026-01-31", "E8", "", "SC200003", "IN"},
	}
	// The copy lags the placement service by the event pipeline.
	testutil.CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		h, err := caseload.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: id})
		if err != nil {
			return err
		}
		var got [][9]string
		for _, e := range h.GetEpisodes() {
			got = append(got, [9]string{e.GetDecom(), e.GetReasonNewEpisode(), e.GetLegalStatus(), e.GetPlacementType(),
				e.GetDec(), e.GetReasonCeased(), e.GetReasonPlaceChange(), e.GetUrn(), e.GetPlacementLocation()})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("episodes:\n got %v\nwant %v", got, want)
		}
		return nil
	})
}
