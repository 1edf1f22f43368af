package testenv

import (
	"context"
	"net"
	"testing"
	"time"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

func TestCaseloadChild(t *testing.T) {
	cl := StartCaseload(t, StartNATS(t), Clock())
	id := cl.Child(t, ChildSpec{UASC: true, LegalStatus: "V2"})
	cl.ChangeLegalStatus(t, id, "2025-05-01", "C2")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := cl.Client.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: id})
	if err != nil {
		t.Fatal(err)
	}
	if h.GetDateOfBirth() != "2015-06-01" || !h.GetUasc().GetIsUasc() || len(h.GetPeriods()) != 1 ||
		len(h.GetPeriods()[0].GetLegalStatuses()) != 2 {
		t.Errorf("care history %v", h)
	}
	never := cl.Child(t, ChildSpec{CareStart: "-"})
	if h, err := cl.Client.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: never}); err != nil || len(h.GetPeriods()) != 0 {
		t.Errorf("child never looked after: %v, %v", h, err)
	}
	cl.Stop()
	cl.Stop() // twice is fine
}

func TestFreeAddr(t *testing.T) {
	addr := FreeAddr(t)
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Errorf("something listens on %s", addr)
	}
	if Clock().Now().Hour() != 12 || Today.String() != "2025-11-03" {
		t.Error("clock not at noon on Today")
	}
}
