package app_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

// "My caseload": children listed by worker, team, name and status, paged;
// allocation history kept newest first.
func TestListChildrenAndAllocations(t *testing.T) {
	h := newHarness(t)
	ava := h.register("LA-1", "Ava", "Smith", "2012-01-01")
	avery := h.register("LA-2", "Avery", "Jones", "2013-01-01")
	bo := h.register("LA-3", "Bo", "Smithson", "2008-02-01")
	cy := h.register("LA-4", "Cy", "Young", "2014-01-01")
	di := h.register("LA-5", "Di", "Ng", "2015-01-01")
	all := []string{ava, avery, bo, cy, di}
	slices.Sort(all)

	h.startPeriod(ava, "2025-01-01", "C1", "N1")   // looked after
	h.startPeriod(avery, "2025-01-01", "C2", "N1") // looked after
	h.startPeriod(bo, "2023-01-01", "C2", "N1")    // eligible, then relevant
	h.endPeriod(bo, "2025-03-01", "E6")            // a care leaver today
	h.startPeriod(cy, "2025-01-01", "C2", "N1")    //
	h.endPeriod(cy, "2025-06-01", "E4A")           // closed
	allocate := func(id, worker, team, start string) error {
		_, err := h.client.AllocateWorker(h.ctx(), &caseloadv1.AllocateWorkerRequest{RequestId: h.rid(),
			ChildId: id, WorkerId: worker, TeamId: team, StartDate: start})
		return err
	}
	for _, a := range []struct{ id, w, t, d string }{
		{ava, "w1", "t1", "2025-01-01"}, {avery, "w1", "t1", "2025-01-01"},
		{bo, "w2", "t1", "2025-01-01"}, {cy, "w2", "t2", "2025-01-01"},
		{avery, "w2", "t2", "2025-05-01"},
	} {
		if err := allocate(a.id, a.w, a.t, a.d); err != nil {
			t.Fatal(err)
		}
	}
	if err := allocate(avery, "w3", "t3", "2025-04-01"); codeOf(err) != codes.FailedPrecondition {
		t.Fatalf("allocation before the current one: %v, want FailedPrecondition", err)
	}

	list := func(req *caseloadv1.ListChildrenRequest) []string {
		t.Helper()
		resp, err := h.client.ListChildren(h.ctx(), req)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range resp.GetChildren() {
			ids = append(ids, c.GetChildId())
		}
		return ids
	}
	sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
	tests := []struct {
		name string
		req  *caseloadv1.ListChildrenRequest
		want []string
	}{
		{"all", &caseloadv1.ListChildrenRequest{}, all},
		{"worker w1", &caseloadv1.ListChildrenRequest{WorkerId: "w1"}, []string{ava}},
		{"worker w2", &caseloadv1.ListChildrenRequest{WorkerId: "w2"}, sorted(avery, bo, cy)},
		{"team t1", &caseloadv1.ListChildrenRequest{TeamId: "t1"}, sorted(ava, bo)},
		{"worker w2 in team t2", &caseloadv1.ListChildrenRequest{WorkerId: "w2", TeamId: "t2"}, sorted(avery, cy)},
		{"name prefix smi", &caseloadv1.ListChildrenRequest{NamePrefix: "smi"}, sorted(ava, bo)},
		{"name prefix AV", &caseloadv1.ListChildrenRequest{NamePrefix: "AV"}, sorted(ava, avery)},
		{"looked after", &caseloadv1.ListChildrenRequest{Status: caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER}, sorted(ava, avery)},
		{"care leavers", &caseloadv1.ListChildrenRequest{Status: caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER}, []string{bo}},
		{"closed", &caseloadv1.ListChildrenRequest{Status: caseloadv1.ChildStatus_CHILD_STATUS_CLOSED}, []string{cy}},
		{"never looked after", &caseloadv1.ListChildrenRequest{Status: caseloadv1.ChildStatus_CHILD_STATUS_NOT_LOOKED_AFTER}, []string{di}},
		{"w2 looked after", &caseloadv1.ListChildrenRequest{WorkerId: "w2", Status: caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER}, []string{avery}},
		{"unknown worker", &caseloadv1.ListChildrenRequest{WorkerId: "nobody"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(tt.req); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Pages of two cover everything once, in child_id order.
	var paged []string
	token, pages := "", 0
	for {
		resp, err := h.client.ListChildren(h.ctx(), &caseloadv1.ListChildrenRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, c := range resp.GetChildren() {
			paged = append(paged, c.GetChildId())
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if pages != 3 || !slices.Equal(paged, all) {
		t.Fatalf("%d pages: %v, want 3 pages of %v", pages, paged, all)
	}
	if _, err := h.client.ListChildren(h.ctx(), &caseloadv1.ListChildrenRequest{PageToken: "not-a-token"}); codeOf(err) != codes.InvalidArgument {
		t.Fatalf("bad page token: %v", err)
	}

	// Allocation history, newest first; the current one on the child.
	resp, err := h.client.ListAllocations(h.ctx(), &caseloadv1.ListAllocationsRequest{ChildId: avery})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.GetAllocations()
	if len(got) != 2 || got[0].GetWorkerId() != "w2" || got[0].GetStartDate() != "2025-05-01" || got[0].GetEndDate() != "" ||
		got[1].GetWorkerId() != "w1" || got[1].GetStartDate() != "2025-01-01" || got[1].GetEndDate() != "2025-05-01" {
		t.Fatalf("allocations = %v", got)
	}
	child, err := h.client.GetChild(h.ctx(), &caseloadv1.GetChildRequest{LaChildId: "LA-2"})
	if err != nil {
		t.Fatal(err)
	}
	if child.GetChild().GetChildId() != avery || child.GetChild().GetCurrentAllocation().GetTeamId() != "t2" ||
		child.GetChild().GetCurrentPeriod().GetLegalStatuses()[0].GetLegalStatus() != "C2" {
		t.Fatalf("GetChild by la_child_id = %v", child)
	}
	if _, err := h.client.GetChild(h.ctx(), &caseloadv1.GetChildRequest{ChildId: "nope"}); codeOf(err) != codes.NotFound {
		t.Fatalf("unknown child: %v", err)
	}
}

// Corrections are explicit writes: a struck-out legal status and a reopened
// period stay in the history with the reason, the derived episodes follow
// the corrected timeline, and each correction publishes care.corrected.
func TestCorrectionsKeepTheHistory(t *testing.T) {
	h := newHarness(t)
	id := h.register("LA-COR", "Cora", "Rect", "2012-05-05")
	h.startPeriod(id, "2025-01-01", "C1", "N1")
	p := h.changeLS(id, "2025-02-01", "C2")
	wrong := p.GetLegalStatuses()[1].GetSpellId()
	h.changeLS(id, "2025-06-01", "E1")
	ended := h.endPeriod(id, "2026-01-10", "E11")

	correct := func(req *caseloadv1.CorrectCareRecordRequest) *caseloadv1.PeriodOfCare {
		t.Helper()
		req.RequestId, req.ChildId = h.rid(), id
		resp, err := h.client.CorrectCareRecord(h.ctx(), req)
		if err != nil {
			t.Fatal(err)
		}
		h.writes++
		return resp.GetPeriod()
	}
	correct(&caseloadv1.CorrectCareRecordRequest{Reason: "order not yet made",
		Correction: &caseloadv1.CorrectCareRecordRequest_StrikeLegalStatusSpellId{StrikeLegalStatusSpellId: wrong}})
	reopened := correct(&caseloadv1.CorrectCareRecordRequest{Reason: "adoption order not granted",
		Correction: &caseloadv1.CorrectCareRecordRequest_ReopenPeriodId{ReopenPeriodId: ended.GetPeriod().GetPeriodId()}})
	if reopened.GetEndDate() != "" || reopened.GetReasonCeased() != "" {
		t.Fatalf("reopened period = %v", reopened)
	}

	hist := h.history(id)
	spells := hist.GetPeriods()[0].GetLegalStatuses()
	if len(spells) != 3 || !spells[1].GetCorrected() || spells[0].GetEndDate() != "2025-06-01" || spells[2].GetEndDate() != "" {
		t.Fatalf("spells = %v", spells)
	}
	if len(hist.GetCorrections()) != 2 || hist.GetCorrections()[0].GetKind() != "strike_legal_status_spell" ||
		hist.GetCorrections()[0].GetTargetId() != wrong || hist.GetCorrections()[1].GetReason() != "adoption order not granted" {
		t.Fatalf("corrections = %v", hist.GetCorrections())
	}
	eps := hist.GetEpisodes()
	if len(eps) != 2 || eps[0].GetLegalStatus() != "C1" || eps[0].GetDec() != "2025-06-01" || eps[1].GetLegalStatus() != "E1" || eps[1].GetDec() != "" {
		t.Fatalf("episodes = %v", eps)
	}
	if got := h.category(id, "2025-03-01").GetLegalStatus(); got != "C1" {
		t.Fatalf("legal status after the strike = %q, want C1", got)
	}
	if !h.category(id, "2026-03-01").GetLookedAfter() {
		t.Fatal("not looked after after the period was reopened")
	}
	evs := h.waitEvents(h.writes)
	struck, re := evs[len(evs)-2], evs[len(evs)-1]
	if struck.Subject != "caseload.care.corrected" || struck.Event.GetEffectiveDate() != "2025-02-01" ||
		struck.Event.GetCareCorrected().GetLegalStatus() != "C1" || !struck.Event.GetCareCorrected().GetLookedAfter() {
		t.Errorf("strike event = %v", struck.Event)
	}
	if re.Event.GetEffectiveDate() != "2026-01-10" || re.Event.GetCareCorrected().GetCorrectionKind() != "reopen_period" ||
		re.Event.GetCareCorrected().GetLegalStatus() != "E1" {
		t.Errorf("reopen event = %v", re.Event)
	}
}
