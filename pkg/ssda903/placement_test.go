package ssda903

import (
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// ctx is a 13-year-old (born 2010-06-15) looked after under ls since
// 2024-01-10, with the placements given.
func ctx(ls string, pl ...PlacementSpell) PlacementContext {
	return PlacementContext{
		Care:       child("2010-06-15", per("2024-01-10", "", "", ls)),
		Placements: pl,
		CouncilLA:  council,
		Now:        now,
	}
}

// aged is ctx for a child born on dob, looked after since 2021-01-01.
func aged(dob string) PlacementContext {
	return PlacementContext{Care: child(dob, per("2021-01-01", "", "", "C2")), CouncilLA: council, Now: now}
}

func TestCheckStartPlacement(t *testing.T) {
	start := func(c PlacementContext, p PlacementSpell) []errs.Violation { return CheckStartPlacement(c, p) }
	uasc := ctx("V2")
	uasc.Care.UASC = true
	closed := ctx("C2", pls("U4", "2024-01-10", "2024-05-01", reason("CARPL")))
	runCases(t, []ruleCase{
		{"pass/first placement", start(ctx("C2"), pls("U4", "2024-01-10", "")), "", ""},
		{"pass/after a gap", start(closed, pls("K2", "2024-06-01", "")), "", ""},
		{"903:141/missing start date refused", start(ctx("C2"), pls("U4", "", "")), "903:141", "start_date"},
		{"looked_after/before the period of care refused", start(ctx("C2"), pls("U4", "2023-12-01", "")), RuleLookedAfter, "start_date"},
		{"903:354/start in the future refused", start(ctx("C2"), pls("U4", "2026-04-01", "")), "903:354", "start_date"},
		{"903:501/already in a placement refused", start(ctx("C2", pls("U4", "2024-01-10", "")), pls("U6", "2024-03-01", "")), "903:501", "start_date"},
		{"903:501/overlapping an ended placement refused", start(closed, pls("K2", "2024-04-01", "")), "903:501", "start_date"},
		{"903:380/temporary placement cannot start a period", start(ctx("C2"), pls("T1", "2024-01-10", "")), "903:380", "details.placement_type"},
		{"903:146/unknown placement type refused", start(ctx("C2"), pls("Q1", "2024-01-10", "")), "903:146", "details.placement_type"},
		{"903:146/K3 before 2024/25 refused", start(aged("2006-01-01"), pls("K3", "2023-06-01", "")), "903:146", "details.placement_type"},
		{"903:146/K3 in 2024/25 allowed (upper case, validator defect not copied)", start(aged("2006-01-01"), pls("K3", "2024-06-01", "")), "", ""},
		{"903:146/lower-case k3 refused", start(aged("2006-01-01"), pls("k3", "2024-06-01", "")), "903:146", "details.placement_type"},
		{"903:146/H5 in 2025/26 refused", start(aged("2006-01-01"), pls("H5", "2025-06-01", "")), "903:146", "details.placement_type"},
		{"903:178/unknown provider refused", start(ctx("C2"), pls("U4", "2024-01-10", "", provider("PR9"))), "903:178", "details.provider"},
		{"903:213/provider for Z11 in 2025/26 refused", start(ctx("C2"), pls("Z11", "2025-06-01", "", provider("PR4"))), "903:213", "details.provider"},
		{"903:213/Z11 with no provider allowed", start(ctx("C2"), pls("Z11", "2025-06-01", "")), "", ""},
		{"903:526/foster placement with no provider refused", start(ctx("C2"), pls("U4", "2024-01-10", "", provider(""))), "903:526", "details.provider"},
		{"903:550/PR0 for a foster placement refused", start(ctx("C2"), pls("U4", "2024-01-10", "", provider("PR0"))), "903:550", "details.provider"},
		{"903:550/PR0 placed with parents allowed", start(ctx("C2"), pls("P1", "2024-01-10", "")), "", ""},
		{"903:527/PR1 for an NHS establishment refused", start(ctx("C2"), pls("R2", "2024-01-10", "", provider("PR1"))), "903:527", "details.provider"},
		{"903:528/PR2 for a YOI refused", start(ctx("J1"), pls("R5", "2024-01-10", "", provider("PR2"))), "903:528", "details.provider"},
		{"903:529/PR3 for a children's home refused", start(ctx("C2"), pls("K2", "2024-01-10", "", provider("PR3"))), "903:529", "details.provider"},
		{"903:529/PR3 for an NHS establishment allowed", start(ctx("C2"), pls("R2", "2024-01-10", "", provider("PR3"))), "", ""},
		{"903:530/PR4 placed with parents refused", start(ctx("C2"), pls("P1", "2024-01-10", "", provider("PR4"))), "903:530", "details.provider"},
		{"903:531/PR5 placed with parents refused", start(ctx("C2"), pls("P1", "2024-01-10", "", provider("PR5"))), "903:531", "details.provider"},
		{"903:218/children's home with no URN refused", start(ctx("C2"), pls("K2", "2024-01-10", "", urn(""))), "903:218", "details.urn"},
		{"903:218/URN not known (XXXXXXX) allowed", start(ctx("C2"), pls("K2", "2024-01-10", "", urn("XXXXXXX"))), "", ""},
		{"903:218/placed in Wales with no URN allowed", start(ctx("C2"), pls("K2", "2024-01-10", "", urn(""), locatedIn("WAL"))), "", ""},
		{"903:218/H5 with no URN in 2022/23 allowed", start(aged("2006-01-01"), pls("H5", "2022-06-01", "")), "", ""},
		{"903:218/H5 with no URN in 2023/24 refused", start(aged("2006-01-01"), pls("H5", "2023-06-01", "", urn(""))), "903:218", "details.urn"},
		{"903:222/URN for placed with parents refused", start(ctx("C2"), pls("P1", "2024-01-10", "", urn("SC123456"))), "903:222", "details.urn"},
		{"903:222/XXXXXXX for placed with parents allowed", start(ctx("C2"), pls("P1", "2024-01-10", "", urn("XXXXXXX"))), "", ""},
		{"903:411/location disagreeing with the local authority refused", start(ctx("C2"), pls("U4", "2024-01-10", "", func(s *PlacementSpell) { s.PlacementLA, s.Location = "E09000001", "IN" })), "903:411", "details.placement_local_authority"},
		{"903:411/location derived by Location allowed", start(ctx("C2"), pls("U4", "2024-01-10", "", locatedIn("E09000001"))), "", ""},
		{"903:1015/own children's home outside the area refused", start(ctx("C2"), pls("K2", "2024-01-10", "", provider("PR1"), locatedIn("E09000001"))), "903:1015", "details.provider"},
		{"903:1015/own foster carers outside the area allowed", start(ctx("C2"), pls("U4", "2024-01-10", "", provider("PR1"), locatedIn("E09000001"))), "", ""},
		{"903:1015/own provision outside the area for short breaks allowed", start(ctx("V3"), pls("K2", "2024-01-10", "", provider("PR1"), locatedIn("E09000001"))), "", ""},
		{"903:392d/children's home at the home address refused", start(ctx("C2"), pls("K2", "2024-01-10", "", atHome())), "903:392d", "details.placement_grid"},
		{"903:392d/placed with parents at the home address allowed", start(ctx("C2"), pls("P1", "2024-01-10", "", provider("PR0"), urn("XXXXXXX"), atHome())), "", ""},
		{"903:392d/foster care 0.0 miles away but not the same point allowed", start(ctx("C2"), pls("U4", "2024-01-10", "", dist(0))), "", ""},
		{"903:406/distance for a UASC refused", start(uasc, pls("U4", "2024-01-10", "", dist(12.5))), "903:406", "details.home_grid"},
		{"903:406/UASC with no distance allowed", start(uasc, pls("U4", "2024-01-10", "")), "", ""},
		{"903:164/distance over 999.9 refused", start(ctx("C2"), pls("U4", "2024-01-10", "", dist(1000.5))), "903:164", "details.placement_grid"},
		{"903:164/negative distance refused", start(ctx("C2"), pls("U4", "2024-01-10", "", dist(-1))), "903:164", "details.placement_grid"},
		{"903:454/distance over 350 refused", start(ctx("C2"), pls("U4", "2024-01-10", "", dist(400))), "903:454", "details.placement_grid"},
		{"903:454/350 miles allowed", start(ctx("C2"), pls("U4", "2024-01-10", "", dist(350))), "", ""},
		{"903:454/999.9 sentinel allowed", start(ctx("C2"), pls("U4", "2024-01-10", "", dist(999.9))), "", ""},
		{"903:398/distance for short breaks refused", start(ctx("V3"), pls("U6", "2024-01-10", "", dist(3))), "903:398", "details.home_grid"},
		{"903:370/P2 at 15 in 2023/24 refused", start(aged("2008-01-01"), pls("P2", "2023-10-01", "")), "903:370", "details.placement_type"},
		{"903:370/P2 at 16 in 2023/24 allowed", start(aged("2007-09-01"), pls("P2", "2023-10-01", "")), "", ""},
		{"903:370/P2 at 15 in 2022/23 allowed", start(aged("2007-06-01"), pls("P2", "2022-10-01", "")), "", ""},
		{"903:370/P2 at 14 in 2022/23 refused", start(aged("2008-06-01"), pls("P2", "2022-10-01", "")), "903:370", "details.placement_type"},
		{"903:371/H5 at 15 in 2023/24 refused", start(aged("2008-01-01"), pls("H5", "2023-10-01", "")), "903:371", "details.placement_type"},
		{"903:371/H5 at 14 in 2022/23 allowed", start(aged("2008-01-01"), pls("H5", "2022-10-01", "")), "", ""},
		{"903:371/open K3 placement at 15 refused (validator skips open episodes)", start(aged("2009-06-01"), pls("K3", "2024-10-01", "")), "903:371", "details.placement_type"},
		{"903:371/K3 at 16 allowed", start(aged("2008-06-01"), pls("K3", "2024-10-01", "")), "", ""},
		{"903:372/YOI at 9 refused", start(aged("2014-06-01"), pls("R5", "2024-01-10", "")), "903:372", "details.placement_type"},
		{"903:372/YOI at 10 allowed", start(aged("2014-01-10"), pls("R5", "2024-01-10", "")), "", ""},
		{"903:373/residential school at 3 refused", start(aged("2020-06-01"), pls("S1", "2024-01-10", "")), "903:373", "details.placement_type"},
		{"903:373/residential school at 4 allowed", start(aged("2019-06-01"), pls("S1", "2024-01-10", "")), "", ""},
		{"903:374/residential employment at 13 refused", start(ctx("C2"), pls("P3", "2024-01-10", "")), "903:374", "details.placement_type"},
		{"903:374/residential employment at 14 allowed", start(aged("2009-06-01"), pls("P3", "2024-01-10", "")), "", ""},
		{"903:378/placed with parents under V2 refused", start(ctx("V2"), pls("P1", "2024-01-10", "")), "903:378", "details.placement_type"},
		{"903:384/long-term fostering on short breaks refused", start(ctx("V3"), pls("U1", "2024-01-10", "")), "903:384", "details.placement_type"},
		{"903:384/short-term fostering on short breaks allowed", start(ctx("V3"), pls("U6", "2024-01-10", "")), "", ""},
		{"903:408/A5 without a placement order refused", start(ctx("C2"), pls("A5", "2024-01-10", "")), "903:408", "details.placement_type"},
		{"903:408/A5 under E1 allowed", start(ctx("E1"), pls("A5", "2024-01-10", "")), "", ""},
		{"903:217/A3 at the start of care allowed (RNE S)", start(ctx("C2"), pls("A3", "2024-01-10", "")), "", ""},
		{"903:217/A3 after a gap refused (RNE P)", start(closed, pls("A3", "2024-06-01", "")), "903:217", "details.placement_type"},
	})
}

func TestCheckChangePlacement(t *testing.T) {
	change := func(c PlacementContext, p PlacementSpell, why string) []errs.Violation {
		return CheckChangePlacement(c, p, why)
	}
	inU4 := ctx("C2", pls("U4", "2024-01-10", "", carer("F")))
	inT1 := func(from, to string) PlacementContext {
		return ctx("C2", pls("U4", "2024-01-10", from, carer("F")), pls("T1", from, ""))
	}
	nine := PlacementContext{Care: child("2014-06-15", per("2024-01-10", "", "", "J1")), Placements: PlacementTimeline{pls("U4", "2024-01-10", "")}, CouncilLA: council, Now: now}
	twelve := PlacementContext{Care: child("2011-06-15", per("2024-01-10", "", "", "J1")), Placements: PlacementTimeline{pls("U4", "2024-01-10", "")}, CouncilLA: council, Now: now}
	runCases(t, []ruleCase{
		{"pass/move to new foster carers", change(inU4, pls("U6", "2024-06-01", ""), "CARPL"), "", ""},
		{"903:141/missing change date refused", change(inU4, pls("U6", "", ""), "CARPL"), "903:141", "change_date"},
		{"current_placement/nothing to change refused", change(ctx("C2"), pls("U6", "2024-06-01", ""), "CARPL"), RuleCurrentPlacement, "change_date"},
		{"903:355/move on the day the placement began refused", change(inU4, pls("U6", "2024-01-10", ""), "CARPL"), "903:355", "change_date"},
		{"903:355/move the next day allowed", change(inU4, pls("U6", "2024-01-11", ""), "CARPL"), "", ""},
		{"903:354/move in the future refused", change(inU4, pls("U6", "2026-04-01", ""), "CARPL"), "903:354", "change_date"},
		{"903:225/move with no reason refused", change(inU4, pls("U6", "2024-06-01", ""), ""), "903:225", "reason_for_change"},
		{"903:1009/unknown reason refused", change(inU4, pls("U6", "2024-06-01", ""), "BORED"), "903:1009", "reason_for_change"},
		{"903:226/reason on a move to a temporary placement refused", change(inU4, pls("T4", "2024-06-01", ""), "CARPL"), "903:226", "reason_for_change"},
		{"903:226/move to a temporary placement with no reason allowed", change(inU4, pls("T4", "2024-06-01", ""), ""), "", ""},
		{"903:226/reason on a move from a temporary placement refused", change(inT1("2024-06-01", ""), pls("U6", "2024-06-10", ""), "CARPL"), "903:226", "reason_for_change"},
		{"903:234/CUSTOD for a 9-year-old refused", change(nine, pls("U6", "2024-03-01", ""), "CUSTOD"), "903:234", "reason_for_change"},
		{"903:234/CUSTOD for a 12-year-old allowed", change(twelve, pls("U6", "2024-03-01", ""), "CUSTOD"), "", ""},
		{"903:383/leaving hospital for a new placement in 2025/26 refused", change(inT1("2025-06-01", ""), pls("U6", "2025-06-10", ""), ""), "903:383", "details.placement_type"},
		{"903:383/leaving hospital for the same placement in 2025/26 allowed", change(inT1("2025-06-01", ""), pls("U4", "2025-06-10", "", carer("F")), ""), "", ""},
		{"903:383/leaving hospital for a new placement in 2024/25 allowed", change(inT1("2024-06-01", ""), pls("U6", "2024-06-10", ""), ""), "", ""},
		{"903:375/43 days in hospital refused", change(inT1("2024-06-01", ""), pls("U6", "2024-07-14", ""), ""), "903:375", "change_date"},
		{"903:375/42 days in hospital allowed", change(inT1("2024-06-01", ""), pls("U6", "2024-07-13", ""), ""), "", ""},
		{"903:217/A3 with the same foster carers allowed (RNE T)", change(inU4, pls("A3", "2024-06-01", "", carer("F")), "CARPL"), "", ""},
		{"903:217/A3 with new carers refused (RNE P)", change(inU4, pls("A3", "2024-06-01", "", carer("G")), "CARPL"), "903:217", "details.placement_type"},
		{"903:217/A5 from 2015 with the same carers allowed", change(ctx("E1", pls("U4", "2024-01-10", "", carer("F"))), pls("A5", "2024-06-01", "", carer("F")), "CARPL"), "", ""},
	})
}

func TestCheckEndPlacement(t *testing.T) {
	inU4 := ctx("C2", pls("U4", "2024-01-10", ""))
	inT4 := ctx("C2", pls("U4", "2024-01-10", "2024-06-01"), pls("T4", "2024-06-01", ""))
	runCases(t, []ruleCase{
		{"pass/placement ends", CheckEndPlacement(inU4, d("2024-06-01")), "", ""},
		{"903:147/missing end date refused", CheckEndPlacement(inU4, clock.Date{}), "903:147", "end_date"},
		{"current_placement/nothing to end refused", CheckEndPlacement(ctx("C2"), d("2024-06-01")), RuleCurrentPlacement, "end_date"},
		{"903:355/end on the start date refused", CheckEndPlacement(inU4, d("2024-01-10")), "903:355", "end_date"},
		{"903:385/end in the future refused", CheckEndPlacement(inU4, d("2026-04-01")), "903:385", "end_date"},
		{"903:381/temporary placement cannot just end", CheckEndPlacement(inT4, d("2024-06-03")), "903:381", "end_date"},
	})
}

func TestCheckStartTemporaryPlacement(t *testing.T) {
	temp := func(c PlacementContext, place, on string) []errs.Violation {
		return CheckStartTemporaryPlacement(c, PlacementSpell{Place: place, Start: d(on), PlacementLA: council})
	}
	inU4 := ctx("C2", pls("U4", "2024-01-10", ""))
	twoT3 := ctx("C2",
		pls("U4", "2024-01-10", "2024-02-01"), pls("T3", "2024-02-01", "2024-02-10"),
		pls("U4", "2024-02-10", "2024-07-01"), pls("T3", "2024-07-01", "2024-07-10"),
		pls("U4", "2024-07-10", ""),
	)
	runCases(t, []ruleCase{
		{"pass/hospital stay", temp(inU4, "T1", "2024-06-01"), "", ""},
		{"temporary_type/not a temporary type refused", temp(inU4, "U6", "2024-06-01"), RuleTemporaryType, "placement_type"},
		{"903:380/no placement to interrupt refused", temp(ctx("C2"), "T1", "2024-06-01"), "903:380", "start_date"},
		{"903:355/on the day the placement began refused", temp(inU4, "T1", "2024-01-10"), "903:355", "start_date"},
		{"903:354/in the future refused", temp(inU4, "T1", "2026-04-01"), "903:354", "start_date"},
		{"903:382/temporary placement on short breaks refused", temp(ctx("V3", pls("U6", "2024-01-10", "")), "T2", "2024-01-12"), "903:382", "placement_type"},
		{"903:377/third T3 in 12 months refused", temp(twoT3, "T3", "2024-12-01"), "903:377", "placement_type"},
		{"903:377/third T3 after 12 months allowed", temp(twoT3, "T3", "2025-02-01"), "", ""},
		{"903:146/temporary code valid", temp(inU4, "T0", "2024-06-01"), "", ""},
		{"903:213/provider for a temporary placement refused", CheckStartTemporaryPlacement(inU4, PlacementSpell{Place: "T2", Provider: "PR4", Start: d("2024-06-01")}), "903:213", "placement_type"},
	})
}

func TestCheckEndTemporaryPlacement(t *testing.T) {
	in := func(place, from string) PlacementContext {
		return ctx("C2", pls("U4", "2024-01-10", from, carer("F")), pls(place, from, ""))
	}
	orphan := ctx("C2", pls("T1", "2024-01-10", ""))
	runCases(t, []ruleCase{
		{"pass/return after 7 days", CheckEndTemporaryPlacement(in("T4", "2024-06-01"), d("2024-06-08")), "", ""},
		{"903:147/missing end date refused", CheckEndTemporaryPlacement(in("T4", "2024-06-01"), clock.Date{}), "903:147", "end_date"},
		{"current_placement/not in a temporary placement refused", CheckEndTemporaryPlacement(ctx("C2", pls("U4", "2024-01-10", "")), d("2024-06-08")), RuleCurrentPlacement, "end_date"},
		{"903:355/return on the day it began refused", CheckEndTemporaryPlacement(in("T4", "2024-06-01"), d("2024-06-01")), "903:355", "end_date"},
		{"903:385/return in the future refused", CheckEndTemporaryPlacement(in("T4", "2026-03-30"), d("2026-04-01")), "903:385", "end_date"},
		{"903:379/T4 for 8 days refused", CheckEndTemporaryPlacement(in("T4", "2024-06-01"), d("2024-06-09")), "903:379", "end_date"},
		{"903:376/T3 for 22 days refused", CheckEndTemporaryPlacement(in("T3", "2024-06-01"), d("2024-06-23")), "903:376", "end_date"},
		{"903:376/T3 for 21 days allowed", CheckEndTemporaryPlacement(in("T3", "2024-06-01"), d("2024-06-22")), "", ""},
		{"903:375/T1 for 43 days refused", CheckEndTemporaryPlacement(in("T1", "2024-06-01"), d("2024-07-14")), "903:375", "end_date"},
		{"903:375/T1 for 42 days allowed", CheckEndTemporaryPlacement(in("T1", "2024-06-01"), d("2024-07-13")), "", ""},
		{"903:383/nothing to return to refused", CheckEndTemporaryPlacement(orphan, d("2024-02-01")), "903:383", "end_date"},
		{"903:146/return to a type no longer valid refused", CheckEndTemporaryPlacement(PlacementContext{
			Care:       child("2007-01-01", per("2024-01-10", "", "", "C2")),
			Placements: PlacementTimeline{pls("H5", "2024-01-10", "2025-03-25"), pls("T1", "2025-03-25", "")},
			CouncilLA:  council, Now: now,
		}, d("2025-04-02")), "903:146", "end_date"},
	})
}

func TestResume(t *testing.T) {
	pl := PlacementTimeline{
		pls("U4", "2024-01-10", "2024-06-01", carer("F"), dist(4.2)),
		pls("T1", "2024-06-01", "2024-06-05"),
		pls("T4", "2024-06-05", ""),
	}
	r, ok := pl.Resume(d("2024-06-09"))
	if !ok {
		t.Fatal("no placement to resume through a chain of temporary placements")
	}
	if r.Place != "U4" || r.CarerID != "F" || r.Start != d("2024-06-09") || !r.End.IsZero() || r.ID != "" || *r.Distance != 4.2 {
		t.Fatalf("resumed %+v", r)
	}
	if pl.Interrupted(0) != -1 {
		t.Error("an ordinary placement interrupts nothing")
	}
	gap := PlacementTimeline{pls("U4", "2024-01-10", "2024-05-01"), pls("T1", "2024-06-01", "")}
	if _, ok := gap.Resume(d("2024-06-09")); ok {
		t.Error("resumed a placement that ended before a gap")
	}
}
