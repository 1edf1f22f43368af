package app_test

import (
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

// Reads and writes survive a restart of the service on the same data
// directory: every read answers the same, a retried request still returns
// its first response, and writes carry on from where they were.
func TestReadsAndWritesSurviveRestart(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for i, dob := range []string{"2009-02-03", "2012-07-08", "2016-11-30"} {
		id := h.register(fmt.Sprintf("LA-%d", i), fmt.Sprintf("Kid%d", i), "Restart", dob)
		h.startPeriod(id, "2024-04-01", "C1", "N1")
		h.changeLS(id, "2024-09-01", "C2")
		if _, err := h.client.AllocateWorker(h.ctx(), &caseloadv1.AllocateWorkerRequest{RequestId: h.rid(),
			ChildId: id, WorkerId: "SW-7", TeamId: "T-EAST", StartDate: "2024-04-02"}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	h.endPeriod(ids[0], "2026-02-03", "E5")

	snapshot := func() []proto.Message {
		var out []proto.Message
		for _, id := range ids {
			ch, err := h.client.GetChild(h.ctx(), &caseloadv1.GetChildRequest{ChildId: id})
			if err != nil {
				t.Fatal(err)
			}
			al, err := h.client.ListAllocations(h.ctx(), &caseloadv1.ListAllocationsRequest{ChildId: id})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ch, h.history(id), al, h.category(id, "2026-03-01"))
		}
		list, err := h.client.ListChildren(h.ctx(), &caseloadv1.ListChildrenRequest{WorkerId: "SW-7"})
		if err != nil {
			t.Fatal(err)
		}
		return append(out, list)
	}
	before := snapshot()
	h.restart()
	after := snapshot()
	for i := range before {
		if !proto.Equal(before[i], after[i]) {
			t.Errorf("read %d differs after restart:\nbefore %v\nafter  %v", i, before[i], after[i])
		}
	}

	retry := &caseloadv1.StartPeriodOfCareRequest{RequestId: "start-once", ChildId: ids[0], StartDate: "2026-03-01",
		LegalStatus: "V2", CategoryOfNeed: "N4"}
	first, err := h.client.StartPeriodOfCare(h.ctx(), retry)
	if err != nil {
		t.Fatal(err)
	}
	h.writes++
	h.restart()
	again, err := h.client.StartPeriodOfCare(h.ctx(), retry)
	if err != nil || !proto.Equal(first, again) {
		t.Fatalf("retry after restart = %v, %v; want the first response", again, err)
	}
	hist := h.history(ids[0])
	if n := len(hist.GetPeriods()); n != 2 || hist.GetPeriods()[1].GetStartDate() != "2026-03-01" {
		t.Fatalf("periods after restart: %v", hist.GetPeriods())
	}
	// Writes continue.
	h.changeLS(ids[1], "2025-06-01", "E1")
	if got := h.category(ids[1], "2025-06-02").GetLegalStatus(); got != "E1" {
		t.Fatalf("legal status after a write following restart = %q", got)
	}
	h.restart()
	if got := h.category(ids[1], "2025-06-02").GetLegalStatus(); got != "E1" {
		t.Fatalf("legal status after a second restart = %q", got)
	}
	h.waitEvents(h.writes + 3) // three allocations
}

// Concurrent retries of one request register one child, and every caller
// gets the same answer.
func TestConcurrentRetriesApplyOnce(t *testing.T) {
	h := newHarness(t)
	req := &caseloadv1.RegisterChildRequest{RequestId: "same", LaChildId: "LA-SAME", GivenName: "Sol",
		FamilyName: "Same", DateOfBirth: "2014-04-04", Sex: "M", Ethnicity: "WBRI"}
	var wg sync.WaitGroup
	ids := make([]string, 16)
	errs := make([]error, 16)
	for i := range ids {
		wg.Go(func() {
			resp, err := h.client.RegisterChild(h.ctx(), req)
			ids[i], errs[i] = resp.GetChild().GetChildId(), err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] || ids[0] == "" {
			t.Fatalf("call %d: %q, %v; call 0: %q", i, ids[i], errs[i], ids[0])
		}
	}
	// A different request id for the same child is a duplicate la_child_id.
	req2 := proto.Clone(req).(*caseloadv1.RegisterChildRequest)
	req2.RequestId = "other"
	if _, err := h.client.RegisterChild(h.ctx(), req2); codeOf(err) != codes.AlreadyExists {
		t.Fatalf("duplicate la_child_id: %v", err)
	}
	h.waitEvents(1)
}
