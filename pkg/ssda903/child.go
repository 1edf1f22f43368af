package ssda903

import (
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// Request field names of the caseload service's child writes.
const (
	fieldSex        = "sex"
	fieldDOB        = "date_of_birth"
	fieldUASC       = "uasc.is_uasc"
	fieldUASCCeased = "uasc.ceased_date"
)

// CheckChildDetails checks the details of a child being registered or
// updated: 101 the sex code is in the list of the collection year of today
// (1/2 up to 2023/24, M/F/U from 2024/25); the date of birth is a real date
// and not in the future. An empty sex is not checked (an update that leaves
// it unchanged).
func CheckChildDetails(sex string, dob, now clock.Date) []errs.Violation {
	var v errs.Violations
	if sex != "" && !codes.Sex.Valid(sex, yearOf(now)) {
		v.Addf(fieldSex, "903:101", "%q is not a sex code valid in %s", sex, yearOf(now))
	}
	if ruleDate(&v, fieldDOB, RuleRequired, dob) && dob.After(now) {
		v.Addf(fieldDOB, RuleFutureDate, "the date of birth %s is in the future (today is %s)", dob, now)
	}
	return finish(v)
}

// CheckUASC checks UASC status: 304 the date UASC status ceased (DUC) is on
// or before the 18th birthday (and not before birth). A ceased date needs
// the child to be, or to have been, UASC.
func CheckUASC(dob clock.Date, isUASC bool, ceased clock.Date) []errs.Violation {
	var v errs.Violations
	if ceased.IsZero() {
		return nil
	}
	if !isUASC {
		v.Add(fieldUASC, RuleRequired, "a date UASC status ceased is only recorded for a child who is or was UASC")
	}
	if dob.IsZero() {
		return finish(v)
	}
	switch at18 := dob.Birthday(18); {
	case ceased.After(at18):
		v.Addf(fieldUASCCeased, "903:304", "UASC status ends on or before the 18th birthday (%s), not %s", at18, ceased)
	case ceased.Before(dob):
		v.Addf(fieldUASCCeased, "903:304", "UASC status cannot end (%s) before the date of birth", ceased)
	}
	return finish(v)
}

// CheckDateOfBirth checks a corrected date of birth against the child's
// recorded history, re-running every age rule of this package with the new
// date (UpdateChild: "refused if it would make the existing care history
// break a DfE rule"). Every violation names date_of_birth.
func CheckDateOfBirth(care CareTimeline, pl PlacementTimeline, dob, now clock.Date) []errs.Violation {
	var v errs.Violations
	if !ruleDate(&v, fieldDOB, RuleRequired, dob) {
		return finish(v)
	}
	if dob.After(now) {
		v.Addf(fieldDOB, RuleFutureDate, "the date of birth %s is in the future (today is %s)", dob, now)
	}
	for i := range care.Periods {
		p := &care.Periods[i]
		if p.Start.Before(dob) {
			v.Addf(fieldDOB, "903:302", "the child would be born after their care began (%s)", p.Start)
		} else if age := clock.AgeOn(dob, p.Start); age >= 18 {
			v.Addf(fieldDOB, "903:352", "the child would have started to be looked after aged %d (%s)", age, p.Start)
		}
		for _, s := range p.Statuses {
			ruleYouthJusticeAge(&v, fieldDOB, s.LS, dob, s.Start) // 358
		}
		if !p.End.IsZero() {
			ruleRECAge(&v, fieldDOB, p.ReasonCeased, dob, p.End) // 386, 407, 387, 389, 460
		}
	}
	for _, s := range pl {
		ruleMinimumAge(&v, fieldDOB, s.Place, dob, s.Start) // 370–374
	}
	if care.UASC && !care.UASCCeased.IsZero() && care.UASCCeased.After(dob.Birthday(18)) {
		v.Addf(fieldDOB, "903:304", "UASC status ceased on %s, after the 18th birthday this date of birth gives", care.UASCCeased)
	}
	return finish(v)
}
