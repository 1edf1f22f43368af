package ssda903

import (
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// Rules that are not DfE rules. A write that needs the child to be looked
// after (or to have a current placement) and finds otherwise conflicts with
// the child's history; no DfE rule id names that, so none is borrowed.
const (
	// RuleLookedAfter: the write needs the child to be looked after (an open
	// period of care, or a period in force on the date given).
	RuleLookedAfter = "looked_after"
	// RuleCurrentPlacement: the write needs a current placement (or a
	// current temporary placement) that the child does not have.
	RuleCurrentPlacement = "current_placement"
	// RuleTemporaryType: a temporary-placement write named a placement type
	// other than T0–T4.
	RuleTemporaryType = "temporary_type"
	// RuleFutureDate: a date that is not a 903 DECOM or DEC (a contact date,
	// a date of birth) is in the future.
	RuleFutureDate = "future_date"
	// RuleRequired: a value the check needs is missing.
	RuleRequired = "required"
)

// conflictRules are the rules whose failure means the write conflicts with
// the child's recorded history (FailedPrecondition) rather than being wrong
// in itself (InvalidArgument).
var conflictRules = map[string]bool{
	"903:142": true, "903:355": true, "903:356": true, "903:361": true, "903:362": true,
	"903:363": true, "903:364": true, "903:365": true, "903:366": true, "903:367": true, "903:375": true, "903:376": true,
	"903:377": true, "903:379": true, "903:380": true, "903:381": true, "903:383": true,
	"903:431": true, "903:434": true, "903:437": true, "903:501": true, "903:1000": true,
	"903:1011": true, RuleLookedAfter: true, RuleCurrentPlacement: true,
}

// IsConflict reports whether a violation is a conflict with the child's
// history (gRPC FailedPrecondition) rather than bad input (InvalidArgument).
func IsConflict(v errs.Violation) bool { return conflictRules[v.Rule] }

// Err turns the result of a check into the domain error the service
// returns: nil when there are no violations; errs.Conflict when any of them
// is a conflict with the child's history ([IsConflict]); errs.Invalid
// otherwise. Every violation is carried either way.
func Err(vs []errs.Violation) error {
	if len(vs) == 0 {
		return nil
	}
	for _, v := range vs {
		if IsConflict(v) {
			return errs.Conflict(vs...)
		}
	}
	return errs.Invalid(vs...)
}

// finish removes repeats (a rule failing on several episodes of one
// placement is reported once per field) and returns nil for no violations.
func finish(v errs.Violations) []errs.Violation {
	if len(v) == 0 {
		return nil
	}
	out := make([]errs.Violation, 0, len(v))
	for _, x := range v {
		dup := false
		for _, y := range out {
			if x.Field == y.Field && x.Rule == y.Rule {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

// ruleDate: 141 (DECOM) / 147 (DEC): the date is present and a real date.
// It reports whether the date can be used by the other checks.
func ruleDate(v *errs.Violations, field, rule string, d clock.Date) bool {
	if d.IsZero() {
		v.Add(field, rule, "a date is required")
		return false
	}
	if _, err := clock.NewDate(d.Y, d.M, d.D); err != nil {
		v.Addf(field, rule, "%04d-%02d-%02d is not a valid date", d.Y, int(d.M), d.D)
		return false
	}
	return true
}

// ruleNotFuture: 354 (DECOM) / 385 (DEC) say "not after the end of the
// collection year"; for a live system that is "not after today".
func ruleNotFuture(v *errs.Violations, field, rule string, d, now clock.Date) {
	if !now.IsZero() && d.After(now) {
		v.Addf(field, rule, "%s is in the future (today is %s)", d, now)
	}
}

// ruleLegalStatus: 144 the code is in the list of the collection year of
// DECOM; 445 D1 only for episodes starting on or before 31/12/2005; 446 E1
// only for episodes starting on or after 01/12/2005 (the date windows are
// codes.LegalStatusValidOn).
func ruleLegalStatus(v *errs.Violations, field, ls string, decom clock.Date) {
	y := yearOf(decom)
	if !codes.LegalStatus.Valid(ls, y) {
		v.Addf(field, "903:144", "%q is not a legal status code valid in %s", ls, y)
		return
	}
	if codes.LegalStatusValidOn(ls, decom.Midnight()) {
		return
	}
	switch ls {
	case "D1": // 445
		v.Addf(field, "903:445", "D1 (freeing order) is not valid for an episode starting after 31/12/2005 (starts %s)", decom)
	case "E1": // 446
		v.Addf(field, "903:446", "E1 (placement order) is not valid for an episode starting before 01/12/2005 (starts %s)", decom)
	}
}

// ruleYouthJusticeAge: 358 J1/J2/J3 only for a child aged 10 or over at
// DECOM. A DECOM on the 10th birthday is allowed (the open-source validator
// wrongly flags it).
func ruleYouthJusticeAge(v *errs.Violations, field, ls string, dob, decom clock.Date) {
	if codes.IsYouthJustice(ls) && !dob.IsZero() && clock.AgeOn(dob, decom) < 10 {
		v.Addf(field, "903:358", "legal status %s needs the child to be 10 or over on %s (aged %d)", ls, decom, clock.AgeOn(dob, decom))
	}
}

// ruleStatusDuration: the longest a legal status may run, counted from the
// DECOM of its first episode to the DEC of its last (consecutive episodes
// with the same status are one spell): 361 L1 police protection 72 hours
// (3 days), 362 L2 emergency protection order 21 days, 363 L3 child
// assessment order 7 days, 364 J2 detention under PACE ss41-46 21 days,
// 365 V3 short break 17 days.
func ruleStatusDuration(v *errs.Violations, field, ls string, start, end clock.Date) {
	days := start.DaysUntil(end)
	var rule string
	var limit int
	switch ls {
	case "L1":
		rule, limit = "903:361", 3
	case "L2":
		rule, limit = "903:362", 21
	case "L3":
		rule, limit = "903:363", 7
	case "J2":
		rule, limit = "903:364", 21
	case "V3":
		rule, limit = "903:365", 17
	default:
		return
	}
	if days > limit {
		v.Addf(field, rule, "legal status %s may last at most %d days; it would last %d (%s to %s)", ls, limit, days, start, end)
	}
}

// respiteLimitDays is the most V3 short-break days in any 12 months
// (rule 367; reg 48 of the Care Planning, Placement and Case Review
// (England) Regulations 2010).
const respiteLimitDays = 75

// ruleRespiteTotal: 367 total V3 short breaks ≤ 75 days in any 12 months,
// over the child's whole history. The open V3 spell, if any, is counted up
// to openEnd (the proposed change or end date); with openEnd zero it is not
// counted.
func ruleRespiteTotal(v *errs.Violations, field string, care CareTimeline, openEnd clock.Date) {
	var spans [][2]clock.Date
	for pi := range care.Periods {
		p := &care.Periods[pi]
		for si := range p.Statuses {
			if p.Statuses[si].LS != "V3" {
				continue
			}
			end := p.spellEnd(si)
			if end.IsZero() {
				end = openEnd
			}
			if end.IsZero() || !p.Statuses[si].Start.Before(end) {
				continue
			}
			spans = append(spans, [2]clock.Date{p.Statuses[si].Start, end})
		}
	}
	// The busiest 12-month window has an edge on a span's edge: try windows
	// starting at each span's start and ending at each span's end.
	for _, s := range spans {
		for _, w := range [][2]clock.Date{{s[0], s[0].AddYears(1)}, {s[1].AddYears(-1), s[1]}} {
			total := 0
			for _, t := range spans {
				lo, hi := maxDate(t[0], w[0]), t[1]
				if w[1].Before(hi) {
					hi = w[1]
				}
				if lo.Before(hi) {
					total += lo.DaysUntil(hi)
				}
			}
			if total > respiteLimitDays {
				v.Addf(field, "903:367", "short breaks (V3) would total %d days in the 12 months from %s; at most %d are allowed", total, w[0], respiteLimitDays)
				return
			}
		}
	}
}

// ruleRECAge: the reason a period ended against the child's age at DEC.
// 386 adopted (E11/E12) and 407 special guardianship (E45–E48) need the
// child under 18; 387 independent living (E5/E6) needs 14 or over; 389
// adult social care (E7) needs 16 or over; 460 staying put (E17) needs 18 or
// over.
func ruleRECAge(v *errs.Violations, field, rec string, dob, dec clock.Date) {
	if dob.IsZero() {
		return
	}
	age := clock.AgeOn(dob, dec)
	switch rec {
	case "E11", "E12":
		if age >= 18 {
			v.Addf(field, "903:386", "a child cannot be adopted (%s) at 18 or over (aged %d on %s)", rec, age, dec)
		}
	case "E45", "E46", "E47", "E48":
		if age >= 18 {
			v.Addf(field, "903:407", "a special guardianship order (%s) needs the child under 18 (aged %d on %s)", rec, age, dec)
		}
	case "E5", "E6":
		if age < 14 {
			v.Addf(field, "903:387", "moving to independent living (%s) needs the child to be 14 or over (aged %d on %s)", rec, age, dec)
		}
	case "E7":
		if age < 16 {
			v.Addf(field, "903:389", "a transfer to adult social care (E7) needs the child to be 16 or over (aged %d on %s)", age, dec)
		}
	case "E17":
		if age < 18 {
			v.Addf(field, "903:460", "staying put (E17) needs the young person to be 18 or over (aged %d on %s)", age, dec)
		}
	}
}

// ruleRECPlacement: the reason a period ended against the last placement.
// 390 adopted (E11/E12) needs the last placement to be for adoption A3–A6;
// 516 special guardianship to former foster carers (E45/E46) needs a foster
// placement U1–U6 — both only when a placement is known; 381 a period of
// care cannot end in a temporary placement (T0–T4).
func ruleRECPlacement(v *errs.Violations, field, rec, place string) {
	switch {
	case place == "":
	case codes.IsTemporary(place):
		v.Addf(field, "903:381", "a period of care cannot end while the child is in a temporary placement (%s); end the temporary placement first", place)
	case (rec == "E11" || rec == "E12") && !codes.IsAdoption(place):
		v.Addf(field, "903:390", "adoption (%s) needs the last placement to be a placement for adoption (A3–A6), not %s", rec, place)
	case (rec == "E45" || rec == "E46") && !codes.IsFoster(place):
		v.Addf(field, "903:516", "special guardianship to former foster carers (%s) needs the last placement to be a foster placement (U1–U6), not %s", rec, place)
	}
}

// pairFields names the request fields blamed when a legal status and a
// placement do not go together: the caseload service blames the legal
// status, the placement service the placement's fields.
type pairFields struct{ ls, place, provider, distance string }

// ruleEpisodePair: rules over one episode's (legal status, placement) pair.
func ruleEpisodePair(v *errs.Violations, f pairFields, e *Episode) {
	ls, place := e.LS, e.Place
	if ls == "" || place == "" {
		return
	}
	short := codes.IsShortBreak(ls)
	// 378: placed with parents (P1) cannot be under a single period of s20
	// accommodation (V2).
	if place == "P1" && ls == "V2" {
		v.Addf(pick(f.place, f.ls), "903:378", "a child placed with parents (P1) cannot have legal status V2 (from %s)", e.DECOM)
	}
	// 382: short breaks (V3/V4) cannot be in a temporary placement.
	if short && codes.IsTemporary(place) {
		v.Addf(pick(f.place, f.ls), "903:382", "a child on short breaks (%s) cannot be in a temporary placement (%s)", ls, place)
	}
	// 384: short breaks cannot be in long-term fostering (U1/U4).
	if short && codes.IsLongTermFoster(place) {
		v.Addf(pick(f.place, f.ls), "903:384", "a child on short breaks (%s) cannot be in long-term fostering (%s)", ls, place)
	}
	// 408: placed for adoption with a placement order (A5/A6) needs LS E1.
	if (place == "A5" || place == "A6") && ls != "E1" {
		v.Addf(pick(f.place, f.ls), "903:408", "placement %s (placed for adoption with a placement order) needs legal status E1, not %s", place, ls)
	}
	// 217: from 01/04/2015 a placement for adoption with the current foster
	// carers (A3/A5) starts with RNE S, T or U: the carer stays the same. It
	// is checked on the episode where the placement starts; a later change
	// of legal status alone (RNE L) is not a move to the placement.
	if (place == "A3" || place == "A5") && !e.DECOM.Before(date2015April) && (e.RNE == "P" || e.RNE == "B") {
		v.Addf(pick(f.place, f.ls), "903:217", "placement %s is with the current foster carer(s): give the same carer as the previous placement (the move would be recorded as RNE %s, which needs S, T or U)", place, e.RNE)
	}
	// 1015: own provision (PR1) outside the council's boundary only for
	// foster or adoption placements, or short breaks.
	if e.PlaceProvider == "PR1" && e.PLLocation == "OUT" && !codes.IsFoster(place) && !codes.IsAdoption(place) && !short {
		v.Addf(pick(f.provider, f.ls), "903:1015", "own provision (PR1) outside the council's area is only allowed for foster or adoption placements or short breaks, not %s", place)
	}
	// 398: no distance from home for short breaks.
	if short && e.Distance != nil {
		v.Addf(pick(f.distance, f.ls), "903:398", "no placement distance is recorded for a child on short breaks (%s)", ls)
	}
}

var date2015April = clock.Date{Y: 2015, M: 4, D: 1}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
