package app_test

import (
	"bytes"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
)

// Every write's event reaches the CASELOAD stream exactly once in effect:
// through an idempotent retry, a restart of the service, and NATS being
// down for a while. Each message's Nats-Msg-Id is its event_id, and events
// carry no name and no full date of birth.
func TestEventsReachJetStreamExactlyOnce(t *testing.T) {
	h := newHarness(t)

	reg := &caseloadv1.RegisterChildRequest{RequestId: "register-ada", LaChildId: "LA-ADA", GivenName: "Ada",
		FamilyName: "Quennell", DateOfBirth: "2015-05-17", Sex: "F", Ethnicity: "MWBC"}
	first, err := h.client.RegisterChild(h.ctx(), reg)
	if err != nil {
		t.Fatal(err)
	}
	id := first.GetChild().GetChildId()
	// A retry of the same request returns the first response and writes nothing.
	again, err := h.client.RegisterChild(h.ctx(), reg)
	if err != nil || !proto.Equal(first, again) {
		t.Fatalf("retry = %v, %v; want the first response", again, err)
	}
	// The same request id for a different request is refused.
	other := proto.Clone(reg).(*caseloadv1.RegisterChildRequest)
	other.LaChildId = "LA-OTHER"
	if _, err := h.client.RegisterChild(h.ctx(), other); codeOf(err) != codes.AlreadyExists {
		t.Fatalf("reused request_id: %v, want AlreadyExists", err)
	}

	h.startPeriod(id, "2025-01-01", "C1", "N1")
	h.changeLS(id, "2025-03-01", "C2")
	if _, err := h.client.AllocateWorker(h.ctx(), &caseloadv1.AllocateWorkerRequest{RequestId: h.rid(), ChildId: id,
		WorkerId: "SW-1", TeamId: "TEAM-N", StartDate: "2025-01-02"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.SetUascStatus(h.ctx(), &caseloadv1.SetUascStatusRequest{RequestId: h.rid(), ChildId: id,
		Uasc: &caseloadv1.UascStatus{IsUasc: true}, EffectiveDate: "2025-01-01"}); err != nil {
		t.Fatal(err)
	}

	h.restart()
	ended := h.endPeriod(id, "2026-01-31", "E4A")
	if _, err := h.client.CorrectCareRecord(h.ctx(), &caseloadv1.CorrectCareRecordRequest{RequestId: h.rid(), ChildId: id,
		Reason: "end recorded against the wrong child", Correction: &caseloadv1.CorrectCareRecordRequest_ReopenPeriodId{
			ReopenPeriodId: ended.GetPeriod().GetPeriodId()}}); err != nil {
		t.Fatal(err)
	}

	// NATS goes down: writes still succeed, their events wait in the outbox.
	h.nats.Shutdown()
	h.changeLS(id, "2026-02-01", "E1")
	h.nats = natsembed.RestartForTest(t, h.nats)

	evs := h.waitEvents(8)
	want := []struct {
		subject, effective string
		check              func(e *caseloadv1.CaseloadEvent) bool
	}{
		{"caseload.child.registered", "2026-06-30", func(e *caseloadv1.CaseloadEvent) bool {
			return e.GetChildRegistered().GetSex() == "F" && e.GetChildRegistered().GetEthnicity() == "MWBC"
		}},
		{"caseload.period.started", "2025-01-01", func(e *caseloadv1.CaseloadEvent) bool {
			p := e.GetPeriodStarted()
			return p.GetLegalStatus() == "C1" && p.GetCategoryOfNeed() == "N1" && !p.GetUasc() && p.GetPeriodId() != ""
		}},
		{"caseload.legal_status.changed", "2025-03-01", func(e *caseloadv1.CaseloadEvent) bool {
			l := e.GetLegalStatusChanged()
			return l.GetPreviousLegalStatus() == "C1" && l.GetLegalStatus() == "C2"
		}},
		{"caseload.allocation.changed", "2025-01-02", func(e *caseloadv1.CaseloadEvent) bool {
			return e.GetAllocationChanged().GetWorkerId() == "SW-1" && e.GetAllocationChanged().GetTeamId() == "TEAM-N"
		}},
		{"caseload.uasc.changed", "2025-01-01", func(e *caseloadv1.CaseloadEvent) bool { return e.GetUascChanged().GetIsUasc() }},
		{"caseload.period.ended", "2026-01-31", func(e *caseloadv1.CaseloadEvent) bool {
			p := e.GetPeriodEnded()
			return p.GetReasonCeased() == "E4A" && p.GetLegalStatus() == "C2" && p.GetAgeAtEnd() == 10 &&
				p.GetLeavingCareStatus() == lcNone
		}},
		{"caseload.care.corrected", "2026-01-31", func(e *caseloadv1.CaseloadEvent) bool {
			k := e.GetCareCorrected()
			return k.GetCorrectionKind() == "reopen_period" && k.GetLegalStatus() == "C2" && k.GetLookedAfter()
		}},
		{"caseload.legal_status.changed", "2026-02-01", func(e *caseloadv1.CaseloadEvent) bool {
			return e.GetLegalStatusChanged().GetLegalStatus() == "E1"
		}},
	}
	seen := map[string]bool{}
	for i, w := range want {
		p := evs[i]
		e := p.Event
		if p.Subject != w.subject || e.GetEffectiveDate() != w.effective || !w.check(e) {
			t.Errorf("event %d: %s %v; want %s effective %s", i, p.Subject, e, w.subject, w.effective)
		}
		if p.MsgID == "" || p.MsgID != e.GetEventId() {
			t.Errorf("event %d: Nats-Msg-Id %q, event_id %q: want equal", i, p.MsgID, e.GetEventId())
		}
		if seen[p.MsgID] {
			t.Errorf("event id %s published twice", p.MsgID)
		}
		seen[p.MsgID] = true
		if e.GetChildId() != id || e.GetMonthOfBirth() != "2015-05" || e.GetOccurTime() == nil {
			t.Errorf("event %d: child %q month %q occur %v", i, e.GetChildId(), e.GetMonthOfBirth(), e.GetOccurTime())
		}
		for _, secret := range []string{"Ada", "Quennell", "2015-05-17", "LA-ADA"} {
			if bytes.Contains(p.Raw, []byte(secret)) {
				t.Errorf("event %d (%s) carries %q", i, p.Subject, secret)
			}
		}
	}

	// Another restart republishes nothing.
	h.restart()
	last := h.register("LA-LAST", "Lee", "Last", "2015-01-01")
	evs = h.waitEvents(9)
	if evs[8].Event.GetChildId() != last {
		t.Fatalf("after a restart the stream got %v", subjects(evs[8:]))
	}
}
