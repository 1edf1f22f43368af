package testenv

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/corporate-parenting/suite/pkg/clock"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

// TestRecordLeaver: the helper records, in the real caseload service, a
// care history that caseload itself reports as making a care leaver.
func TestRecordLeaver(t *testing.T) {
	e := Start(t, clock.MustParseDate("2026-06-01"))
	id, end := e.RecordLeaver(t, Leaver{DOB: "2009-03-10", Start: "2023-05-01", End: "2026-04-20"})
	if err := Eligible(end); err != nil {
		t.Fatal(err)
	}
	cat, err := e.Caseload.GetLegalCategory(context.Background(), &caseloadv1.GetLegalCategoryRequest{ChildId: id, AsAtDate: "2026-04-20"})
	if err != nil {
		t.Fatal(err)
	}
	if cat.GetLeavingCareStatus() != caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_RELEVANT || cat.GetAge() != 17 {
		t.Fatalf("legal category on the end date = %v aged %d, want RELEVANT aged 17", cat.GetLeavingCareStatus(), cat.GetAge())
	}
	// Ending care under 16 does not make a care leaver.
	_, young := e.RecordLeaver(t, Leaver{DOB: "2012-01-01", Start: "2025-01-01", End: "2026-05-01"})
	if Eligible(young) == nil {
		t.Fatal("a 14-year-old leaving care was reported ELIGIBLE")
	}
}

// TestRestartCaseload: caseload comes back on the same address with its
// records.
func TestRestartCaseload(t *testing.T) {
	e := Start(t, clock.MustParseDate("2026-06-01"))
	id, _ := e.RecordLeaver(t, Leaver{DOB: "2009-03-10", Start: "2023-05-01"})
	addr := e.CaseloadAddr
	e.StopCaseload()
	if _, err := e.Caseload.GetChild(context.Background(), &caseloadv1.GetChildRequest{ChildId: id}); err == nil {
		t.Fatal("caseload answered while stopped")
	}
	e.RestartCaseload(t)
	if e.CaseloadAddr != addr {
		t.Fatalf("restarted on %s, want %s", e.CaseloadAddr, addr)
	}
	// The client's connection comes back after its reconnect back-off.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.Caseload.GetChild(ctx, &caseloadv1.GetChildRequest{ChildId: id}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	e.EndCare(t, id, "2026-04-20", "")
	e.StartCare(t, id, "2026-05-01")
}
