package ssda903

import (
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
)

// PlacementContext is what the placement checks need besides the proposed
// change: the child's care timeline (from the caseload service), the
// placements as recorded, the council's own local authority code (for
// PL_LOCATION and rule 1015) and today's date.
type PlacementContext struct {
	Care       CareTimeline
	Placements PlacementTimeline
	CouncilLA  string
	Now        clock.Date
}

// placementFields names the request fields of one placement write.
type placementFields struct {
	date, place, provider, urn, la, home, grid, reason string
}

// detailsFields are those of StartPlacement and ChangePlacement, whose new
// placement arrives as `details`.
func detailsFields(date string) placementFields {
	return placementFields{
		date: date, place: "details.placement_type", provider: "details.provider",
		urn: "details.urn", la: "details.placement_local_authority",
		home: "details.home_grid", grid: "details.placement_grid", reason: "reason_for_change",
	}
}

// temporaryFields are those of StartTemporaryPlacement, which has no
// provider, URN or grid references.
func temporaryFields(date string) placementFields {
	return placementFields{
		date: date, place: "placement_type", provider: "placement_type", urn: "placement_type",
		la: "placement_local_authority", home: "placement_type", grid: "placement_type", reason: "placement_type",
	}
}

// onlyDate blames everything on one field: used for the placement a child
// returns to after a temporary one, whose details the caller did not give.
func onlyDate(date string) placementFields {
	return placementFields{date, date, date, date, date, date, date, date}
}

// CheckStartPlacement checks a placement starting on p.Start when the child
// has no current placement (the first of a period, or after a gap).
func CheckStartPlacement(c PlacementContext, p PlacementSpell) []errs.Violation {
	f := detailsFields("start_date")
	var v errs.Violations
	if !ruleDate(&v, f.date, "903:141", p.Start) {
		return finish(v)
	}
	pl := placementsInOrder(c.Placements)
	if cur := pl.Current(); cur >= 0 {
		// 501: no overlapping episodes; a move from the current placement is
		// a change of placement.
		v.Addf(f.date, "903:501", "the child is already in a placement (from %s); record a change of placement instead", pl[cur].Start)
		return finish(v)
	}
	if p.Temporary() {
		// 380: a temporary placement cannot start a period of care, nor
		// follow a gap: it interrupts a placement (StartTemporaryPlacement).
		v.Addf(f.place, "903:380", "a temporary placement (%s) must interrupt a current placement; it cannot be the child's first placement", p.Place)
	}
	after := append(slices.Clone(pl), p)
	checkNewPlacement(&v, c, f, after, len(after)-1)
	return finish(v)
}

// CheckChangePlacement checks a move on p.Start from the current placement
// to p, with reason, the 903 REASON_PLACE_CHANGE of the placement that ends.
func CheckChangePlacement(c PlacementContext, p PlacementSpell, reason string) []errs.Violation {
	f := detailsFields("change_date")
	var v errs.Violations
	if !ruleDate(&v, f.date, "903:141", p.Start) {
		return finish(v)
	}
	after := slices.Clone(placementsInOrder(c.Placements))
	cur := after.Current()
	if cur < 0 {
		v.Add(f.date, RuleCurrentPlacement, "the child has no current placement to change; start a placement instead")
		return finish(v)
	}
	old := &after[cur]
	// 355: a placement (episode) lasts at least a day.
	if !p.Start.After(old.Start) {
		v.Addf(f.date, "903:355", "the change date must be after the current placement began (%s)", old.Start)
		return finish(v)
	}
	old.End, old.ReasonChange = p.Start, reason
	ruleEndedPlacement(&v, f.date, old)
	ruleReasonForChange(&v, f.reason, reason, old, &p, c.Care.DOB)
	// 383 (2025/26): after a temporary placement the child returns to the
	// placement it interrupted.
	if old.Temporary() && yearOf(p.Start) >= 2025 {
		if j := after.Interrupted(cur); j >= 0 && !samePlacement(after[j], p) {
			v.Addf(f.place, "903:383", "after a temporary placement the child returns to the placement it interrupted (%s from %s); end the temporary placement instead", after[j].Place, after[j].Start)
		}
	}
	after = append(after, p)
	checkNewPlacement(&v, c, f, after, len(after)-1)
	return finish(v)
}

// CheckEndPlacement checks ending the current placement on end with no new
// one (e.g. when the period of care ends).
func CheckEndPlacement(c PlacementContext, end clock.Date) []errs.Violation {
	const field = "end_date"
	var v errs.Violations
	if !ruleDate(&v, field, "903:147", end) {
		return finish(v)
	}
	ruleNotFuture(&v, field, "903:385", end, c.Now)
	pl := placementsInOrder(c.Placements)
	cur := pl.Current()
	if cur < 0 {
		v.Add(field, RuleCurrentPlacement, "the child has no current placement to end")
		return finish(v)
	}
	s := pl[cur]
	if !end.After(s.Start) { // 355
		v.Addf(field, "903:355", "the end date must be after the placement began (%s)", s.Start)
		return finish(v)
	}
	if s.Temporary() {
		// 381: a temporary placement cannot end a period of care (its REC
		// must be X1): it ends with a return or a move.
		v.Addf(field, "903:381", "a temporary placement (%s) cannot simply end; end it with the child's return to the placement it interrupted, or change placement", s.Place)
	}
	s.End = end
	ruleEndedPlacement(&v, field, &s)
	return finish(v)
}

// CheckStartTemporaryPlacement checks a temporary placement p (T0–T4) that
// interrupts the current placement from p.Start.
func CheckStartTemporaryPlacement(c PlacementContext, p PlacementSpell) []errs.Violation {
	f := temporaryFields("start_date")
	var v errs.Violations
	if !ruleDate(&v, f.date, "903:141", p.Start) {
		return finish(v)
	}
	if !p.Temporary() {
		v.Addf(f.place, RuleTemporaryType, "a temporary placement is T0–T4, not %q", p.Place)
		return finish(v)
	}
	after := slices.Clone(placementsInOrder(c.Placements))
	cur := after.Current()
	if cur < 0 {
		// 380: a temporary placement cannot start a period of care: there
		// must be a placement for it to interrupt.
		v.Addf(f.date, "903:380", "a temporary placement must interrupt a current placement, and the child has none")
		return finish(v)
	}
	old := &after[cur]
	if !p.Start.After(old.Start) { // 355
		v.Addf(f.date, "903:355", "the temporary placement must start after the current placement began (%s)", old.Start)
		return finish(v)
	}
	old.End, old.ReasonChange = p.Start, "" // 226: no reason on a move to a temporary placement
	ruleEndedPlacement(&v, f.date, old)
	after = append(after, p)
	checkNewPlacement(&v, c, f, after, len(after)-1)
	return finish(v)
}

// CheckEndTemporaryPlacement checks ending the current temporary placement
// on end, the child returning to the placement it interrupted (built by
// [PlacementTimeline.Resume], which the service then records).
func CheckEndTemporaryPlacement(c PlacementContext, end clock.Date) []errs.Violation {
	const field = "end_date"
	var v errs.Violations
	if !ruleDate(&v, field, "903:147", end) {
		return finish(v)
	}
	if ruleNotFuture(&v, field, "903:385", end, c.Now); len(v) > 0 {
		return finish(v)
	}
	after := slices.Clone(placementsInOrder(c.Placements))
	cur := after.Current()
	if cur < 0 || !after[cur].Temporary() {
		v.Add(field, RuleCurrentPlacement, "the child is not in a temporary placement")
		return finish(v)
	}
	if !end.After(after[cur].Start) { // 355
		v.Addf(field, "903:355", "the end date must be after the temporary placement began (%s)", after[cur].Start)
		return finish(v)
	}
	resumed, ok := after.Resume(end)
	if !ok {
		// 383/380: the return is to the placement the temporary one
		// interrupted; there is none to return to.
		v.Add(field, "903:383", "the temporary placement interrupted no placement the child could return to")
	}
	after[cur].End = end
	ruleEndedPlacement(&v, field, &after[cur])
	if ok {
		after = append(after, resumed)
		checkNewPlacement(&v, c, onlyDate(field), after, len(after)-1)
	}
	return finish(v)
}

// samePlacement reports that two placements have the same 903 details
// (rule 383 compares PLACE and the placement postcode; the carer and local
// authority stand in for the postcode here).
func samePlacement(a, b PlacementSpell) bool {
	return a.Place == b.Place && a.Provider == b.Provider && a.URN == b.URN &&
		a.CarerID == b.CarerID && a.PlacementLA == b.PlacementLA
}

// ruleEndedPlacement: rules on a placement that gets its end date.
// Temporary placements have maximum lengths, checked when they end (an open
// one is checked at its end, which rule 381 forces to come): 375 T1
// (hospital) 42 days, 376 T3 (foster carers' holiday) 21 days, 379 T4
// (any other) 7 days.
func ruleEndedPlacement(v *errs.Violations, field string, s *PlacementSpell) {
	days := s.Start.DaysUntil(s.End)
	var rule string
	var limit int
	switch s.Place {
	case "T1":
		rule, limit = "903:375", 42
	case "T3":
		rule, limit = "903:376", 21
	case "T4":
		rule, limit = "903:379", 7
	default:
		return
	}
	if days > limit {
		v.Addf(field, rule, "a %s temporary placement may last at most %d days; it would last %d (%s to %s)", s.Place, limit, days, s.Start, s.End)
	}
}

// ruleReasonForChange: the reason recorded on a move from old to next.
// 225 required on a move that is not to or from a temporary placement;
// 226 not allowed when either is temporary (2025/26: not on the T-episode
// nor the one before it); 1009 in the year's list; 234 CUSTOD not for a
// child under 10.
func ruleReasonForChange(v *errs.Violations, field, reason string, old, next *PlacementSpell, dob clock.Date) {
	if old.Temporary() || next.Temporary() {
		if reason != "" {
			v.Add(field, "903:226", "no reason for change is recorded on a move to or from a temporary placement")
		}
		return
	}
	if reason == "" {
		v.Add(field, "903:225", "a reason for the change of placement is required")
		return
	}
	y := yearOf(next.Start)
	if !codes.ReasonPlaceChange.Valid(reason, y) {
		v.Addf(field, "903:1009", "%q is not a reason for placement change valid in %s", reason, y)
		return
	}
	if reason == "CUSTOD" && !dob.IsZero() && clock.AgeOn(dob, next.Start) < 10 {
		v.Addf(field, "903:234", "CUSTOD (custody arrangement) cannot apply to a child under 10 (aged %d)", clock.AgeOn(dob, next.Start))
	}
}

// checkNewPlacement runs the rules on the placement after[idx] that starts
// with this write, in the timeline after the write.
func checkNewPlacement(v *errs.Violations, c PlacementContext, f placementFields, after PlacementTimeline, idx int) {
	p := &after[idx]
	ruleNotFuture(v, f.date, "903:354", p.Start, c.Now) // 354: DECOM not in the future
	y := yearOf(p.Start)
	// 146: PLACE in the year's list (K3 upper-case, valid from 2024/25).
	placeOK := codes.PlacementType.Valid(p.Place, y)
	if !placeOK {
		v.Addf(f.place, "903:146", "%q is not a placement type valid in %s", p.Place, y)
	}
	if placeOK {
		ruleProvider(v, f, p.Place, p.Provider, y)
		ruleURN(v, f.urn, p.Place, p.URN, p.PlacementLA, y)
		ruleMinimumAge(v, f.place, p.Place, c.Care.DOB, p.Start)
	}
	// 411: PL_LOCATION agrees with PL_LA (derived by Location).
	if c.CouncilLA != "" {
		want := Location(p.PlacementLA, c.CouncilLA)
		if p.Location != "" && p.Location != want {
			v.Addf(f.la, "903:411", "placement location %s does not agree with the placement's local authority %q (%s)", p.Location, p.PlacementLA, pick(want, "not known"))
		}
		p.Location = want
	}
	ruleDistance(v, f, c.Care, p.Distance)
	ruleSameAddress(v, f, *p)
	if p.Place == "T3" {
		ruleT3Count(v, f.place, after)
	}
	// The child must be looked after on the start date.
	if c.Care.periodOn(p.Start) < 0 {
		v.Addf(f.date, RuleLookedAfter, "the child is not looked after on %s; a placement needs a period of care", p.Start)
		return
	}
	// 501: no overlap with another placement.
	for j := range after {
		if j != idx && overlaps(after[j], *p) {
			v.Addf(f.date, "903:501", "the placement would overlap another (%s from %s)", after[j].Place, after[j].Start)
			break
		}
	}
	// The legal status / placement pairs of every episode the new placement
	// is part of, with the RNE the merge gives it (217).
	pf := pairFields{ls: f.place, place: f.place, provider: f.provider, distance: f.home}
	eps, pis := merge(c.Care, after, true)
	for i := range eps {
		if pis[i] == idx {
			ruleEpisodePair(v, pf, &eps[i])
		}
	}
}

func overlaps(a, b PlacementSpell) bool {
	return (b.End.IsZero() || a.Start.Before(b.End)) && (a.End.IsZero() || b.Start.Before(a.End))
}

// ruleProvider: 178 the provider code is valid; 213 blank for T0–T4 (and
// Z11–Z14 from 2025/26); 526 required otherwise (codes.ProviderRequired);
// then the provider must suit the placement type: 550 PR0 (parents) only
// with P1; 527 PR1 and 528 PR2 not with P1, R2 or R5; 529 PR3 not with P1,
// A3–A6, K1, K2 or U1–U6; 530 PR4 and 531 PR5 not with P1.
func ruleProvider(v *errs.Violations, f placementFields, place, provider string, y codes.CollectionYear) {
	required := codes.ProviderRequired(place, y)
	switch {
	case !required && provider != "":
		v.Addf(f.provider, "903:213", "no provider is recorded for placement type %s", place)
		return
	case required && provider == "":
		v.Addf(f.provider, "903:526", "a provider is required for placement type %s", place)
		return
	case provider == "":
		return
	case !codes.PlacementProvider.Valid(provider, y):
		v.Addf(f.provider, "903:178", "%q is not a placement provider code valid in %s", provider, y)
		return
	}
	bad := func(rule string) {
		v.Addf(f.provider, rule, "provider %s cannot provide placement type %s", provider, place)
	}
	switch provider {
	case "PR0":
		if place != "P1" {
			bad("903:550")
		}
	case "PR1":
		if place == "P1" || place == "R2" || place == "R5" {
			bad("903:527")
		}
	case "PR2":
		if place == "P1" || place == "R2" || place == "R5" {
			bad("903:528")
		}
	case "PR3":
		if place == "P1" || codes.IsAdoption(place) || codes.GroupOf(place) == codes.GroupChildrensHomes || codes.IsFoster(place) {
			bad("903:529")
		}
	case "PR4":
		if place == "P1" {
			bad("903:530")
		}
	case "PR5":
		if place == "P1" {
			bad("903:531")
		}
	}
}

// urnNotKnown is the URN given when the provider's URN is not known.
const urnNotKnown = "XXXXXXX"

// ruleURN: 218 an Ofsted URN is required unless the placement type is
// exempt in the year or the child is placed outside England (PL_LA CON, NIR,
// SCO, WAL, NUK); XXXXXXX records "not known". 222 no URN for the exempt
// (non-registrable) types, XXXXXXX apart. The year is that of the
// placement's start: a placement carried into a year with stricter rules is
// not re-checked here.
func ruleURN(v *errs.Violations, field, place, urn, plLA string, y codes.CollectionYear) {
	exempt := codes.URNExempt(place, y)
	switch {
	case urn == "" && !exempt && !codes.URNExemptLA(plLA):
		v.Addf(field, "903:218", "an Ofsted URN is required for placement type %s (give %s if it is not known)", place, urnNotKnown)
	case urn != "" && urn != urnNotKnown && exempt:
		v.Addf(field, "903:222", "placement type %s is not registered with Ofsted, so no URN is recorded", place)
	}
}

// ruleMinimumAge: the youngest a child may be at DECOM in some placement
// types, checked for every placement, open or ended (the open-source
// validator skips open episodes: not copied). 370 P2 (independent living)
// 15 up to 2022/23, 16 from 2023/24; 371 H5 (semi-independent) 14 up to
// 2022/23, 16 from 2023/24, and K3 (supported accommodation) 16; 372 R5
// (young offender institution) 10; 373 S1 (residential school) 4; 374 P3
// (residential employment) 14.
func ruleMinimumAge(v *errs.Violations, field, place string, dob, decom clock.Date) {
	if dob.IsZero() {
		return
	}
	y := yearOf(decom)
	var rule string
	var minAge int
	switch place {
	case "P2":
		rule, minAge = "903:370", 16
		if y <= 2022 {
			minAge = 15
		}
	case "H5":
		rule, minAge = "903:371", 16
		if y <= 2022 {
			minAge = 14
		}
	case "K3":
		rule, minAge = "903:371", 16
	case "R5":
		rule, minAge = "903:372", 10
	case "S1":
		rule, minAge = "903:373", 4
	case "P3":
		rule, minAge = "903:374", 14
	default:
		return
	}
	if age := clock.AgeOn(dob, decom); age < minAge {
		v.Addf(field, rule, "placement type %s needs the child to be %d or over when it starts (aged %d on %s)", place, minAge, age, decom)
	}
}

// ruleDistance: 406 no distance from home for a UASC or former UASC; 164
// PL_DISTANCE within 0.0–999.9 miles; 454 not over 350 miles unless the
// 999.9 sentinel.
func ruleDistance(v *errs.Violations, f placementFields, care CareTimeline, d *float64) {
	if d == nil {
		return
	}
	switch {
	case care.UASC:
		v.Add(f.home, "903:406", "no distance from home is recorded for an unaccompanied asylum-seeking child (or former UASC)")
	case *d < 0 || *d > 999.9:
		v.Addf(f.grid, "903:164", "the distance from home (%.1f miles) must be between 0.0 and 999.9", *d)
	case *d > 350 && *d != 999.9:
		v.Addf(f.grid, "903:454", "the distance from home (%.1f miles) is over 350 miles; check the grid references", *d)
	}
}

// ruleSameAddress: 392d the placement's address differs from the child's
// home address unless the child is placed with parents (P1). The suite holds
// OS grid references rather than postcodes, so "the same address" is the
// same point.
func ruleSameAddress(v *errs.Violations, f placementFields, p PlacementSpell) {
	if p.SameAddress && p.Place != "P1" {
		v.Addf(f.grid, "903:392d", "the placement is at the child's home address (the same grid reference); only placed with parents (P1) may be, not %s", p.Place)
	}
}

// ruleT3Count: 377 at most two T3 (foster carers' holiday) placements in
// any 12 months, over the child's whole placement history.
func ruleT3Count(v *errs.Violations, field string, pl PlacementTimeline) {
	for i := range pl {
		if pl[i].Place != "T3" {
			continue
		}
		from, to := pl[i].Start, pl[i].Start.AddYears(1)
		n := 0
		for j := range pl {
			if pl[j].Place == "T3" && !pl[j].Start.Before(from) && pl[j].Start.Before(to) {
				n++
			}
		}
		if n > 2 {
			v.Addf(field, "903:377", "at most two T3 placements are allowed in any 12 months; there would be %d in the 12 months from %s", n, from)
			return
		}
	}
}
