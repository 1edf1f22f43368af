// Package testenv starts, for the care-leaver service's tests, what the
// service runs against: an embedded NATS JetStream server and the REAL
// caseload service (its app package, in-process, over gRPC on 127.0.0.1),
// and records in caseload the care histories that make a young person a
// care leaver. Nothing is mocked.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"

	caseloadapp "github.com/corporate-parenting/suite/services/caseload/app"
)

// Env is a running NATS server and caseload service.
type Env struct {
	NATS *natsembed.Server
	// CaseloadAddr is the caseload service's gRPC address.
	CaseloadAddr string
	// Caseload is a client of it.
	Caseload caseloadv1.CaseloadServiceClient
	// CaseloadClock is caseload's clock ("today" for its date checks).
	CaseloadClock *clock.Settable

	caseloadDir  string
	stopCaseload func()
}

// Logger is a logger for a test: warnings and errors on t.Output().
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// Start starts NATS and caseload with caseload's clock reading today; both
// stop in t.Cleanup.
func Start(t testing.TB, today clock.Date) *Env {
	t.Helper()
	ns := natsembed.StartForTest(t)
	e := &Env{NATS: ns, CaseloadClock: clock.NewSettable(time.Time{})}
	e.CaseloadClock.SetDate(today)
	e.caseloadDir = t.TempDir()
	e.startCaseload(t, "127.0.0.1:0")
	conn, err := grpc.NewClient(e.CaseloadAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("caseload client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	e.Caseload = caseloadv1.NewCaseloadServiceClient(conn)
	return e
}

func (e *Env) startCaseload(t testing.TB, addr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := caseloadapp.New(ctx, caseloadapp.Config{Service: service.Config{
		GRPCAddr: addr,
		DataDir:  e.caseloadDir,
		NATSURL:  e.NATS.ClientURL(),
		Logger:   Logger(t).With("service", "caseload"),
		Clock:    e.CaseloadClock,
	}})
	if err != nil {
		cancel()
		t.Fatalf("caseload: %v", err)
	}
	e.CaseloadAddr = a.GRPCAddr()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once atomic.Bool
	e.stopCaseload = func() {
		if once.Swap(true) {
			return
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("caseload stopped: %v", err)
		}
	}
	t.Cleanup(e.stopCaseload)
}

// StopCaseload stops the caseload service (to test this service without
// it). Its address then refuses connections.
func (e *Env) StopCaseload() { e.stopCaseload() }

// RestartCaseload starts caseload again on the same address and file,
// after StopCaseload.
func (e *Env) RestartCaseload(t testing.TB) {
	t.Helper()
	e.StopCaseload()
	e.startCaseload(t, e.CaseloadAddr)
}

var seq atomic.Int64

// Leaver describes a care history to record in caseload.
type Leaver struct {
	DOB          string // YYYY-MM-DD
	Start        string // DECOM, with legal status C2 and need N1
	End          string // DEC
	ReasonCeased string // REC; E4A (returned home) if empty
}

// RecordLeaver registers a child in caseload, starts a period of care and
// ends it, and returns the child id and caseload's answer to the end.
func (e *Env) RecordLeaver(t testing.TB, l Leaver) (string, *caseloadv1.EndPeriodOfCareResponse) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := seq.Add(1)
	reg, err := e.Caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
		RequestId: fmt.Sprintf("reg-%d", n), LaChildId: fmt.Sprintf("LA%06d", n),
		GivenName: "Test", FamilyName: fmt.Sprintf("Leaver%d", n), DateOfBirth: l.DOB, Sex: "M", Ethnicity: "WBRI",
	})
	if err != nil {
		t.Fatalf("RegisterChild: %v", err)
	}
	id := reg.GetChild().GetChildId()
	if _, err := e.Caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
		RequestId: fmt.Sprintf("start-%d", n), ChildId: id, StartDate: l.Start, LegalStatus: "C2", CategoryOfNeed: "N1",
	}); err != nil {
		t.Fatalf("StartPeriodOfCare: %v", err)
	}
	if l.End == "" {
		return id, nil
	}
	return id, e.EndCare(t, id, l.End, l.ReasonCeased)
}

// EndCare ends the child's period of care in caseload.
func (e *Env) EndCare(t testing.TB, childID, end, rec string) *caseloadv1.EndPeriodOfCareResponse {
	t.Helper()
	if rec == "" {
		rec = "E4A"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := e.Caseload.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{
		RequestId: fmt.Sprintf("end-%d", seq.Add(1)), ChildId: childID, EndDate: end, ReasonCeased: rec,
	})
	if err != nil {
		t.Fatalf("EndPeriodOfCare: %v", err)
	}
	return resp
}

// StartCare starts a new period of care for the child in caseload.
func (e *Env) StartCare(t testing.TB, childID, start string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.Caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
		RequestId: fmt.Sprintf("start-%d", seq.Add(1)), ChildId: childID, StartDate: start, LegalStatus: "V2", CategoryOfNeed: "N1",
	}); err != nil {
		t.Fatalf("StartPeriodOfCare: %v", err)
	}
}

// ErrNotEligible is returned by Eligible for an end caseload did not report
// as ELIGIBLE.
var ErrNotEligible = errors.New("caseload did not report the end as ELIGIBLE")

// Eligible checks that caseload reported the end as ELIGIBLE.
func Eligible(resp *caseloadv1.EndPeriodOfCareResponse) error {
	if resp.GetLeavingCareStatus() != caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE {
		return fmt.Errorf("%w: %v", ErrNotEligible, resp.GetLeavingCareStatus())
	}
	return nil
}
