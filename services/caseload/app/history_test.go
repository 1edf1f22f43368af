package app_test

import (
	"testing"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

const (
	lcNone     = caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_NONE
	lcEligible = caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE
	lcRelevant = caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_RELEVANT
	lcFormer   = caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_FORMER_RELEVANT
)

// A child runs through a realistic history over gRPC — start under C1,
// change to C2, end with E17 at 18 — alongside a child who leaves care at
// 16 (the relevant path) and another child on a short break under V3; the
// legal category as at many dates follows eligible → relevant → former
// relevant → none at 25.
func TestRealisticHistoryLegalCategory(t *testing.T) {
	h := newHarness(t)

	amy := h.register("LA-A", "Amy", "Adams", "2008-04-01")
	h.startPeriod(amy, "2021-05-10", "C1", "N1")
	h.changeLS(amy, "2021-09-01", "C2")

	ben := h.register("LA-B", "Ben", "Brown", "2009-01-15")
	h.startPeriod(ben, "2024-06-01", "V2", "N4")

	cal := h.register("LA-C", "Cal", "Cole", "2012-03-03")
	h.startPeriod(cal, "2026-05-01", "V3", "N2")
	h.endPeriod(cal, "2026-05-05", "E4A")

	if got := h.endPeriod(ben, "2025-09-30", "E6").GetLeavingCareStatus(); got != lcEligible {
		t.Errorf("Ben leaving care at 16: leaving_care_status = %v, want ELIGIBLE (a relevant care leaver)", got)
	}
	if got := h.endPeriod(amy, "2026-04-01", "E17").GetLeavingCareStatus(); got != lcEligible {
		t.Errorf("Amy leaving care at 18: leaving_care_status = %v, want ELIGIBLE (a former relevant care leaver)", got)
	}

	tests := []struct {
		who         string
		id          string
		asAt        string
		lookedAfter bool
		counted     bool
		ls          string
		status      caseloadv1.LeavingCareStatus
		age         int32
	}{
		{"Amy", amy, "2021-05-09", false, false, "", lcNone, 13},
		{"Amy", amy, "2021-05-10", true, true, "C1", lcNone, 13},
		{"Amy", amy, "2021-08-31", true, true, "C1", lcNone, 13},
		{"Amy", amy, "2021-09-01", true, true, "C2", lcNone, 13},
		{"Amy", amy, "2024-03-31", true, true, "C2", lcNone, 15},
		{"Amy", amy, "2024-04-01", true, true, "C2", lcEligible, 16},
		{"Amy", amy, "2026-03-31", true, true, "C2", lcEligible, 17},
		{"Amy", amy, "2026-04-01", false, false, "", lcFormer, 18},
		{"Amy", amy, "2030-01-01", false, false, "", lcFormer, 21},
		{"Amy", amy, "2033-03-31", false, false, "", lcFormer, 24},
		{"Amy", amy, "2033-04-01", false, false, "", lcNone, 25},

		{"Ben", ben, "2024-06-01", true, true, "V2", lcNone, 15},
		{"Ben", ben, "2025-01-14", true, true, "V2", lcNone, 15},
		{"Ben", ben, "2025-01-15", true, true, "V2", lcEligible, 16},
		{"Ben", ben, "2025-09-29", true, true, "V2", lcEligible, 16},
		{"Ben", ben, "2025-09-30", false, false, "", lcRelevant, 16},
		{"Ben", ben, "2027-01-14", false, false, "", lcRelevant, 17},
		{"Ben", ben, "2027-01-15", false, false, "", lcFormer, 18},
		{"Ben", ben, "2034-01-14", false, false, "", lcFormer, 24},
		{"Ben", ben, "2034-01-15", false, false, "", lcNone, 25},

		{"Cal", cal, "2026-04-30", false, false, "", lcNone, 14},
		{"Cal", cal, "2026-05-01", true, false, "V3", lcNone, 14},
		{"Cal", cal, "2026-05-04", true, false, "V3", lcNone, 14},
		{"Cal", cal, "2026-05-05", false, false, "", lcNone, 14},
	}
	for _, tt := range tests {
		t.Run(tt.who+"/"+tt.asAt, func(t *testing.T) {
			got := h.category(tt.id, tt.asAt)
			if got.GetLookedAfter() != tt.lookedAfter || got.GetCountedAsLookedAfter() != tt.counted ||
				got.GetLegalStatus() != tt.ls || got.GetLeavingCareStatus() != tt.status || got.GetAge() != tt.age {
				t.Errorf("as at %s: looked_after=%v counted=%v ls=%q status=%v age=%d; want %v %v %q %v %d",
					tt.asAt, got.GetLookedAfter(), got.GetCountedAsLookedAfter(), got.GetLegalStatus(),
					got.GetLeavingCareStatus(), got.GetAge(), tt.lookedAfter, tt.counted, tt.ls, tt.status, tt.age)
			}
			if got.GetAsAtDate() != tt.asAt || got.GetChildId() != tt.id {
				t.Errorf("answered for %s %s", got.GetChildId(), got.GetAsAtDate())
			}
		})
	}

	// Today (2026-06-30) by the service's clock.
	if got := h.category(amy, ""); got.GetAsAtDate() != "2026-06-30" || got.GetLeavingCareStatus() != lcFormer ||
		got.GetMonthOfBirth() != "2008-04" {
		t.Errorf("Amy today: %v", got)
	}
	for _, c := range []struct {
		id   string
		want caseloadv1.ChildStatus
	}{
		{amy, caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER},
		{ben, caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER},
		{cal, caseloadv1.ChildStatus_CHILD_STATUS_CLOSED},
	} {
		resp, err := h.client.GetChild(h.ctx(), &caseloadv1.GetChildRequest{ChildId: c.id})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetChild().GetStatus() != c.want {
			t.Errorf("%s status = %v, want %v", resp.GetChild().GetGivenName(), resp.GetChild().GetStatus(), c.want)
		}
	}

	// The derived 903 episodes: S under C1 ending X1, L under C2 ending E17.
	eps := h.history(amy).GetEpisodes()
	want := []struct{ decom, rne, ls, cin, dec, rec string }{
		{"2021-05-10", "S", "C1", "N1", "2021-09-01", "X1"},
		{"2021-09-01", "L", "C2", "N1", "2026-04-01", "E17"},
	}
	if len(eps) != len(want) {
		t.Fatalf("episodes = %v", eps)
	}
	for i, w := range want {
		e := eps[i]
		if e.GetDecom() != w.decom || e.GetReasonNewEpisode() != w.rne || e.GetLegalStatus() != w.ls ||
			e.GetCategoryOfNeed() != w.cin || e.GetDec() != w.dec || e.GetReasonCeased() != w.rec {
			t.Errorf("episode %d = %v, want %+v", i, e, w)
		}
	}
}
