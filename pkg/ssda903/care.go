package ssda903

import (
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// Request field names of the caseload service's care writes.
const (
	fieldStartDate     = "start_date"
	fieldLegalStatus   = "legal_status"
	fieldCIN           = "category_of_need"
	fieldEffectiveDate = "effective_date"
	fieldEndDate       = "end_date"
	fieldReasonCeased  = "reason_ceased"
)

// CheckStartPeriod checks a new period of care starting on start under
// legal status ls and category of need cin (the first episode: RNE S).
func CheckStartPeriod(care CareTimeline, start clock.Date, ls, cin string, now clock.Date) []errs.Violation {
	var v errs.Violations
	if !ruleDate(&v, fieldStartDate, "903:141", start) { // 141: DECOM a valid date
		return finish(v)
	}
	ruleNotFuture(&v, fieldStartDate, "903:354", start, now) // 354: DECOM not in the future
	ruleLegalStatus(&v, fieldLegalStatus, ls, start)         // 144, 445, 446
	// 145: category of need in the year's list.
	if !codes.CategoryOfNeed.Valid(cin, yearOf(start)) {
		v.Addf(fieldCIN, "903:145", "%q is not a category of need code valid in %s", cin, yearOf(start))
	}
	if !care.DOB.IsZero() {
		// 302: the first episode cannot start before the date of birth.
		if start.Before(care.DOB) {
			v.Addf(fieldStartDate, "903:302", "care cannot start (%s) before the child's date of birth", start)
		} else if age := clock.AgeOn(care.DOB, start); age >= 18 {
			// 352: a child cannot start to be looked after aged 18 or over.
			v.Addf(fieldStartDate, "903:352", "a young person cannot start to be looked after aged 18 or over (aged %d on %s)", age, start)
		}
	}
	ruleYouthJusticeAge(&v, fieldLegalStatus, ls, care.DOB, start) // 358
	for i := range care.Periods {
		p := &care.Periods[i]
		switch {
		case p.End.IsZero():
			// 142: only the latest episode may be open; a new period while
			// one is open would leave an earlier one open.
			v.Addf(fieldStartDate, "903:142", "the child is already looked after (period from %s is open); end it before starting another", p.Start)
		case start.Before(p.End):
			// 501: no overlap with an earlier period.
			v.Addf(fieldStartDate, "903:501", "a period of care from %s to %s overlaps this start date", p.Start, p.End)
		case start == p.End:
			// 431 (and 388): RNE S cannot start on or before the previous
			// episode's DEC; an ended period is not continued the same day.
			v.Addf(fieldStartDate, "903:431", "a new period of care cannot start on the day the previous one ended (%s)", p.End)
		}
		// 437: nothing follows a period that ended with E2 (died) or E15
		// (age assessed as 18 or over).
		if (p.ReasonCeased == "E2" || p.ReasonCeased == "E15") && !p.End.After(start) {
			v.Addf(fieldStartDate, "903:437", "no period of care can follow one that ended with %s (%s)", p.ReasonCeased, p.End)
		}
	}
	return finish(v)
}

// CheckChangeLegalStatus checks a change of legal status to ls from d
// within the open period (a new episode, RNE L, or B/U when the placement
// changes that day). pl is the child's placement timeline as the caseload
// service knows it (nil when none): it is merged with the proposed status
// to check the legal-status/placement pairs (378, 382, 384, 408, 217, 1015,
// 398).
func CheckChangeLegalStatus(care CareTimeline, pl PlacementTimeline, d clock.Date, ls string, now clock.Date) []errs.Violation {
	var v errs.Violations
	if !ruleDate(&v, fieldEffectiveDate, "903:141", d) { // 141: DECOM of the new episode
		return finish(v)
	}
	oi := care.openPeriod()
	if oi < 0 {
		v.Add(fieldEffectiveDate, RuleLookedAfter, "the child has no open period of care whose legal status could change")
		return finish(v)
	}
	p := &care.Periods[oi]
	ruleNotFuture(&v, fieldEffectiveDate, "903:354", d, now) // 354
	ruleLegalStatus(&v, fieldLegalStatus, ls, d)             // 144, 445, 446
	ruleYouthJusticeAge(&v, fieldLegalStatus, ls, care.DOB, d)
	cur := p.lastStatus()
	if cur == nil {
		return finish(v)
	}
	// 355: an episode lasts at least a day, so the new status starts after
	// the current one did (and so after the period's start).
	if !d.After(cur.Start) {
		v.Addf(fieldEffectiveDate, "903:355", "the new legal status must start after the current one (%s from %s)", cur.LS, cur.Start)
		return finish(v)
	}
	// 434: RNE L needs the legal status to change.
	if ls == cur.LS {
		v.Addf(fieldLegalStatus, "903:434", "the legal status is already %s; a change needs a different status", ls)
	}
	// 366: a V3 short break is an episode of its own that starts a period
	// (RNE S); a period cannot change into one.
	if ls == "V3" && cur.LS != "V3" {
		v.Add(fieldLegalStatus, "903:366", "a short break (V3) starts a period of care of its own: end this period and start one under V3")
	}
	ruleStatusDuration(&v, fieldEffectiveDate, cur.LS, cur.Start, d) // 361, 362, 363, 364, 365
	if cur.LS == "V3" {
		ruleRespiteTotal(&v, fieldEffectiveDate, care, d) // 367
	}
	if len(pl) > 0 {
		proposed := withStatus(care, oi, StatusSpell{LS: ls, Start: d})
		f := pairFields{ls: fieldLegalStatus}
		eps, _ := merge(proposed, pl, false)
		for i := range eps {
			if !eps[i].DECOM.Before(d) { // the open period is the latest: these are its episodes from d
				ruleEpisodePair(&v, f, &eps[i])
			}
		}
	}
	return finish(v)
}

// withStatus returns a copy of care with s appended to period i's statuses
// (the input is not modified).
func withStatus(care CareTimeline, i int, s StatusSpell) CareTimeline {
	care.Periods = slices.Clone(care.Periods)
	p := &care.Periods[i]
	p.Statuses = append(slices.Clip(p.Statuses), s)
	return care
}

// CheckEndPeriod checks ending the open period of care on end with reason
// rec (the DEC and REC of its last episode). pl is the placement timeline
// as the caseload service knows it; the last placement decides rules 390,
// 516 and 381.
func CheckEndPeriod(care CareTimeline, pl PlacementTimeline, end clock.Date, rec string, now clock.Date) []errs.Violation {
	var v errs.Violations
	oi := care.openPeriod()
	if oi < 0 {
		v.Add(fieldEndDate, RuleLookedAfter, "the child has no open period of care to end")
		return finish(v)
	}
	p := &care.Periods[oi]
	// 148: DEC and REC both present or both blank.
	if end.IsZero() {
		v.Add(fieldEndDate, "903:148", "an end date is required with the reason the period ended")
	}
	if rec == "" {
		v.Add(fieldReasonCeased, "903:148", "a reason the period ended is required with the end date")
	}
	if end.IsZero() || !ruleDate(&v, fieldEndDate, "903:147", end) { // 147: DEC a valid date
		return finish(v)
	}
	y := yearOf(end)
	switch {
	case rec == "":
	case rec == "X1":
		// 388: X1 continues the period in a new episode; the last episode of
		// a period cannot end with it.
		v.Add(fieldReasonCeased, "903:388", "X1 means a new episode starts the same day; to end a period of care give an E-code")
	case !codes.ReasonEpisodeCeased.Valid(rec, y) || !codes.EndsCare(rec):
		// 149: REC in the year's list (and, here, one that ends care).
		v.Addf(fieldReasonCeased, "903:149", "%q is not a reason for ceasing care valid in %s", rec, y)
	default:
		ruleRECAge(&v, fieldReasonCeased, rec, care.DOB, end) // 386, 407, 387, 389, 460
	}
	ruleNotFuture(&v, fieldEndDate, "903:385", end, now) // 385: DEC not in the future
	// 356: DEC not before DECOM; 355: every episode lasts at least a day, so
	// the end is after the last episode (status or placement change) began.
	eps, _ := merge(care, pl, false)
	var last *Episode
	if n := len(eps); n > 0 && !eps[n-1].DECOM.Before(p.Start) {
		last = &eps[n-1] // the open period is the latest, so its last episode is the last
		// A placement that ended on the end date with no successor (the
		// usual order: the placement ends, then the period ends that day)
		// starts no episode once the period ends with it; the placement it
		// ended is the period's last, which 390/516/381 read.
		if n > 1 && last.DECOM == end && last.PlacementID == "" && eps[n-2].PlacementID != "" &&
			eps[n-2].LS == last.LS && !eps[n-2].DECOM.Before(p.Start) {
			last = &eps[n-2]
		}
	}
	switch {
	case end.Before(p.Start):
		v.Addf(fieldEndDate, "903:356", "the period cannot end (%s) before it started (%s)", end, p.Start)
		return finish(v)
	case last != nil && !end.After(last.DECOM):
		v.Addf(fieldEndDate, "903:355", "the period's last episode began on %s; an episode lasts at least a day, so the end must be later", last.DECOM)
		return finish(v)
	}
	if last != nil && rec != "" && rec != "X1" {
		ruleRECPlacement(&v, fieldReasonCeased, rec, last.Place) // 390, 516, 381
	}
	if cur := p.lastStatus(); cur != nil {
		ruleStatusDuration(&v, fieldEndDate, cur.LS, cur.Start, end) // 361, 362, 363, 364, 365
		if cur.LS == "V3" {
			ruleRespiteTotal(&v, fieldEndDate, care, end) // 367
		}
	}
	return finish(v)
}
