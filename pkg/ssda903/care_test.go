package ssda903

import (
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
)

func TestCheckStartPeriod(t *testing.T) {
	kid := child("2010-06-15")
	old := child("2000-01-01")
	adult := child("2006-01-01")
	open := child("2010-06-15", per("2024-01-10", "", "", "C2"))
	ended := child("2010-06-15", per("2024-01-10", "2024-05-01", "E4A", "C2"))
	died := child("2010-06-15", per("2024-01-10", "2024-05-01", "E2", "C2"))
	assessed := child("2010-06-15", per("2024-01-10", "2024-05-01", "E15", "V2"))
	runCases(t, []ruleCase{
		{"pass/first period", CheckStartPeriod(kid, d("2024-01-10"), "C1", "N1", now), "", ""},
		{"903:141/missing start date refused", CheckStartPeriod(kid, clock.Date{}, "C1", "N1", now), "903:141", "start_date"},
		{"903:141/impossible start date refused", CheckStartPeriod(kid, clock.Date{Y: 2024, M: 2, D: 30}, "C1", "N1", now), "903:141", "start_date"},
		{"903:144/unknown legal status refused", CheckStartPeriod(kid, d("2024-01-10"), "X9", "N1", now), "903:144", "legal_status"},
		{"903:144/lower-case code refused", CheckStartPeriod(kid, d("2024-01-10"), "c1", "N1", now), "903:144", "legal_status"},
		{"903:144/D1 not in the 2024/25 list", CheckStartPeriod(kid, d("2024-06-01"), "D1", "N1", now), "903:144", "legal_status"},
		{"903:445/D1 after 31/12/2005 refused", CheckStartPeriod(old, d("2006-01-02"), "D1", "N1", now), "903:445", "legal_status"},
		{"903:445/D1 on 31/12/2005 allowed", CheckStartPeriod(old, d("2005-12-31"), "D1", "N1", now), "", ""},
		{"903:446/E1 before 01/12/2005 refused", CheckStartPeriod(old, d("2005-11-30"), "E1", "N1", now), "903:446", "legal_status"},
		{"903:446/E1 on 01/12/2005 allowed", CheckStartPeriod(old, d("2005-12-01"), "E1", "N1", now), "", ""},
		{"903:145/unknown category of need refused", CheckStartPeriod(kid, d("2024-01-10"), "C1", "N9", now), "903:145", "category_of_need"},
		{"903:145/N8 allowed", CheckStartPeriod(kid, d("2024-01-10"), "C1", "N8", now), "", ""},
		{"903:302/start before birth refused", CheckStartPeriod(kid, d("2010-06-14"), "C1", "N1", now), "903:302", "start_date"},
		{"903:302/start on the day of birth allowed", CheckStartPeriod(kid, d("2010-06-15"), "V2", "N1", now), "", ""},
		{"903:352/start on the 18th birthday refused", CheckStartPeriod(adult, d("2024-01-01"), "V2", "N1", now), "903:352", "start_date"},
		{"903:352/start the day before 18 allowed", CheckStartPeriod(adult, d("2023-12-31"), "V2", "N1", now), "", ""},
		{"903:358/J1 at 9 refused", CheckStartPeriod(kid, d("2020-06-14"), "J1", "N6", now), "903:358", "legal_status"},
		{"903:358/J1 on the 10th birthday allowed (validator defect not copied)", CheckStartPeriod(kid, d("2020-06-15"), "J1", "N6", now), "", ""},
		{"903:358/J3 at 13 allowed", CheckStartPeriod(kid, d("2024-01-10"), "J3", "N6", now), "", ""},
		{"903:354/start tomorrow refused", CheckStartPeriod(kid, d("2026-04-01"), "C1", "N1", now), "903:354", "start_date"},
		{"903:354/start today allowed", CheckStartPeriod(kid, now, "C1", "N1", now), "", ""},
		{"903:142/second open period refused", CheckStartPeriod(open, d("2025-01-01"), "C1", "N1", now), "903:142", "start_date"},
		{"903:501/start inside an earlier period refused", CheckStartPeriod(ended, d("2024-04-01"), "C1", "N1", now), "903:501", "start_date"},
		{"903:501/start before an earlier period refused", CheckStartPeriod(ended, d("2023-01-01"), "C1", "N1", now), "903:501", "start_date"},
		{"903:431/start on the day the last period ended refused", CheckStartPeriod(ended, d("2024-05-01"), "C1", "N1", now), "903:431", "start_date"},
		{"903:431/start the day after the last period ended allowed", CheckStartPeriod(ended, d("2024-05-02"), "C1", "N1", now), "", ""},
		{"903:437/nothing after E2 (died)", CheckStartPeriod(died, d("2025-01-01"), "C1", "N1", now), "903:437", "start_date"},
		{"903:437/nothing after E15 (age assessed 18+)", CheckStartPeriod(assessed, d("2025-01-01"), "V2", "N1", now), "903:437", "start_date"},
	})
}

func TestCheckChangeLegalStatus(t *testing.T) {
	base := child("2010-06-15", per("2024-01-10", "", "", "C1"))
	ended := child("2010-06-15", per("2024-01-10", "2024-05-01", "E4A", "C1"))
	nine := child("2014-06-15", per("2024-01-10", "", "", "V2"))
	with := func(ls string) CareTimeline { return child("2010-06-15", per("2024-01-10", "", "", ls)) }
	// Four 17-day V3 breaks (68 days) and an open V3 break from 1 October.
	respite := child("2010-06-15",
		per("2023-02-01", "2023-02-18", "E4A", "V3"),
		per("2023-04-01", "2023-04-18", "E4A", "V3"),
		per("2023-06-01", "2023-06-18", "E4A", "V3"),
		per("2023-08-01", "2023-08-18", "E4A", "V3"),
		per("2023-10-01", "", "", "V3"),
	)
	inP1 := PlacementTimeline{pls("P1", "2024-01-10", "")}
	inA5 := PlacementTimeline{pls("A5", "2024-01-10", "")}
	inU4 := PlacementTimeline{pls("U4", "2024-01-10", "", carer("F"))}
	inT1 := PlacementTimeline{pls("U4", "2024-01-10", "2024-03-01"), pls("T1", "2024-03-01", "")}
	toA3 := func(sameCarer bool) PlacementTimeline {
		c := "G"
		if sameCarer {
			c = "F"
		}
		return PlacementTimeline{pls("U4", "2024-01-10", "2024-03-01", carer("F"), reason("CARPL")), pls("A3", "2024-03-01", "", carer(c))}
	}
	k2Out := PlacementTimeline{pls("K2", "2024-01-10", "", provider("PR1"), locatedIn("E09000001"))}
	u6Out := PlacementTimeline{pls("U6", "2024-01-10", "", provider("PR1"), locatedIn("E09000001"))}
	withDistance := PlacementTimeline{pls("U6", "2024-01-10", "", dist(5.2))}
	runCases(t, []ruleCase{
		{"pass/C1 to C2", CheckChangeLegalStatus(base, nil, d("2024-03-01"), "C2", now), "", ""},
		{"looked_after/no open period refused", CheckChangeLegalStatus(ended, nil, d("2024-03-01"), "C2", now), RuleLookedAfter, "effective_date"},
		{"903:141/missing date refused", CheckChangeLegalStatus(base, nil, clock.Date{}, "C2", now), "903:141", "effective_date"},
		{"903:355/change on the day the status began refused", CheckChangeLegalStatus(base, nil, d("2024-01-10"), "C2", now), "903:355", "effective_date"},
		{"903:355/change before the status began refused", CheckChangeLegalStatus(base, nil, d("2023-12-01"), "C2", now), "903:355", "effective_date"},
		{"903:355/change the next day allowed", CheckChangeLegalStatus(base, nil, d("2024-01-11"), "C2", now), "", ""},
		{"903:354/change in the future refused", CheckChangeLegalStatus(base, nil, d("2026-04-01"), "C2", now), "903:354", "effective_date"},
		{"903:144/unknown legal status refused", CheckChangeLegalStatus(base, nil, d("2024-03-01"), "C3", now), "903:144", "legal_status"},
		{"903:446/E1 allowed after 2005", CheckChangeLegalStatus(base, nil, d("2024-03-01"), "E1", now), "", ""},
		{"903:434/same legal status is not a change", CheckChangeLegalStatus(base, nil, d("2024-03-01"), "C1", now), "903:434", "legal_status"},
		{"903:358/J2 at 9 refused", CheckChangeLegalStatus(nine, nil, d("2024-03-01"), "J2", now), "903:358", "legal_status"},
		{"903:358/J2 on the 10th birthday allowed", CheckChangeLegalStatus(nine, nil, d("2024-06-15"), "J2", now), "", ""},
		{"903:361/L1 for 4 days refused", CheckChangeLegalStatus(with("L1"), nil, d("2024-01-14"), "V2", now), "903:361", "effective_date"},
		{"903:361/L1 for 72 hours allowed", CheckChangeLegalStatus(with("L1"), nil, d("2024-01-13"), "V2", now), "", ""},
		{"903:362/L2 for 22 days refused", CheckChangeLegalStatus(with("L2"), nil, d("2024-02-01"), "C1", now), "903:362", "effective_date"},
		{"903:362/L2 for 21 days allowed", CheckChangeLegalStatus(with("L2"), nil, d("2024-01-31"), "C1", now), "", ""},
		{"903:363/L3 for 8 days refused", CheckChangeLegalStatus(with("L3"), nil, d("2024-01-18"), "C1", now), "903:363", "effective_date"},
		{"903:363/L3 for 7 days allowed", CheckChangeLegalStatus(with("L3"), nil, d("2024-01-17"), "C1", now), "", ""},
		{"903:364/J2 for 22 days refused", CheckChangeLegalStatus(with("J2"), nil, d("2024-02-01"), "J1", now), "903:364", "effective_date"},
		{"903:364/J2 for 21 days allowed", CheckChangeLegalStatus(with("J2"), nil, d("2024-01-31"), "J1", now), "", ""},
		{"903:366/a period cannot change into a V3 short break", CheckChangeLegalStatus(with("C2"), nil, d("2024-03-01"), "V3", now), "903:366", "legal_status"},
		{"903:366/V4 within a period allowed", CheckChangeLegalStatus(with("V2"), nil, d("2024-03-01"), "V4", now), "", ""},
		{"903:365/V3 break of 18 days refused", CheckChangeLegalStatus(with("V3"), nil, d("2024-01-28"), "V2", now), "903:365", "effective_date"},
		{"903:365/V3 break of 17 days allowed", CheckChangeLegalStatus(with("V3"), nil, d("2024-01-27"), "V2", now), "", ""},
		{"903:367/76 days of V3 in 12 months refused", CheckChangeLegalStatus(respite, nil, d("2023-10-09"), "V2", now), "903:367", "effective_date"},
		{"903:367/75 days of V3 in 12 months allowed", CheckChangeLegalStatus(respite, nil, d("2023-10-08"), "V2", now), "", ""},
		{"903:378/V2 while placed with parents refused", CheckChangeLegalStatus(with("C2"), inP1, d("2024-03-01"), "V2", now), "903:378", "legal_status"},
		{"903:378/C1 while placed with parents allowed", CheckChangeLegalStatus(with("C2"), inP1, d("2024-03-01"), "C1", now), "", ""},
		{"903:408/leaving E1 while in A5 refused", CheckChangeLegalStatus(with("E1"), inA5, d("2024-03-01"), "C2", now), "903:408", "legal_status"},
		{"903:384/V3 in long-term fostering refused", CheckChangeLegalStatus(with("C2"), inU4, d("2024-03-01"), "V3", now), "903:384", "legal_status"},
		{"903:382/V4 in a temporary placement refused", CheckChangeLegalStatus(with("C2"), inT1, d("2024-03-05"), "V4", now), "903:382", "legal_status"},
		{"903:217/change on the day of an A3 move to new carers refused (RNE B)", CheckChangeLegalStatus(with("C2"), toA3(false), d("2024-03-01"), "E1", now), "903:217", "legal_status"},
		{"903:217/change on the day of an A3 move with the same carers allowed (RNE U)", CheckChangeLegalStatus(with("C2"), toA3(true), d("2024-03-01"), "E1", now), "", ""},
		{"903:1015/own provision outside the area once short breaks end refused", CheckChangeLegalStatus(with("V3"), k2Out, d("2024-01-20"), "C2", now), "903:1015", "legal_status"},
		{"903:1015/own foster provision outside the area allowed", CheckChangeLegalStatus(with("V3"), u6Out, d("2024-01-20"), "C2", now), "", ""},
		{"903:398/short breaks with a distance refused", CheckChangeLegalStatus(with("C2"), withDistance, d("2024-03-01"), "V3", now), "903:398", "legal_status"},
	})
}

func TestCheckEndPeriod(t *testing.T) {
	kid := child("2010-06-15", per("2024-01-10", "", "", "C2"))
	inU4 := PlacementTimeline{pls("U4", "2024-01-10", "")}
	at := func(dob, ls, place string) (CareTimeline, PlacementTimeline) {
		care := child(dob, per("2022-01-10", "", "", ls))
		if place == "" {
			return care, nil
		}
		return care, PlacementTimeline{pls(place, "2022-01-10", "")}
	}
	// E ends, on the date given, a period that began on 2022-01-10 under
	// ls with a placement of type place from that day ("" for none).
	E := func(dob, ls, place, on, rec string) []errs.Violation {
		care, pl := at(dob, ls, place)
		return CheckEndPeriod(care, pl, d(on), rec, now)
	}
	twoStatuses := child("2010-06-15", per("2024-01-10", "", "", "C1", "C2@2024-06-01"))
	moved := PlacementTimeline{pls("U4", "2024-01-10", "2024-06-01", reason("CARPL")), pls("U6", "2024-06-01", "")}
	inT1 := PlacementTimeline{pls("U4", "2024-01-10", "2024-06-01"), pls("T1", "2024-06-01", "")}
	// The placement ended first, the same day the period ends, or earlier.
	u4Ended := PlacementTimeline{pls("U4", "2024-01-10", "2024-06-01")}
	a4Ended := PlacementTimeline{pls("A4", "2024-01-10", "2024-06-01")}
	t1Ended := PlacementTimeline{pls("U4", "2024-01-10", "2024-05-01"), pls("T1", "2024-05-01", "2024-06-01")}
	adoptee := child("2015-06-15", per("2024-01-10", "", "", "E1"))
	respite := child("2010-06-15",
		per("2023-02-01", "2023-02-18", "E4A", "V3"),
		per("2023-04-01", "2023-04-18", "E4A", "V3"),
		per("2023-06-01", "2023-06-18", "E4A", "V3"),
		per("2023-08-01", "2023-08-18", "E4A", "V3"),
		per("2023-10-01", "", "", "V3"),
	)
	runCases(t, []ruleCase{
		{"pass/returned home", CheckEndPeriod(kid, inU4, d("2025-01-10"), "E4A", now), "", ""},
		{"looked_after/no open period refused", CheckEndPeriod(child("2010-06-15"), nil, d("2025-01-10"), "E4A", now), RuleLookedAfter, "end_date"},
		{"903:148/reason without an end date refused", CheckEndPeriod(kid, inU4, clock.Date{}, "E4A", now), "903:148", "end_date"},
		{"903:148/end date without a reason refused", CheckEndPeriod(kid, inU4, d("2025-01-10"), "", now), "903:148", "reason_ceased"},
		{"903:147/impossible end date refused", CheckEndPeriod(kid, inU4, clock.Date{Y: 2025, M: 2, D: 30}, "E4A", now), "903:147", "end_date"},
		{"903:149/unknown reason refused", CheckEndPeriod(kid, inU4, d("2025-01-10"), "E99", now), "903:149", "reason_ceased"},
		{"903:149/lower-case reason refused", CheckEndPeriod(kid, inU4, d("2025-01-10"), "e4a", now), "903:149", "reason_ceased"},
		{"903:388/X1 cannot end a period", CheckEndPeriod(kid, inU4, d("2025-01-10"), "X1", now), "903:388", "reason_ceased"},
		{"903:385/end tomorrow refused", CheckEndPeriod(kid, inU4, d("2026-04-01"), "E4A", now), "903:385", "end_date"},
		{"903:385/end today allowed", CheckEndPeriod(kid, inU4, now, "E4A", now), "", ""},
		{"903:356/end before the start refused", CheckEndPeriod(kid, inU4, d("2024-01-01"), "E4A", now), "903:356", "end_date"},
		{"903:355/end on the start date refused", CheckEndPeriod(kid, inU4, d("2024-01-10"), "E4A", now), "903:355", "end_date"},
		{"903:355/end on the day the last status began refused", CheckEndPeriod(twoStatuses, inU4, d("2024-06-01"), "E4A", now), "903:355", "end_date"},
		{"903:355/end on the day of the last move refused", CheckEndPeriod(kid, moved, d("2024-06-01"), "E4A", now), "903:355", "end_date"},
		{"903:355/end the day after the last move allowed", CheckEndPeriod(kid, moved, d("2024-06-02"), "E4A", now), "", ""},
		{"903:355/end on the day the last placement ended allowed", CheckEndPeriod(kid, u4Ended, d("2024-06-01"), "E4A", now), "", ""},
		{"903:355/end on the day the last placement ended, a status begun that day, refused", CheckEndPeriod(twoStatuses, u4Ended, d("2024-06-01"), "E4A", now), "903:355", "end_date"},
		{"903:355/end after the last placement ended allowed", CheckEndPeriod(kid, u4Ended, d("2024-06-05"), "E4A", now), "", ""},
		{"903:390/adopted from a U4 that ended that day refused", CheckEndPeriod(adoptee, u4Ended, d("2024-06-01"), "E11", now), "903:390", "reason_ceased"},
		{"903:390/adopted from an A4 that ended that day allowed", CheckEndPeriod(adoptee, a4Ended, d("2024-06-01"), "E11", now), "", ""},
		{"903:381/ending the day a temporary placement ended refused", CheckEndPeriod(kid, t1Ended, d("2024-06-01"), "E4A", now), "903:381", "reason_ceased"},
		{"903:386/adopted at 18 refused", E("2006-06-15", "E1", "A4", "2024-06-15", "E11"), "903:386", "reason_ceased"},
		{"903:386/adopted at 17 allowed", E("2006-06-15", "E1", "A4", "2024-06-14", "E12"), "", ""},
		{"903:407/special guardianship at 18 refused", E("2006-06-15", "C2", "U1", "2024-06-15", "E45"), "903:407", "reason_ceased"},
		{"903:407/special guardianship at 17 allowed", E("2006-06-15", "C2", "U1", "2024-06-14", "E47"), "", ""},
		{"903:387/independent living at 13 refused", E("2010-06-15", "V2", "U6", "2024-06-14", "E5"), "903:387", "reason_ceased"},
		{"903:387/independent living at 14 allowed", E("2010-06-15", "V2", "U6", "2024-06-15", "E6"), "", ""},
		{"903:389/adult social care at 15 refused", E("2008-06-15", "V2", "K2", "2024-06-14", "E7"), "903:389", "reason_ceased"},
		{"903:389/adult social care at 16 allowed", E("2008-06-15", "V2", "K2", "2024-06-15", "E7"), "", ""},
		{"903:460/staying put at 17 refused", E("2006-06-15", "C2", "U4", "2024-06-14", "E17"), "903:460", "reason_ceased"},
		{"903:460/staying put at 18 allowed", E("2006-06-15", "C2", "U4", "2024-06-15", "E17"), "", ""},
		{"903:390/adopted from foster care refused", E("2015-06-15", "E1", "U4", "2024-06-14", "E11"), "903:390", "reason_ceased"},
		{"903:390/adopted from A4 allowed", E("2015-06-15", "E1", "A4", "2024-06-14", "E11"), "", ""},
		{"903:390/adopted with no placement known allowed", E("2015-06-15", "E1", "", "2024-06-14", "E11"), "", ""},
		{"903:516/SGO to former foster carers from a children's home refused", E("2012-06-15", "C2", "K2", "2024-06-14", "E46"), "903:516", "reason_ceased"},
		{"903:516/SGO to former foster carers from U1 allowed", E("2012-06-15", "C2", "U1", "2024-06-14", "E45"), "", ""},
		{"903:381/ending in a temporary placement refused", CheckEndPeriod(kid, inT1, d("2024-06-10"), "E4A", now), "903:381", "reason_ceased"},
		{"903:361/period ending after 4 days of L1 refused", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "L1")), nil, d("2024-01-14"), "E4A", now), "903:361", "end_date"},
		{"903:361/period ending after 3 days of L1 allowed", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "L1")), nil, d("2024-01-13"), "E4A", now), "", ""},
		{"903:362/period ending after 22 days of L2 refused", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "L2")), nil, d("2024-02-01"), "E4A", now), "903:362", "end_date"},
		{"903:363/period ending after 8 days of L3 refused", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "L3")), nil, d("2024-01-18"), "E4A", now), "903:363", "end_date"},
		{"903:364/period ending after 22 days of J2 refused", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "J2")), nil, d("2024-02-01"), "E14", now), "903:364", "end_date"},
		{"903:364/period ending after 21 days of J2 allowed", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "J2")), nil, d("2024-01-31"), "E14", now), "", ""},
		{"903:365/V3 break of 18 days refused", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "V3")), nil, d("2024-01-28"), "E4A", now), "903:365", "end_date"},
		{"903:365/V3 break of 17 days allowed", CheckEndPeriod(child("2010-06-15", per("2024-01-10", "", "", "V3")), nil, d("2024-01-27"), "E4A", now), "", ""},
		{"903:367/76 days of V3 in 12 months refused", CheckEndPeriod(respite, nil, d("2023-10-09"), "E4A", now), "903:367", "end_date"},
		{"903:367/75 days of V3 in 12 months allowed", CheckEndPeriod(respite, nil, d("2023-10-08"), "E4A", now), "", ""},
	})
}
