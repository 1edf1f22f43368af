package ssda903

import (
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

func TestCheckContact(t *testing.T) {
	const dob = "2006-06-15" // 19 on 2026-01-01
	contact := func(on, inTouch, activ, accom string) []errs.Violation {
		return CheckContact(Contact{Date: d(on), InTouch: inTouch, Activity: activ, Accommodation: accom}, d(dob), "E17", now)
	}
	withREC := func(rec string) []errs.Violation {
		return CheckContact(Contact{Date: d("2026-01-01"), InTouch: "YES", Activity: "F1", Accommodation: "U1"}, d(dob), rec, now)
	}
	runCases(t, []ruleCase{
		{"pass/in touch, at university, in their own flat", contact("2026-01-01", "YES", "F1", "U1"), "", ""},
		{"pass/all blank", contact("2026-01-01", "", "", ""), "", ""},
		{"required/missing contact date refused", CheckContact(Contact{InTouch: "YES", Activity: "F1", Accommodation: "U1"}, d(dob), "", now), RuleRequired, "contact_date"},
		{"future_date/contact tomorrow refused", contact("2026-04-01", "YES", "F1", "U1"), RuleFutureDate, "contact_date"},
		{"903:131/unknown in-touch code refused", contact("2026-01-01", "MAYBE", "F1", "U1"), "903:131", "in_touch"},
		{"903:131/lower-case yes refused", contact("2026-01-01", "yes", "F1", "U1"), "903:131", "in_touch"},
		{"903:132/unknown activity refused", contact("2026-01-01", "YES", "F9", "U1"), "903:132", "activity"},
		{"903:132/F3 after 2021/22 refused", contact("2026-01-01", "YES", "F3", "U1"), "903:132", "activity"},
		{"903:132/F3 in 2021/22 allowed", contact("2021-06-01", "YES", "F3", "U1"), "", ""},
		{"903:133/S1 (homeless, suitable) refused", contact("2026-01-01", "YES", "G5", "S1"), "903:133", "accommodation"},
		{"903:133/X1 (custody, suitable) refused", contact("2026-01-01", "YES", "G5", "X1"), "903:133", "accommodation"},
		{"903:133/S2 allowed", contact("2026-01-01", "YES", "G5", "S2"), "", ""},
		{"903:153/activity missing refused", contact("2026-01-01", "YES", "", "U1"), "903:153", "activity"},
		{"903:153/only in touch given refused", contact("2026-01-01", "NO", "", ""), "903:153", "accommodation"},
		{"903:344/died with an activity refused", contact("2026-01-01", "DIED", "F1", "0"), "903:344", "activity"},
		{"903:344/returned home with accommodation refused", contact("2026-01-01", "RHOM", "0", "B1"), "903:344", "accommodation"},
		{"903:344/died with 0 and 0 allowed", contact("2026-01-01", "DIED", "0", "0"), "", ""},
		{"903:345/in touch with activity 0 refused", contact("2026-01-01", "YES", "0", "U1"), "903:345", "activity"},
		{"903:345/in touch with accommodation 0 refused", contact("2026-01-01", "YES", "F1", "0"), "903:345", "accommodation"},
		{"903:345/not in touch with 0 and 0 allowed", contact("2026-01-01", "NO", "0", "0"), "", ""},
		{"903:3001/with former foster carers at 17 refused", contact("2024-01-01", "YES", "F2", "Z1"), "903:3001", "accommodation"},
		{"903:3001/with former foster carers at 18 allowed", contact("2024-06-15", "YES", "F2", "Z1"), "", ""},
		{"903:351/contact on the 25th birthday refused", CheckContact(Contact{Date: d("2026-03-01"), InTouch: "YES", Activity: "F5", Accommodation: "U1"}, d("2001-03-01"), "E17", now), "903:351", "contact_date"},
		{"903:351/contact the day before 25 allowed", CheckContact(Contact{Date: d("2026-02-28"), InTouch: "YES", Activity: "F5", Accommodation: "U1"}, d("2001-03-01"), "E17", now), "", ""},
		{"903:1000/no contact after death in care", withREC("E2"), "903:1000", "child_id"},
		{"903:1011/no contact after care taken over by another authority", withREC("E3"), "903:1011", "child_id"},
		{"903:391/a relevant 16-year-old may be contacted (cohort rule, not a refusal)", CheckContact(Contact{Date: d("2026-01-01"), InTouch: "YES", Activity: "F2", Accommodation: "D1"}, d("2009-06-15"), "E8", now), "", ""},
		{"903:1007/a 17-year-old may be contacted (cohort rule, not a refusal)", CheckContact(Contact{Date: d("2026-01-01"), InTouch: "YES", Activity: "F2", Accommodation: "D1"}, d("2008-06-15"), "", now), "", ""},
	})
}

func TestInOC3Cohort(t *testing.T) {
	y := codes.CollectionYear(2025) // 2025/26
	eligible := func(dob string, periods ...Period) CareTimeline { return child(dob, periods...) }
	cases := []struct {
		name string
		care CareTimeline
		in   bool
		rule string
	}{
		{"in/19-year-old care leaver", eligible("2006-06-15", per("2021-01-01", "2024-06-15", "E17", "C2")), true, ""},
		{"in/17-year-old who left care at 16", eligible("2008-09-01", per("2022-01-01", "2025-01-01", "E8", "C2")), true, ""},
		{"in/18-year-old who left on the birthday (E17)", eligible("2007-09-01", per("2022-01-01", "2025-09-01", "E17", "C2")), true, ""},
		{"eligible/never looked after 13 weeks after 14", eligible("2006-06-15", per("2022-01-01", "2022-02-01", "E8", "C2")), false, "eligible"},
		{"903:391/16 in the year", eligible("2009-06-15", per("2024-01-01", "2025-09-01", "E8", "C2")), false, "903:391"},
		{"903:391/22 in the year", eligible("2003-06-15", per("2019-01-01", "2021-06-15", "E17", "C2")), false, "903:391"},
		{"903:1007/17-year-old looked after on the birthday", eligible("2008-09-01", per("2022-01-01", "", "", "C2")), false, "903:1007"},
		{"903:1016/17-year-old back in care after the birthday", eligible("2008-09-01", per("2022-01-01", "2025-01-01", "E8", "C2"), per("2025-10-01", "2026-02-01", "E8", "V2")), false, "903:1016"},
		{"903:1000/died in care", eligible("2006-06-15", per("2021-01-01", "2024-06-01", "E2", "C2")), false, "903:1000"},
		{"903:1011/care taken over by another authority", eligible("2006-06-15", per("2021-01-01", "2024-06-01", "E3", "C2")), false, "903:1011"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, rule := InOC3Cohort(c.care, y)
			if in != c.in || rule != c.rule {
				t.Fatalf("InOC3Cohort = %v, %q; want %v, %q", in, rule, c.in, c.rule)
			}
		})
	}
}

func TestOC3Birthday(t *testing.T) {
	for _, c := range []struct {
		dob, want string
		age       int
	}{
		{"2006-06-15", "2025-06-15", 19}, // after 1 April: this calendar year
		{"2006-02-10", "2026-02-10", 20}, // before 1 April: next calendar year
		{"2008-04-01", "2025-04-01", 17}, // the first day of the year
		{"2008-03-31", "2026-03-31", 18}, // the last day of the year
		{"2008-02-29", "2026-03-01", 18}, // leap-day birthday: 1 March in a common year
	} {
		b, age := OC3Birthday(d(c.dob), 2025)
		if b != d(c.want) || age != c.age {
			t.Errorf("OC3Birthday(%s) = %s, %d; want %s, %d", c.dob, b, age, c.want, c.age)
		}
	}
}

func TestCheckChildDetails(t *testing.T) {
	runCases(t, []ruleCase{
		{"pass/M in 2025/26", CheckChildDetails("M", d("2010-06-15"), now), "", ""},
		{"903:101/1 (male) no longer valid in 2025/26", CheckChildDetails("1", d("2010-06-15"), now), "903:101", "sex"},
		{"903:101/1 valid in 2023/24", CheckChildDetails("1", d("2010-06-15"), d("2024-01-01")), "", ""},
		{"903:101/M not yet valid in 2023/24", CheckChildDetails("M", d("2010-06-15"), d("2024-01-01")), "903:101", "sex"},
		{"903:101/lower-case m refused", CheckChildDetails("m", d("2010-06-15"), now), "903:101", "sex"},
		{"required/missing date of birth refused", CheckChildDetails("F", clock.Date{}, now), RuleRequired, "date_of_birth"},
		{"future_date/born tomorrow refused", CheckChildDetails("U", d("2026-04-01"), now), RuleFutureDate, "date_of_birth"},
	})
}

func TestCheckUASC(t *testing.T) {
	dob := d("2008-05-01")
	runCases(t, []ruleCase{
		{"pass/UASC continuing", CheckUASC(dob, true, clock.Date{}), "", ""},
		{"903:304/ceased on the 18th birthday allowed", CheckUASC(dob, true, d("2026-05-01")), "", ""},
		{"903:304/ceased after the 18th birthday refused", CheckUASC(dob, true, d("2026-05-02")), "903:304", "uasc.ceased_date"},
		{"903:304/ceased before birth refused", CheckUASC(dob, true, d("2008-04-30")), "903:304", "uasc.ceased_date"},
		{"required/ceased date without UASC refused", CheckUASC(dob, false, d("2025-05-01")), RuleRequired, "uasc.is_uasc"},
	})
}

func TestCheckDateOfBirth(t *testing.T) {
	care := child("2010-06-15",
		per("2021-01-10", "2022-01-10", "E4A", "J1"),
		per("2024-01-10", "2025-01-10", "E5", "C2"),
	)
	care.UASC, care.UASCCeased = true, d("2026-01-01")
	pl := PlacementTimeline{pls("P3", "2024-06-20", "2025-01-10")}
	runCases(t, []ruleCase{
		{"pass/date of birth unchanged", CheckDateOfBirth(care, pl, d("2010-06-15"), now), "", ""},
		{"903:302/born after care began refused", CheckDateOfBirth(care, pl, d("2021-02-01"), now), "903:302", "date_of_birth"},
		{"903:352/would have started care at 18 refused", CheckDateOfBirth(care, pl, d("2003-01-10"), now), "903:352", "date_of_birth"},
		{"903:358/would have been remanded at 9 refused", CheckDateOfBirth(care, pl, d("2011-06-15"), now), "903:358", "date_of_birth"},
		{"903:387/would have left for independent living at 13 refused", CheckDateOfBirth(care, nil, d("2011-06-15"), now), "903:387", "date_of_birth"},
		{"903:374/would have been in residential employment at 13 refused", CheckDateOfBirth(care, pl, d("2010-09-01"), now), "903:374", "date_of_birth"},
		{"903:304/UASC would have ceased after 18 refused", CheckDateOfBirth(care, nil, d("2007-09-01"), now), "903:304", "date_of_birth"},
		{"future_date/born tomorrow refused", CheckDateOfBirth(CareTimeline{}, nil, d("2026-04-01"), now), RuleFutureDate, "date_of_birth"},
	})
}
