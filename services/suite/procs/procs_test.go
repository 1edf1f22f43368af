package procs_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/suite/procs"
)

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// Five separate processes: each has its own pid, log file and data
// directory; a kill -9 leaves the others running and a restart finds the
// data again on the same address; Stop ends one with SIGTERM; the resident
// memory of each can be read; StopAll stops them all.
func TestSuiteOfSeparateProcesses(t *testing.T) {
	s := procs.StartForTest(t, procs.Config{LogLevel: "warn"})
	ctx := context.Background()

	pids := map[int]string{}
	for _, p := range s.Procs() {
		pid := p.PID()
		if pid == 0 || pid == os.Getpid() {
			t.Fatalf("%s: pid %d", p.Name(), pid)
		}
		if other, dup := pids[pid]; dup {
			t.Fatalf("%s and %s share pid %d", p.Name(), other, pid)
		}
		pids[pid] = p.Name()
		rss, err := p.RSS()
		if err != nil || rss < 1<<20 {
			t.Fatalf("%s RSS %d, %v", p.Name(), rss, err)
		}
		if _, err := os.Stat(p.LogPath()); err != nil {
			t.Fatalf("%s log: %v", p.Name(), err)
		}
	}
	if len(s.Procs()) != 5 || s.Proc(procs.NATSServer) == nil {
		t.Fatalf("procs %v", s.Describe())
	}
	for _, name := range procs.Services {
		if _, err := os.Stat(s.Proc(name).LogPath()); err != nil {
			t.Fatal(err)
		}
	}

	caseload := caseloadv1.NewCaseloadServiceClient(dial(t, s.Addr("caseload")))
	reg, err := caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "procs-reg", LaChildId: "PROCS1",
		GivenName: "Synthetic", FamilyName: "Procs", DateOfBirth: "2015-05-01", Sex: "F", Ethnicity: "WBRI"})
	if err != nil {
		t.Fatal(err)
	}
	id := reg.GetChild().GetChildId()
	if _, err := caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: "procs-start", ChildId: id,
		StartDate: "2025-01-10", LegalStatus: "C2", CategoryOfNeed: "N1"}); err != nil {
		t.Fatal(err)
	}

	// kill -9 caseload: it is gone, placement answers Unavailable, the
	// rest keep running.
	old := s.Proc("caseload").PID()
	if err := s.Kill("caseload"); err != nil {
		t.Fatal(err)
	}
	if alive(old) || s.Proc("caseload").Running() {
		t.Fatalf("caseload pid %d alive after Kill", old)
	}
	if _, err := s.Proc("caseload").RSS(); err == nil {
		t.Fatal("RSS of a dead process")
	}
	placement := placementv1.NewPlacementServiceClient(dial(t, s.Addr("placement")))
	_, err = placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: "procs-pl", ChildId: id, StartDate: "2025-01-10",
		Details: &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC062441", CarerId: "carer-1", PlacementLocalAuthority: "E08000026"}})
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("StartPlacement with caseload down: %v, want Unavailable", err)
	}
	for _, name := range []string{procs.NATSServer, "placement", "careleaver", "metrics"} {
		if !s.Proc(name).Running() {
			t.Fatalf("%s stopped when caseload was killed", name)
		}
	}
	select {
	case err := <-s.Unexpected():
		t.Fatalf("a kill through the suite reported as unexpected: %v", err)
	default:
	}

	if err := s.StartProc(ctx, "caseload"); err != nil {
		t.Fatal(err)
	}
	if s.Proc("caseload").PID() == old || s.Proc("caseload").Starts() != 2 {
		t.Fatalf("caseload pid %d (was %d), starts %d", s.Proc("caseload").PID(), old, s.Proc("caseload").Starts())
	}
	if got, err := caseload.GetChild(ctx, &caseloadv1.GetChildRequest{ChildId: id}); err != nil || got.GetChild().GetLaChildId() != "PROCS1" {
		t.Fatalf("child after kill -9 and restart: %v, %v", got, err)
	}
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		_, err := placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: "procs-pl", ChildId: id, StartDate: "2025-01-10",
			Details: &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC062441", CarerId: "carer-1", PlacementLocalAuthority: "E08000026"}})
		return err
	})
	// The events crossed the separate NATS server to the metrics process.
	metrics := metricsv1.NewMetricsServiceClient(dial(t, s.Addr("metrics")))
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		resp, err := metrics.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{IndicatorIds: []string{"cla_count", "placement_foster"}})
		if err != nil {
			return err
		}
		got := map[string]int64{}
		for _, v := range resp.GetValues() {
			if v.GetVariant() == "dfe" && v.GetAgeBand() == "all" {
				got[v.GetIndicatorId()] = v.GetNumerator()
			}
		}
		if got["cla_count"] != 1 || got["placement_foster"] != 1 {
			return fmt.Errorf("indicators %v, want cla_count 1, placement_foster 1", got)
		}
		return nil
	})

	// Restart = SIGTERM then start; the process exits cleanly.
	old = s.Proc("metrics").PID()
	if err := s.Restart(ctx, "metrics"); err != nil {
		t.Fatal(err)
	}
	if alive(old) || s.Proc("metrics").PID() == old {
		t.Fatal("metrics not restarted")
	}
	// The NATS server too.
	if err := s.Kill(procs.NATSServer); err != nil {
		t.Fatal(err)
	}
	if err := s.StartProc(ctx, procs.NATSServer); err != nil {
		t.Fatal(err)
	}
	if err := s.StartProc(ctx, "metrics"); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("StartProc of a running process: %v", err)
	}

	all := s.Procs()
	if err := s.StopAll(); err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		if p.Running() {
			t.Fatalf("%s still running after StopAll", p.Name())
		}
	}
	select {
	case err := <-s.Unexpected():
		t.Fatalf("unexpected exit: %v", err)
	default:
	}
	b, err := os.ReadFile(s.Proc("caseload").LogPath())
	if err != nil || strings.Count(string(b), "--- procs: starting") != 2 {
		t.Fatalf("caseload log should record two starts: %v\n%s", err, b)
	}
}

// A process that dies on its own is reported on Unexpected.
func TestUnexpectedExitIsReported(t *testing.T) {
	s := procs.StartForTest(t, procs.Config{LogLevel: "warn"})
	pid := s.Proc("careleaver").PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.Unexpected():
		if !strings.Contains(err.Error(), "careleaver") {
			t.Fatalf("unexpected exit names another process: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no report of careleaver's death")
	}
	if err := s.Stop("careleaver"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("Stop of a dead process: %v", err)
	}
}

func TestReadRSS(t *testing.T) {
	rss, err := procs.ReadRSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Fatalf("ReadRSS(self) = %d, %v", rss, err)
	}
	if _, err := procs.ReadRSS(1 << 30); err == nil {
		t.Fatal("ReadRSS of no process succeeded")
	}
}

func TestStartRefusesMissingBinaries(t *testing.T) {
	_, err := procs.Start(context.Background(), procs.Config{BinDir: t.TempDir(), DataDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "lacks") {
		t.Fatalf("Start without binaries: %v", err)
	}
}
