package caseloadclient_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/grpcserver"

	"github.com/corporate-parenting/suite/services/placement/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

func newClient(t *testing.T, addr string, opts caseloadclient.Options) *caseloadclient.Client {
	t.Helper()
	c, err := caseloadclient.New(addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// The client against the real caseload service: the care timeline the 903
// rules need, with struck-out legal statuses left out.
func TestCareTimeline(t *testing.T) {
	cl := testenv.StartCaseload(t, testenv.StartNATS(t), testenv.Clock())
	id := cl.Child(t, testenv.ChildSpec{DOB: "2012-02-29", CareStart: "2025-04-01", LegalStatus: "V2", UASC: true})
	cl.ChangeLegalStatus(t, id, "2025-05-01", "C1")
	cl.ChangeLegalStatus(t, id, "2025-06-01", "C2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := cl.Client.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: id})
	if err != nil {
		t.Fatal(err)
	}
	c2 := h.GetPeriods()[0].GetLegalStatuses()[2].GetSpellId()
	if _, err := cl.Client.CorrectCareRecord(ctx, &caseloadv1.CorrectCareRecordRequest{
		RequestId: "strike-" + id, ChildId: id, Reason: "recorded in error",
		Correction: &caseloadv1.CorrectCareRecordRequest_StrikeLegalStatusSpellId{StrikeLegalStatusSpellId: c2},
	}); err != nil {
		t.Fatal(err)
	}

	c := newClient(t, cl.Addr, caseloadclient.Options{})
	care, err := c.CareTimeline(grpcserver.WithRequestID(ctx, "trace-1"), id)
	if err != nil {
		t.Fatal(err)
	}
	if care.DOB != clock.MustParseDate("2012-02-29") || !care.UASC || !care.UASCCeased.IsZero() || len(care.Periods) != 1 {
		t.Fatalf("care %+v", care)
	}
	p := care.Periods[0]
	if p.Start != clock.MustParseDate("2025-04-01") || !p.End.IsZero() || p.CIN != "N1" || p.ID == "" {
		t.Errorf("period %+v", p)
	}
	var ls []string
	for _, s := range p.Statuses {
		ls = append(ls, s.LS+"@"+s.Start.String())
	}
	if len(ls) != 2 || ls[0] != "V2@2025-04-01" || ls[1] != "C1@2025-05-01" {
		t.Errorf("legal statuses %v, want V2 then C1 (C2 was struck out)", ls)
	}
	if got, ok := care.LegalStatusOn(clock.MustParseDate("2025-07-01")); !ok || got != "C1" {
		t.Errorf("legal status on 2025-07-01 = %q, %v", got, ok)
	}

	if _, err := c.CareTimeline(ctx, "no-such-child"); errs.KindOf(err) != errs.KindNotFound {
		t.Errorf("unknown child: %v, want NotFound", err)
	}
	if _, err := c.CareTimeline(ctx, ""); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("empty child id: %v, want Invalid", err)
	}
}

// Nothing listening: the call is retried on Unavailable with back-off, a
// bounded number of times, then fails with Unavailable.
func TestUnavailableIsRetriedThenRefused(t *testing.T) {
	opts := caseloadclient.Options{Attempts: 4, Backoff: 40 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, Timeout: time.Second}
	c := newClient(t, testenv.FreeAddr(t), opts)
	start := time.Now()
	_, err := c.CareTimeline(context.Background(), "child-1")
	elapsed := time.Since(start)
	if errs.KindOf(err) != errs.KindUnavailable {
		t.Fatalf("got %v, want Unavailable", err)
	}
	// Three back-offs: 40 + 80 + 80 ms.
	if elapsed < 200*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("gave up after %v, want about 200 ms of back-off", elapsed)
	}
}

// A caseload that comes up while the call is backing off is reached.
func TestRetryReachesCaseloadThatStartsLate(t *testing.T) {
	nats := testenv.StartNATS(t)
	addr := testenv.FreeAddr(t)
	c := newClient(t, addr, caseloadclient.Options{Attempts: 40, Backoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	type result struct {
		err error
	}
	done := make(chan result, 1)
	go func() {
		_, err := c.CareTimeline(context.Background(), "no-such-child")
		done <- result{err}
	}()
	testenv.StartCaseloadAt(t, nats, testenv.Clock(), addr, t.TempDir())
	select {
	case r := <-done:
		// Caseload answered: the child is unknown there.
		if errs.KindOf(r.err) != errs.KindNotFound {
			t.Fatalf("got %v, want NotFound from the caseload that came up", r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no answer")
	}
}

// The caller giving up is the caller's error, not Unavailable.
func TestCallerCancels(t *testing.T) {
	c := newClient(t, testenv.FreeAddr(t), caseloadclient.Options{Attempts: 100, Backoff: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.CareTimeline(ctx, "child-1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's deadline", err)
	}
	if _, err := caseloadclient.New("", caseloadclient.Options{}); err == nil {
		t.Error("New accepted an empty address")
	}
}

func TestTimelineRejectsMalformedDates(t *testing.T) {
	_, err := caseloadclient.Timeline(&caseloadv1.GetCareHistoryResponse{DateOfBirth: "01/06/2015"})
	if errs.KindOf(err) != errs.KindInternal {
		t.Errorf("got %v, want Internal", err)
	}
	care, err := caseloadclient.Timeline(&caseloadv1.GetCareHistoryResponse{})
	if err != nil || !care.DOB.IsZero() || len(care.Periods) != 0 {
		t.Errorf("empty history: %+v, %v", care, err)
	}
}
