package app_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

// A representative set of DfE rules, as a caller meets them over gRPC: the
// status code, and a field violation naming the field and the rule id. Each
// refused write changes nothing (the child's record and history read the
// same before and after) and publishes nothing (checked at the end against
// the stream). The rules' own table tests are in pkg/ssda903.
func TestRefusedWritesNameTheRuleAndChangeNothing(t *testing.T) {
	h := newHarness(t)
	c := h.client
	const (
		inv  = codes.InvalidArgument
		cnfl = codes.FailedPrecondition
	)
	v := func(field, rule string) []violation { return []violation{{field, rule}} }

	// child registers a child born on dob with the given periods: each is
	// start, legal status, and optionally end and REC.
	type period struct{ start, ls, end, rec string }
	n := 0
	child := func(dob string, periods ...period) string {
		n++
		id := h.register("LA-R"+string(rune('A'+n)), "Rae", "Reid", dob)
		for _, p := range periods {
			h.startPeriod(id, p.start, p.ls, "N1")
			if p.end != "" {
				h.endPeriod(id, p.end, p.rec)
			}
		}
		return id
	}
	start := func(id, date, ls, cin string) error {
		_, err := c.StartPeriodOfCare(h.ctx(), &caseloadv1.StartPeriodOfCareRequest{
			RequestId: h.rid(), ChildId: id, StartDate: date, LegalStatus: ls, CategoryOfNeed: cin})
		return err
	}
	change := func(id, date, ls string) error {
		_, err := c.ChangeLegalStatus(h.ctx(), &caseloadv1.ChangeLegalStatusRequest{
			RequestId: h.rid(), ChildId: id, EffectiveDate: date, LegalStatus: ls})
		return err
	}
	end := func(id, date, rec string) error {
		_, err := c.EndPeriodOfCare(h.ctx(), &caseloadv1.EndPeriodOfCareRequest{
			RequestId: h.rid(), ChildId: id, EndDate: date, ReasonCeased: rec})
		return err
	}

	tests := []struct {
		name  string
		setup func() string
		call  func(id string) error
		code  codes.Code
		want  []violation
	}{
		{"302 care starts before birth", func() string { return child("2015-01-01") },
			func(id string) error { return start(id, "2014-12-01", "C1", "N1") }, inv, v("start_date", "903:302")},
		{"352 starts to be looked after at 18", func() string { return child("2007-01-01") },
			func(id string) error { return start(id, "2025-02-01", "V2", "N1") }, inv, v("start_date", "903:352")},
		{"358 youth justice status under 10", func() string { return child("2018-01-01") },
			func(id string) error { return start(id, "2026-01-01", "J1", "N6") }, inv, v("legal_status", "903:358")},
		{"141 DECOM missing", func() string { return child("2015-01-01") },
			func(id string) error { return start(id, "", "C1", "N1") }, inv, v("start_date", "903:141")},
		{"144 legal status not in the year's list", func() string { return child("2015-01-01") },
			func(id string) error { return start(id, "2026-01-01", "Z9", "N1") }, inv, v("legal_status", "903:144")},
		{"145 category of need not in the list", func() string { return child("2015-01-01") },
			func(id string) error { return start(id, "2026-01-01", "C1", "N9") }, inv, v("category_of_need", "903:145")},
		{"354 DECOM in the future", func() string { return child("2015-01-01") },
			func(id string) error { return start(id, "2026-07-01", "C1", "N1") }, inv, v("start_date", "903:354")},
		{"445 D1 after 2005", func() string { return child("2000-01-01") },
			func(id string) error { return start(id, "2010-01-01", "D1", "N1") }, inv, v("legal_status", "903:445")},
		{"446 E1 before December 2005", func() string { return child("2000-01-01") },
			func(id string) error { return start(id, "2005-06-01", "E1", "N1") }, inv, v("legal_status", "903:446")},
		{"142 a second open period", func() string { return child("2015-01-01", period{"2025-01-01", "C1", "", ""}) },
			func(id string) error { return start(id, "2026-01-01", "C1", "N1") }, cnfl, v("start_date", "903:142")},
		{"501 overlaps an earlier period", func() string {
			return child("2015-01-01", period{"2024-01-01", "C1", "2024-06-01", "E4A"})
		}, func(id string) error { return start(id, "2024-03-01", "C1", "N1") }, cnfl, v("start_date", "903:501")},
		{"431 RNE S on the previous DEC", func() string {
			return child("2015-01-01", period{"2024-01-01", "C1", "2024-06-01", "E4A"})
		}, func(id string) error { return start(id, "2024-06-01", "C1", "N1") }, cnfl, v("start_date", "903:431")},
		{"437 nothing after E2", func() string {
			return child("2015-01-01", period{"2024-01-01", "C1", "2024-06-01", "E2"})
		}, func(id string) error { return start(id, "2025-01-01", "C1", "N1") }, cnfl, v("start_date", "903:437")},
		{"355 new status the day the last began", func() string { return child("2015-01-01", period{"2026-01-01", "C1", "", ""}) },
			func(id string) error { return change(id, "2026-01-01", "C2") }, cnfl, v("effective_date", "903:355")},
		{"434 RNE L without a change of status", func() string { return child("2015-01-01", period{"2026-01-01", "C1", "", ""}) },
			func(id string) error { return change(id, "2026-02-01", "C1") }, cnfl, v("legal_status", "903:434")},
		{"361 L1 longer than 72 hours", func() string { return child("2015-01-01", period{"2026-01-01", "L1", "", ""}) },
			func(id string) error { return change(id, "2026-01-10", "C1") }, cnfl, v("effective_date", "903:361")},
		{"362 L2 longer than 21 days", func() string { return child("2015-01-01", period{"2026-01-01", "L2", "", ""}) },
			func(id string) error { return change(id, "2026-02-01", "C1") }, cnfl, v("effective_date", "903:362")},
		{"363 L3 longer than 7 days", func() string { return child("2015-01-01", period{"2026-01-01", "L3", "", ""}) },
			func(id string) error { return change(id, "2026-01-09", "C1") }, cnfl, v("effective_date", "903:363")},
		{"366 a period cannot change into a V3 short break", func() string { return child("2015-01-01", period{"2026-01-01", "C2", "", ""}) },
			func(id string) error { return change(id, "2026-02-01", "V3") }, cnfl, v("legal_status", "903:366")},
		{"no open period to change", func() string { return child("2015-01-01") },
			func(id string) error { return change(id, "2026-01-01", "C1") }, cnfl, v("effective_date", "looked_after")},
		{"365 short break longer than 17 days", func() string { return child("2012-01-01", period{"2026-01-01", "V3", "", ""}) },
			func(id string) error { return end(id, "2026-01-20", "E4A") }, cnfl, v("end_date", "903:365")},
		{"367 short breaks over 75 days in 12 months", func() string {
			return child("2012-01-01",
				period{"2026-01-01", "V3", "2026-01-18", "E4A"}, period{"2026-02-01", "V3", "2026-02-18", "E4A"},
				period{"2026-03-01", "V3", "2026-03-18", "E4A"}, period{"2026-04-01", "V3", "2026-04-18", "E4A"},
				period{"2026-05-01", "V3", "", ""})
		}, func(id string) error { return end(id, "2026-05-09", "E4A") }, cnfl, v("end_date", "903:367")},
		{"388 a period cannot end with X1", func() string { return child("2012-01-01", period{"2026-01-01", "C1", "", ""}) },
			func(id string) error { return end(id, "2026-02-01", "X1") }, inv, v("reason_ceased", "903:388")},
		{"149 REC not in the list", func() string { return child("2012-01-01", period{"2026-01-01", "C1", "", ""}) },
			func(id string) error { return end(id, "2026-02-01", "E99") }, inv, v("reason_ceased", "903:149")},
		{"148 DEC without REC", func() string { return child("2012-01-01", period{"2026-01-01", "C1", "", ""}) },
			func(id string) error { return end(id, "2026-02-01", "") }, inv, v("reason_ceased", "903:148")},
		{"148 REC without DEC", func() string { return child("2012-01-01", period{"2026-01-01", "C1", "", ""}) },
			func(id string) error { return end(id, "", "E4A") }, inv, v("end_date", "903:148")},
		{"356 DEC before DECOM", func() string { return child("2012-01-01", period{"2026-01-10", "C1", "", ""}) },
			func(id string) error { return end(id, "2026-01-05", "E4A") }, cnfl, v("end_date", "903:356")},
		{"355 an episode lasts at least a day", func() string { return child("2012-01-01", period{"2026-01-10", "C1", "", ""}) },
			func(id string) error { return end(id, "2026-01-10", "E4A") }, cnfl, v("end_date", "903:355")},
		{"385 DEC in the future", func() string { return child("2012-01-01", period{"2026-01-10", "C1", "", ""}) },
			func(id string) error { return end(id, "2026-07-05", "E4A") }, inv, v("end_date", "903:385")},
		{"460 staying put under 18", func() string { return child("2010-01-01", period{"2025-01-10", "C2", "", ""}) },
			func(id string) error { return end(id, "2026-01-05", "E17") }, inv, v("reason_ceased", "903:460")},
		{"386 adopted at 18", func() string { return child("2007-01-01", period{"2020-01-01", "C2", "", ""}) },
			func(id string) error { return end(id, "2025-02-01", "E11") }, inv, v("reason_ceased", "903:386")},
		{"407 special guardianship at 18", func() string { return child("2007-01-01", period{"2020-01-01", "C2", "", ""}) },
			func(id string) error { return end(id, "2025-02-01", "E45") }, inv, v("reason_ceased", "903:407")},
		{"387 independent living under 14", func() string { return child("2015-01-01", period{"2025-01-01", "C2", "", ""}) },
			func(id string) error { return end(id, "2026-02-01", "E5") }, inv, v("reason_ceased", "903:387")},
		{"389 adult social care under 16", func() string { return child("2015-01-01", period{"2025-01-01", "C2", "", ""}) },
			func(id string) error { return end(id, "2026-02-01", "E7") }, inv, v("reason_ceased", "903:389")},
		{"304 UASC ceased after the 18th birthday", func() string { return child("2007-01-01") },
			func(id string) error {
				_, err := c.SetUascStatus(h.ctx(), &caseloadv1.SetUascStatusRequest{RequestId: h.rid(), ChildId: id,
					Uasc: &caseloadv1.UascStatus{IsUasc: true, CeasedDate: "2025-06-01"}})
				return err
			}, inv, v("uasc.ceased_date", "903:304")},
		{"302 a corrected date of birth after care began", func() string {
			return child("2012-01-01", period{"2025-01-01", "C2", "", ""})
		}, func(id string) error {
			_, err := c.UpdateChild(h.ctx(), &caseloadv1.UpdateChildRequest{RequestId: h.rid(), ChildId: id, DateOfBirth: "2025-06-01"})
			return err
		}, inv, v("date_of_birth", "903:302")},
		{"the first legal status of a period cannot be struck out", func() string {
			return child("2012-01-01", period{"2025-01-01", "C1", "", ""})
		}, func(id string) error {
			spell := h.history(id).GetPeriods()[0].GetLegalStatuses()[0].GetSpellId()
			_, err := c.CorrectCareRecord(h.ctx(), &caseloadv1.CorrectCareRecordRequest{RequestId: h.rid(), ChildId: id,
				Reason: "typed in error", Correction: &caseloadv1.CorrectCareRecordRequest_StrikeLegalStatusSpellId{StrikeLegalStatusSpellId: spell}})
			return err
		}, cnfl, v("strike_legal_status_spell_id", "first_spell")},
		{"363 revealed by striking a status out", func() string {
			id := child("2012-01-01", period{"2026-01-01", "L3", "", ""})
			h.changeLS(id, "2026-01-05", "C1")
			h.changeLS(id, "2026-01-20", "C2")
			return id
		}, func(id string) error {
			spell := h.history(id).GetPeriods()[0].GetLegalStatuses()[1].GetSpellId()
			_, err := c.CorrectCareRecord(h.ctx(), &caseloadv1.CorrectCareRecordRequest{RequestId: h.rid(), ChildId: id,
				Reason: "C1 recorded in error", Correction: &caseloadv1.CorrectCareRecordRequest_StrikeLegalStatusSpellId{StrikeLegalStatusSpellId: spell}})
			return err
		}, cnfl, v("strike_legal_status_spell_id", "903:363")},
		{"request_id is required", func() string { return child("2012-01-01") },
			func(id string) error {
				_, err := c.StartPeriodOfCare(h.ctx(), &caseloadv1.StartPeriodOfCareRequest{ChildId: id, StartDate: "2026-01-01", LegalStatus: "C1", CategoryOfNeed: "N1"})
				return err
			}, inv, v("request_id", "required")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.setup()
			before := h.history(id)
			beforeChild, err := c.GetChild(h.ctx(), &caseloadv1.GetChildRequest{ChildId: id})
			if err != nil {
				t.Fatal(err)
			}
			code, got := refusal(t, tt.call(id))
			if code != tt.code {
				t.Errorf("code = %v, want %v", code, tt.code)
			}
			if !equalViolations(got, tt.want) {
				t.Errorf("violations = %v, want %v", got, tt.want)
			}
			after := h.history(id)
			afterChild, err := c.GetChild(h.ctx(), &caseloadv1.GetChildRequest{ChildId: id})
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(before, after) || !proto.Equal(beforeChild, afterChild) {
				t.Errorf("a refused write changed the record:\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	// A registration refused by rule 101 writes no child.
	_, err := c.RegisterChild(h.ctx(), &caseloadv1.RegisterChildRequest{RequestId: h.rid(), LaChildId: "LA-SEX",
		GivenName: "Sam", FamilyName: "Stone", DateOfBirth: "2015-01-01", Sex: "X", Ethnicity: "WBRI"})
	if code, got := refusal(t, err); code != inv || !equalViolations(got, v("sex", "903:101")) {
		t.Errorf("sex X: %v %v", code, got)
	}
	if _, err := c.GetChild(h.ctx(), &caseloadv1.GetChildRequest{LaChildId: "LA-SEX"}); codeOf(err) != codes.NotFound {
		t.Errorf("refused registration: GetChild = %v, want NotFound", err)
	}

	// Nothing refused was published: the relay publishes in commit order,
	// so once the last successful write's event is on the stream, any event
	// of a refused write would be there before it.
	last := h.register("LA-LAST", "Lee", "Last", "2015-01-01")
	evs := h.waitEvents(h.writes)
	if got := evs[len(evs)-1].Event.GetChildId(); got != last {
		t.Fatalf("last event is for %s, want the final registration %s", got, last)
	}
}

func equalViolations(a, b []violation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
