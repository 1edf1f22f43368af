package ssda903

import (
	"fmt"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/codes"
)

// row renders the 903 columns of an episode compactly for comparison.
func row(e Episode) string {
	return strings.Join([]string{
		e.DECOM.String(), e.RNE, e.LS, e.CIN, e.Place, e.PlaceProvider,
		e.DEC.String(), e.REC, e.ReasonPlaceChange, e.URN, e.PLLocation,
	}, " ")
}

func TestMerge(t *testing.T) {
	care := child("2012-02-01",
		per("2020-01-01", "2021-06-01", "E4A", "C1", "C2@2020-03-01", "E1@2020-09-01", "C2@2020-11-01"),
		per("2022-01-01", "", "", "V2"),
	)
	pl := PlacementTimeline{
		// Period 1: no placement for the first four days.
		pls("U6", "2020-01-05", "2020-05-01", carer("A"), reason("CARPL")),
		pls("U4", "2020-05-01", "2020-07-01", carer("B"), reason("PLACE")),  // new carer: P
		pls("U5", "2020-07-01", "2020-09-01", carer("B"), reason("CARPL")),  // same carer: T
		pls("A6", "2020-09-01", "2020-11-01", carer("C"), reason("CHILD")),  // with LS change, new carer: B
		pls("U4", "2020-11-01", "2021-06-01", carer("C"), locatedIn("WAL")), // with LS change, same carer: U
		// Period 2 starts with its placement.
		pls("K2", "2022-01-01", "", carer("D"), urn("SC999999")),
	}
	got := Merge(care, pl)
	want := []string{
		"2020-01-01 S C1 N1   2020-01-05 X1   ",
		"2020-01-05 P C1 N1 U6 PR4 2020-03-01 X1  SC000001 IN",
		"2020-03-01 L C2 N1 U6 PR4 2020-05-01 X1 CARPL SC000001 IN",
		"2020-05-01 P C2 N1 U4 PR4 2020-07-01 X1 PLACE SC000001 IN",
		"2020-07-01 T C2 N1 U5 PR4 2020-09-01 X1 CARPL SC000001 IN",
		"2020-09-01 B E1 N1 A6 PR4 2020-11-01 X1 CHILD SC000001 IN",
		"2020-11-01 U C2 N1 U4 PR4 2021-06-01 E4A  SC000001 OUT",
		"2022-01-01 S V2 N1 K2 PR4    SC999999 IN",
	}
	if len(got) != len(want) {
		for _, e := range got {
			t.Log(row(e))
		}
		t.Fatalf("got %d episodes, want %d", len(got), len(want))
	}
	for i := range want {
		if g := row(got[i]); g != want[i] {
			t.Errorf("episode %d:\n got  %q\n want %q", i, g, want[i])
		}
	}
	// 143 and 149 by construction: every computed RNE and REC is a code.
	for _, e := range got {
		if y := yearOf(e.DECOM); !codes.ReasonNewEpisode.Valid(e.RNE, y) || (e.REC != "" && !codes.ReasonEpisodeCeased.Valid(e.REC, y)) {
			t.Errorf("episode %s: RNE %q / REC %q not valid codes", e.DECOM, e.RNE, e.REC)
		}
	}
	if got[1].PlacementID != pl[0].ID || got[1].CarerID != "A" || got[0].PeriodID != care.Periods[0].ID {
		t.Errorf("episode links wrong: %+v", got[1])
	}
}

func TestMergeEdges(t *testing.T) {
	t.Run("placement ending mid-period leaves an episode with no PLACE", func(t *testing.T) {
		care := child("2012-02-01", per("2020-01-01", "", "", "C2"))
		pl := PlacementTimeline{pls("U4", "2020-01-01", "2020-02-01", reason("CARPL"))}
		got := Merge(care, pl)
		if len(got) != 2 || got[1].Place != "" || got[1].RNE != "P" || got[0].REC != "X1" {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("repeated legal status makes no episode", func(t *testing.T) {
		care := child("2012-02-01", per("2020-01-01", "", "", "C2", "C2@2020-02-01"))
		if got := Merge(care, nil); len(got) != 1 {
			t.Fatalf("got %d episodes, want 1", len(got))
		}
	})
	t.Run("placements are clipped to the period", func(t *testing.T) {
		care := child("2012-02-01", per("2020-01-10", "2020-03-01", "E8", "C2"))
		pl := PlacementTimeline{pls("U4", "2020-01-01", "")}
		got := Merge(care, pl)
		if len(got) != 1 || got[0].DECOM != d("2020-01-10") || got[0].Place != "U4" || got[0].DEC != d("2020-03-01") || got[0].REC != "E8" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("periods out of order are merged in order", func(t *testing.T) {
		care := child("2012-02-01", per("2021-01-01", "", "", "C2"), per("2020-01-01", "2020-06-01", "E8", "V2"))
		got := Merge(care, nil)
		if len(got) != 2 || got[0].LS != "V2" || got[1].LS != "C2" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("no periods, no episodes", func(t *testing.T) {
		if got := Merge(CareTimeline{}, PlacementTimeline{pls("U4", "2020-01-01", "")}); len(got) != 0 {
			t.Fatalf("got %v", got)
		}
	})
}

// benchChild is a child with 5 periods of care and 20 legal-status spells,
// and a placement history to merge with.
func benchChild() (CareTimeline, PlacementTimeline) {
	care := CareTimeline{DOB: d("2005-03-15")}
	var pl PlacementTimeline
	lss := []string{"C1", "C2", "V2", "C2"}
	for i := 0; i < 5; i++ {
		y := 2018 + i
		start := fmt.Sprintf("%d-01-01", y)
		p := per(start, fmt.Sprintf("%d-11-01", y), "E4A")
		for j, ls := range lss {
			from := fmt.Sprintf("%d-%02d-01", y, 1+2*j)
			p.Statuses = append(p.Statuses, StatusSpell{ID: ls + from, LS: ls, Start: d(from)})
			pl = append(pl, pls("U4", fmt.Sprintf("%d-%02d-15", y, 1+2*j), fmt.Sprintf("%d-%02d-15", y, 2+2*j), reason("CARPL")))
		}
		care.Periods = append(care.Periods, p)
	}
	return care, pl
}

func BenchmarkMerge(b *testing.B) {
	care, pl := benchChild()
	b.ReportAllocs()
	for b.Loop() {
		if len(Merge(care, pl)) == 0 {
			b.Fatal("no episodes")
		}
	}
}
