package caseloadclient_test

import (
	"context"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/careleaver/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/careleaver/internal/testenv"
)

func d(s string) clock.Date { return clock.MustParseDate(s) }

// The client against the real caseload service, then against none.
func TestClient(t *testing.T) {
	env := testenv.Start(t, d("2026-06-01"))
	id, _ := env.RecordLeaver(t, testenv.Leaver{DOB: "2008-11-30", Start: "2024-01-10", End: "2026-02-01", ReasonCeased: "E13"})
	c, err := caseloadclient.New(env.CaseloadAddr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()

	h, err := c.CareHistory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if h.ChildID != id || h.DOB != d("2008-11-30") || len(h.Periods) != 1 {
		t.Fatalf("history %+v", h)
	}
	if p := h.Periods[0]; p.ID == "" || p.Start != d("2024-01-10") || p.End != d("2026-02-01") || p.ReasonCeased != "E13" {
		t.Fatalf("period %+v", p)
	}
	for _, tt := range []struct {
		on   string
		want ssda903.LeavingCareStatus
	}{
		{"2026-01-31", ssda903.LeavingCareEligible},
		{"2026-02-01", ssda903.LeavingCareRelevant},
		{"2026-11-30", ssda903.LeavingCareFormerRelevant},
	} {
		got, err := c.LeavingCareStatus(ctx, id, d(tt.on))
		if err != nil || got != tt.want {
			t.Errorf("LeavingCareStatus on %s = %v, %v; want %v", tt.on, got, err, tt.want)
		}
	}
	if _, err := c.CareHistory(ctx, "no-such-child"); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("unknown child: %v", err)
	}
	if _, err := c.LeavingCareStatus(ctx, "no-such-child", d("2026-01-01")); errs.KindOf(err) != errs.KindNotFound {
		t.Fatalf("unknown child: %v", err)
	}

	env.StopCaseload()
	start := time.Now()
	if _, err := c.CareHistory(ctx, id); errs.KindOf(err) != errs.KindUnavailable {
		t.Fatalf("caseload down: %v, want Unavailable", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("a refused connection took %v to report", took)
	}
	if _, err := caseloadclient.New("", 0); err == nil {
		t.Fatal("New without an address")
	}
}
