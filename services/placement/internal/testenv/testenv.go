// Package testenv starts what the placement service's tests run against:
// an in-process NATS JetStream server and the REAL caseload service on
// loopback (no mocks), with a settable clock, and registers children in it.
// Only tests import it.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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

// Today is the date the tests' clocks read unless a test moves them: a
// date in the 2025/26 collection year.
var Today = clock.MustParseDate("2025-11-03")

// Clock returns a settable clock at noon on Today.
func Clock() *clock.Settable {
	c := clock.NewSettable(time.Time{})
	c.SetDate(Today)
	return c
}

// Logger is a quiet logger for services under test (warnings and errors
// only, to the test's output).
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	if o := w.t.Output(); o != nil {
		return o.Write(p)
	}
	return io.Discard.Write(p)
}

// Caseload is a running caseload service.
type Caseload struct {
	Addr   string
	Client caseloadv1.CaseloadServiceClient
	Clock  *clock.Settable
	stop   func()
	seq    atomic.Int64
}

// StartCaseload runs the real caseload service in-process on 127.0.0.1:0
// against nats, with its data under t.TempDir(), until the test ends.
func StartCaseload(t testing.TB, nats *natsembed.Server, clk *clock.Settable) *Caseload {
	t.Helper()
	return StartCaseloadAt(t, nats, clk, "127.0.0.1:0", t.TempDir())
}

// StartCaseloadAt is StartCaseload on a given address and data directory.
func StartCaseloadAt(t testing.TB, nats *natsembed.Server, clk *clock.Settable, addr, dataDir string) *Caseload {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := caseloadapp.New(ctx, caseloadapp.Config{Service: service.Config{
		Name: "caseload", GRPCAddr: addr, DataDir: dataDir, NATSURL: nats.ClientURL(),
		Logger: Logger(t), Clock: clk, ShutdownTimeout: time.Second,
	}})
	if err != nil {
		cancel()
		t.Fatalf("start caseload: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		cancel()
		t.Fatalf("dial caseload: %v", err)
	}
	c := &Caseload{Addr: a.GRPCAddr(), Client: caseloadv1.NewCaseloadServiceClient(conn), Clock: clk}
	var stopped atomic.Bool
	c.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("caseload stopped with: %v", err)
		}
	}
	t.Cleanup(func() {
		_ = conn.Close()
		c.stop()
	})
	return c
}

// Stop stops the caseload service (as if it went down).
func (c *Caseload) Stop() { c.stop() }

// ChildSpec describes a child to register and take into care.
type ChildSpec struct {
	DOB         string // default 2015-06-01
	CareStart   string // default 2025-04-01; "-" for a child never looked after
	LegalStatus string // default C2
	UASC        bool
}

// Child registers a child in caseload and, unless spec.CareStart is "-",
// starts a period of care. It returns the pseudonymous child id.
func (c *Caseload) Child(t testing.TB, spec ChildSpec) string {
	t.Helper()
	if spec.DOB == "" {
		spec.DOB = "2015-06-01"
	}
	if spec.CareStart == "" {
		spec.CareStart = "2025-04-01"
	}
	if spec.LegalStatus == "" {
		spec.LegalStatus = "C2"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := c.seq.Add(1)
	reg, err := c.Client.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
		RequestId: c.reqID("register", n), LaChildId: fmt.Sprintf("LA%06d-%d", n, time.Now().UnixNano()),
		GivenName: "Test", FamilyName: "Child", DateOfBirth: spec.DOB, Sex: "F", Ethnicity: "WBRI",
	})
	if err != nil {
		t.Fatalf("caseload RegisterChild: %v", err)
	}
	id := reg.GetChild().GetChildId()
	if spec.UASC {
		if _, err := c.Client.SetUascStatus(ctx, &caseloadv1.SetUascStatusRequest{
			RequestId: c.reqID("uasc", n), ChildId: id, Uasc: &caseloadv1.UascStatus{IsUasc: true},
			EffectiveDate: spec.DOB,
		}); err != nil {
			t.Fatalf("caseload SetUascStatus: %v", err)
		}
	}
	if spec.CareStart != "-" {
		if _, err := c.Client.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
			RequestId: c.reqID("period", n), ChildId: id, StartDate: spec.CareStart,
			LegalStatus: spec.LegalStatus, CategoryOfNeed: "N1",
		}); err != nil {
			t.Fatalf("caseload StartPeriodOfCare: %v", err)
		}
	}
	return id
}

func (c *Caseload) reqID(what string, n int64) string {
	return fmt.Sprintf("testenv-%s-%d-%d", what, n, time.Now().UnixNano())
}

// ChangeLegalStatus changes the child's legal status from date.
func (c *Caseload) ChangeLegalStatus(t testing.TB, childID, date, ls string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Client.ChangeLegalStatus(ctx, &caseloadv1.ChangeLegalStatusRequest{
		RequestId: c.reqID("ls", c.seq.Add(1)), ChildId: childID, EffectiveDate: date, LegalStatus: ls,
	}); err != nil {
		t.Fatalf("caseload ChangeLegalStatus: %v", err)
	}
}

// StartNATS starts an in-process JetStream server for the test.
func StartNATS(t testing.TB) *natsembed.Server {
	t.Helper()
	return natsembed.StartForTest(t)
}

// FreeAddr returns a loopback address nothing listens on (bound and
// released), for a service that is down or not started yet.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("close: %v", err)
	}
	return addr
}
