package ssda903

import (
	"strings"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// Contact is one keeping-in-touch contact with a care leaver (903 OC3).
type Contact struct {
	Date          clock.Date
	InTouch       string // IN_TOUCH: YES NO DIED REFU NREQ RHOM
	Activity      string // ACTIV
	Accommodation string // ACCOM
}

// Request field names of the care-leaver service's RecordContact.
const (
	fieldContactDate   = "contact_date"
	fieldInTouch       = "in_touch"
	fieldActivity      = "activity"
	fieldAccommodation = "accommodation"
	fieldChildID       = "child_id"
)

// CheckContact checks a contact before it is recorded. finalREC is the REC
// of the young person's latest period of care
// ([CareTimeline.FinalReasonCeased]). Rules 391, 1007 and 1016 decide who is
// in the OC3 return, not whether a contact may be recorded: they are
// [InOC3Cohort], never a reason to refuse a contact.
func CheckContact(c Contact, dob clock.Date, finalREC string, now clock.Date) []errs.Violation {
	var v errs.Violations
	if c.Date.IsZero() {
		v.Add(fieldContactDate, RuleRequired, "a contact date is required")
		return finish(v)
	}
	if !now.IsZero() && c.Date.After(now) {
		v.Addf(fieldContactDate, RuleFutureDate, "the contact date %s is in the future (today is %s)", c.Date, now)
	}
	// 1000 / 1011: no care-leaver information for a child who died in care
	// (E2) or whose care was taken over by another authority (E3).
	switch finalREC {
	case "E2":
		v.Add(fieldChildID, "903:1000", "no care-leaver contact is recorded for a child whose care ended because they died (E2)")
	case "E3":
		v.Add(fieldChildID, "903:1011", "no care-leaver contact is recorded when care was taken over by another local authority (E3); that authority keeps in touch")
	}
	y := yearOf(c.Date)
	// 153: IN_TOUCH, ACTIV and ACCOM all present or all blank.
	given := 0
	for _, s := range []string{c.InTouch, c.Activity, c.Accommodation} {
		if s != "" {
			given++
		}
	}
	if given != 0 && given != 3 {
		for _, x := range []struct{ field, val string }{{fieldInTouch, c.InTouch}, {fieldActivity, c.Activity}, {fieldAccommodation, c.Accommodation}} {
			if x.val == "" {
				v.Add(x.field, "903:153", "in touch, activity and accommodation are given together or not at all")
			}
		}
	}
	// 131 / 132 / 133: codes in the year's lists (ACCOM S1 and X1 are not
	// codes: homeless and custody are never "suitable").
	if c.InTouch != "" && !codes.InTouch.Valid(c.InTouch, y) {
		v.Addf(fieldInTouch, "903:131", "%q is not an in-touch code valid in %s", c.InTouch, y)
	}
	if c.Activity != "" && !codes.Activity.Valid(c.Activity, y) {
		v.Addf(fieldActivity, "903:132", "%q is not an activity code valid in %s", c.Activity, y)
	}
	if c.Accommodation != "" && !codes.Accommodation.Valid(c.Accommodation, y) {
		v.Addf(fieldAccommodation, "903:133", "%q is not an accommodation code valid in %s", c.Accommodation, y)
	}
	// 344: DIED or RHOM need ACTIV and ACCOM "0". 345: YES needs neither to
	// be "0". Compared without regard to case, so "Yes" cannot slip past 345
	// as it does in the open-source validator (it is refused by 131 anyway).
	switch {
	case strings.EqualFold(c.InTouch, "DIED") || strings.EqualFold(c.InTouch, "RHOM"):
		if c.Activity != "0" {
			v.Addf(fieldActivity, "903:344", "activity must be 0 when in touch is %s", strings.ToUpper(c.InTouch))
		}
		if c.Accommodation != "0" {
			v.Addf(fieldAccommodation, "903:344", "accommodation must be 0 when in touch is %s", strings.ToUpper(c.InTouch))
		}
	case strings.EqualFold(c.InTouch, "YES"):
		if c.Activity == "0" {
			v.Add(fieldActivity, "903:345", "a young person in touch has a known activity, not 0")
		}
		if c.Accommodation == "0" {
			v.Add(fieldAccommodation, "903:345", "a young person in touch has known accommodation, not 0")
		}
	}
	if !dob.IsZero() && !c.Date.Before(dob) {
		age := clock.AgeOn(dob, c.Date)
		// 3001: with former foster carers (Z1/Z2) is not for a 17-year-old:
		// staying put starts at 18.
		if age == 17 && (c.Accommodation == "Z1" || c.Accommodation == "Z2") {
			v.Addf(fieldAccommodation, "903:3001", "%s (with former foster carers) is not for a 17-year-old; staying put starts at 18", c.Accommodation)
		}
		// 351: the duties end on the 25th birthday.
		if age >= careLeaverEndAge {
			v.Addf(fieldContactDate, "903:351", "the young person was %d on %s; care-leaver contacts stop at 25", age, c.Date)
		}
	}
	return finish(v)
}

// OC3 cohort ages (rule 391): the young person was 17, 18, 19, 20 or 21 on
// their birthday in the collection year.
const (
	oc3MinAge = 17
	oc3MaxAge = 21
)

// OC3Birthday returns the birthday of a person born on dob that falls in
// collection year y (1 April – 31 March), and the age attained on it.
func OC3Birthday(dob clock.Date, y codes.CollectionYear) (clock.Date, int) {
	age := int(y) - dob.Y
	b := dob.Birthday(age)
	if yearOf(b) < y {
		age++
		b = dob.Birthday(age)
	}
	return b, age
}

// InOC3Cohort reports whether a young person belongs in the OC3 (care
// leavers) return for collection year y, the DfE-variant cohort of the
// care-leaver indicators; when not, rule names the reason. It is never a
// reason to refuse recording a contact.
//
//   - eligibility: looked after for 13 weeks since 14 ending after 16
//     ([FirstEligible]); otherwise rule "eligible".
//   - 391: aged 17 to 21 on their birthday in the year.
//   - 1007: a 17- or 18-year-old still looked after on that birthday is not
//     a care leaver yet; 1016: nor one whose care ends after it (looked
//     after at any time from the birthday to the end of the year).
//   - 1000 / 1011: not when the final REC is E2 (died) or E3 (another
//     authority took over care).
func InOC3Cohort(care CareTimeline, y codes.CollectionYear) (in bool, rule string) {
	if _, ok := FirstEligible(care); !ok {
		return false, "eligible"
	}
	switch care.FinalReasonCeased() {
	case "E2":
		return false, "903:1000"
	case "E3":
		return false, "903:1011"
	}
	b, age := OC3Birthday(care.DOB, y)
	if age < oc3MinAge || age > oc3MaxAge {
		return false, "903:391"
	}
	if age <= 18 {
		if care.periodOn(b) >= 0 {
			return false, "903:1007"
		}
		yearEnd := y.End()
		end := clock.Date{Y: yearEnd.Year(), M: yearEnd.Month(), D: yearEnd.Day()}
		for i := range care.Periods {
			p := &care.Periods[i]
			if !p.Start.After(end) && (p.End.IsZero() || p.End.After(b)) {
				return false, "903:1016"
			}
		}
	}
	return true, ""
}
