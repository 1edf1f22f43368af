package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"

	"github.com/corporate-parenting/suite/services/suite/launcher"
)

// syncBuffer is a bytes.Buffer safe for the watch goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// suite runs the whole suite (the launcher: embedded NATS and the four
// services, as `go run ./services/suite/cmd/suite` does) on free loopback
// ports, with its clock at today.
type suite struct {
	addrs    []string // the cpctl flags pointing at it
	caseload caseloadv1.CaseloadServiceClient
}

func startSuite(t *testing.T, today string) *suite {
	t.Helper()
	clk := clock.NewSettable(time.Now())
	clk.SetDate(clock.MustParseDate(today))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := launcher.Start(ctx, launcher.Config{
		DataDir:   t.TempDir(),
		NATSPort:  -1,
		CouncilLA: "E08000026",
		Logger:    slog.New(slog.DiscardHandler),
		Clock:     clk,
	})
	if err != nil {
		cancel()
		t.Fatalf("starting the suite: %v", err)
	}
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
			t.Error("the suite did not stop")
		}
	})
	conn, err := grpc.NewClient(s.Addr("caseload"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &suite{
		addrs: []string{"-caseload", s.Addr("caseload"), "-placement", s.Addr("placement"),
			"-careleaver", s.Addr("careleaver"), "-metrics", s.Addr("metrics")},
		caseload: caseloadv1.NewCaseloadServiceClient(conn),
	}
}

// cpctl runs the command in-process: its exit status, stdout and stderr.
func (s *suite) cpctl(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, append(append([]string{}, s.addrs...), args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

// child registers a child (cpctl has no command for it: caseload's own
// clients do that) and starts a period of care.
func (s *suite) child(t *testing.T, n int, dob, start string) string {
	t.Helper()
	ctx := context.Background()
	reg, err := s.caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
		RequestId: fmt.Sprintf("e2e-reg-%d", n), LaChildId: fmt.Sprintf("E2E%04d", n),
		GivenName: "Test", FamilyName: fmt.Sprintf("Child%d", n), DateOfBirth: dob, Sex: "F", Ethnicity: "WBRI",
	})
	if err != nil {
		t.Fatalf("RegisterChild: %v", err)
	}
	id := reg.GetChild().GetChildId()
	if _, err := s.caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
		RequestId: fmt.Sprintf("e2e-start-%d", n), ChildId: id, StartDate: start, LegalStatus: "C2", CategoryOfNeed: "N1",
	}); err != nil {
		t.Fatalf("StartPeriodOfCare: %v", err)
	}
	return id
}

func eventually(t *testing.T, what string, f func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, last := f()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: gave up; last output:\n%s", what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEndToEnd drives the real suite through cpctl: list, place, a refusal
// with its DfE rule, move, the indicators table, watch, and a care leaver's
// contact.
func TestEndToEnd(t *testing.T) {
	s := startSuite(t, "2026-06-01")
	ctx := context.Background()

	a := s.child(t, 1, "2015-05-01", "2026-01-05")

	code, out, errOut := s.cpctl(ctx, "children", "-status", "looked_after")
	if code != 0 || !strings.Contains(out, a) || !strings.Contains(out, "looked after") || !strings.Contains(out, "C2") || !strings.Contains(out, "1 child\n") {
		t.Fatalf("children: %d\n%s%s", code, out, errOut)
	}

	// -v prints the request id (a UUIDv7) of the write.
	code, out, errOut = s.cpctl(ctx, "-v", "place", "-child", a, "-date", "2026-01-05", "-type", "U4", "-provider", "PR1", "-urn", "SC123456", "-la", "E08000026")
	if code != 0 || !strings.Contains(out, "placed: child "+a) || !strings.Contains(out, "U4 (foster) from 2026-01-05") || !strings.Contains(out, "inside the council's area (E08000026)") {
		t.Fatalf("place: %d\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`-> placement \S+ StartPlacement request_id=[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-`).MatchString(errOut) {
		t.Errorf("-v printed %q", errOut)
	}

	// Placed for adoption without a placement order: refused with the rule.
	code, out, errOut = s.cpctl(ctx, "place", "-change", "-reason", "CARPL", "-child", a, "-date", "2026-03-01", "-type", "A5", "-provider", "PR1", "-urn", "SC123456", "-la", "E08000026")
	if code != 1 || !strings.Contains(errOut, "refused: details.placement_type: 903:408: ") || out != "" {
		t.Fatalf("A5 under C2: %d\n%s%s", code, out, errOut)
	}

	// The figures follow (through JetStream to metrics).
	eventually(t, "indicators after the placement", func() (bool, string) {
		_, out, errOut := s.cpctl(ctx, "indicators", "-id", "cla_count,placement_foster")
		ok := strings.Contains(out, "Placed in foster care") && regexp.MustCompile(`Placed in foster care\s+100\.0%\s+1 of 1\s+`).MatchString(out) &&
			regexp.MustCompile(`Children looked after\s+1\s+-\s+0`).MatchString(out)
		return ok, out + errOut
	})

	// watch shows the move as it happens.
	wctx, stopWatch := context.WithCancel(ctx)
	var wout, werr syncBuffer
	watchDone := make(chan int, 1)
	go func() {
		watchDone <- run(wctx, append(append([]string{}, s.addrs...), "watch"), &wout, &werr)
	}()
	eventually(t, "watch's snapshot", func() (bool, string) {
		return strings.Contains(wout.String(), "snapshot of"), wout.String() + werr.String()
	})

	code, out, errOut = s.cpctl(ctx, "place", "-change", "-reason", "CARPL", "-child", a, "-date", "2026-03-01", "-type", "K2", "-provider", "PR2", "-urn", "SC654321", "-la", "E08000025")
	if code != 0 || !strings.Contains(out, "moved: child "+a+" on 2026-03-01 (reason CARPL)") || !strings.Contains(out, "outside the council's area (E08000025)") {
		t.Fatalf("move: %d\n%s%s", code, out, errOut)
	}
	eventually(t, "watch shows the move", func() (bool, string) {
		w := wout.String()
		return strings.Contains(w, "Placed in children's homes: 100.0% (1 of 1)") && strings.Contains(w, "Placed in foster care: 0.0% (0 of 1)"), w + werr.String()
	})
	stopWatch()
	if code := <-watchDone; code != 0 {
		t.Errorf("watch ended with %d: %s", code, werr.String())
	}

	// A care leaver: care from 14 ending at 17 opens a care-leaver record
	// (careleaver hears it from caseload's events).
	b := s.child(t, 2, "2009-03-10", "2023-05-01")
	if _, err := s.caseload.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{
		RequestId: "e2e-end-2", ChildId: b, EndDate: "2026-04-20", ReasonCeased: "E4A",
	}); err != nil {
		t.Fatalf("EndPeriodOfCare: %v", err)
	}
	eventually(t, "a contact for the new care leaver", func() (bool, string) {
		code, out, errOut := s.cpctl(ctx, "contact", "-child", b, "-date", "2026-05-01", "-in-touch", "yes", "-activ", "F2", "-accom", "U1")
		return code == 0 && strings.Contains(out, "recorded: contact ") && strings.Contains(out, "IN_TOUCH YES, ACTIV F2, ACCOM U1"), out + errOut
	})
	code, out, errOut = s.cpctl(ctx, "contact", "-child", b, "-date", "2026-05-02", "-in-touch", "YES", "-activ", "0", "-accom", "0")
	if code != 1 || !strings.HasPrefix(errOut, "refused: ") {
		t.Errorf("IN_TOUCH YES with ACTIV 0: %d\n%s%s", code, out, errOut)
	}
	t.Logf("a refused contact reads:\n%s", errOut)

	code, out, errOut = s.cpctl(ctx, "children", "-status", "care_leaver")
	if code != 0 || !strings.Contains(out, b) || strings.Contains(out, a) {
		t.Errorf("care leavers: %d\n%s%s", code, out, errOut)
	}
	_, out, _ = s.cpctl(ctx, "indicators")
	t.Logf("cpctl indicators:\n%s", out)

	// A past date reads the metrics service's history (not live).
	code, out, errOut = s.cpctl(ctx, "indicators", "-as-at", "2025-06-01", "-id", "cla_count")
	if code != 0 || !strings.HasPrefix(out, "Indicators as at 1 June 2025\n") {
		t.Errorf("indicators -as-at: %d\n%s%s", code, out, errOut)
	}
	t.Logf("cpctl indicators -as-at 2025-06-01 -id cla_count:\n%s", out)
}
