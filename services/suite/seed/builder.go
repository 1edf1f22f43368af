package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Dates the code lists turn on (codes doc §4): K3 (registered supported
// accommodation) from the 2024/25 year; H5 (semi-independent living) last
// valid in 2024/25, so every H5 placement still open then becomes K3 by 31
// March 2025.
var (
	k3From    = clock.Date{Y: 2024, M: 4, D: 1}
	h5LastDay = clock.Date{Y: 2025, M: 3, D: 31}
)

// planner holds what every child's builder shares: the random source, the
// two dates the figures are compared on, and counters for ids.
type planner struct {
	rnd     *rand.Rand
	asAt    clock.Date // A
	yearAgo clock.Date // B = A less 12 months, as the metrics service reads it
	plan    *Scenario
	carers  int // foster households
	kin     int // connected persons (kinship) carers
	adopter int // adopters
	sexCode func(male bool) string
}

// intn is a uniform int in [0, n).
func (p *planner) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return p.rnd.IntN(n)
}

// between is a uniform int in [lo, hi].
func (p *planner) between(lo, hi int) int {
	if hi < lo {
		panic(fmt.Sprintf("seed: empty range [%d, %d]", lo, hi))
	}
	return lo + p.intn(hi-lo+1)
}

// chance is true with probability pct/100.
func (p *planner) chance(pct int) bool { return p.intn(100) < pct }

// dateIn is a uniform date in [lo, hi]; it panics on an empty window (a
// generator bug: the cohort's windows were drawn wrong).
func (p *planner) dateIn(lo, hi clock.Date) clock.Date {
	n := lo.DaysUntil(hi)
	if n < 0 {
		panic(fmt.Sprintf("seed: empty date window [%s, %s]", lo, hi))
	}
	return lo.AddDays(p.intn(n + 1))
}

// pick returns one of vs uniformly.
func pick[T any](p *planner, vs []T) T { return vs[p.intn(len(vs))] }

// pickWeighted returns a value by weight.
func (p *planner) pickWeighted(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := p.intn(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

func (p *planner) pickProvider(ps []provider, ok func(provider) bool) provider {
	total := 0
	for _, x := range ps {
		if ok(x) {
			total += max(x.capacity, 1)
		}
	}
	if total == 0 {
		panic("seed: no provider fits")
	}
	n := p.intn(total)
	for _, x := range ps {
		if !ok(x) {
			continue
		}
		if n < max(x.capacity, 1) {
			return x
		}
		n -= max(x.capacity, 1)
	}
	panic("unreachable")
}

func (p *planner) outsideLA() localAuthority {
	total := 0
	for _, la := range outsideLAs {
		total += la.weightOut
	}
	n := p.intn(total)
	for _, la := range outsideLAs {
		if n < la.weightOut {
			return la
		}
		n -= la.weightOut
	}
	return outsideLAs[0]
}

func laByCode(code string) localAuthority {
	if code == CouncilLA {
		return coventry
	}
	for _, la := range outsideLAs {
		if la.code == code {
			return la
		}
	}
	panic("seed: unknown local authority " + code)
}

// gridNear is a grid reference within spread metres of the local
// authority's centre, rounded to 100 m.
func (p *planner) gridNear(la localAuthority, spread int) *Grid {
	e := la.easting + float64(p.between(-spread, spread))
	n := la.northing + float64(p.between(-spread, spread))
	return &Grid{Easting: math.Round(e/100) * 100, Northing: math.Round(n/100) * 100}
}

// dobAged is a date of birth making the child aged minY to maxY (whole
// years) on d. 29 February is avoided, so a birthday never moves.
func (p *planner) dobAged(d clock.Date, minY, maxY int) clock.Date {
	lo := d.AddYears(-(maxY + 1)).AddDays(1)
	hi := d.AddYears(-minY)
	return noLeapDay(p.dateIn(lo, hi))
}

func noLeapDay(d clock.Date) clock.Date {
	if d.M == 2 && d.D == 29 {
		d.D = 28
	}
	return d
}

// builder writes one child's history, step by step in date order, checking
// each write against the 903 rules (pkg/ssda903) with the care and
// placement timelines the services will hold: a plan that would be refused
// fails here, when it is drawn, not when it is loaded.
type builder struct {
	p    *planner
	c    *Child
	care ssda903.CareTimeline
	pl   ssda903.PlacementTimeline
	uasc bool
	home *Grid // the child's home, nil when no distance is recorded

	open      bool
	ls        string
	last      clock.Date // the last care or placement write
	startedAt clock.Date // the first period's start

	lastStep clock.Date // the latest date of any step so far

	clOpened clock.Date // care-leaver record opened (zero: none)
	clClosed clock.Date
	clLast   clock.Date // the last care-leaver write
	adviser  string
}

func (p *planner) newChild(cohort string, dob clock.Date, male, uasc bool) *builder {
	n := len(p.plan.Children) + 1
	c := &Child{
		Key:       fmt.Sprintf("c%04d", n),
		Cohort:    cohort,
		LAChildID: fmt.Sprintf("CV%06d", 200000+n*7),
		DOB:       dob,
		Sex:       p.sexCode(male),
	}
	switch {
	case uasc:
		c.Ethnicity = p.pickWeighted(uascEthnicities)
	default:
		c.Ethnicity = p.pickWeighted(ethnicities)
	}
	c.GivenName, c.FamilyName = p.name(c.Ethnicity, male, uasc)
	p.plan.Children = append(p.plan.Children, c)
	b := &builder{p: p, c: c, uasc: uasc, care: ssda903.CareTimeline{DOB: dob}}
	if !uasc {
		b.home = p.gridNear(coventry, 4000)
	}
	b.c.Steps = append(b.c.Steps, Step{Op: OpRegister})
	if vs := ssda903.CheckChildDetails(c.Sex, dob, p.asAt); len(vs) > 0 {
		b.fail("register", vs)
	}
	return b
}

func (p *planner) name(ethnicity string, male, uasc bool) (string, string) {
	switch {
	case uasc:
		if male {
			return pick(p, givenUASCMale), pick(p, familyUASC)
		}
		return pick(p, givenUASCFemale), pick(p, familyUASC)
	case ethnicity == "AIND" || ethnicity == "APKN" || ethnicity == "ABAN" || ethnicity == "MWAS":
		if male {
			return pick(p, givenSouthAsianMale), pick(p, familySouthAsian)
		}
		return pick(p, givenSouthAsianFemale), pick(p, familySouthAsian)
	case strings.HasPrefix(ethnicity, "B") || ethnicity == "MWBA" || ethnicity == "MWBC" && p.chance(30):
		if male {
			return pick(p, givenBlackMale), pick(p, familyBlack)
		}
		return pick(p, givenBlackFemale), pick(p, familyBlack)
	}
	if male {
		return pick(p, givenMale), pick(p, familyNames)
	}
	return pick(p, givenFemale), pick(p, familyNames)
}

func (b *builder) fail(what string, vs []errs.Violation) {
	var sb strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&sb, "\n  %s %s: %s", v.Field, v.Rule, v.Message)
	}
	panic(fmt.Sprintf("seed: plan bug: child %s (%s, born %s): %s refused:%s", b.c.Key, b.c.Cohort, b.c.DOB, what, sb.String()))
}

func (b *builder) failf(format string, a ...any) {
	panic(fmt.Sprintf("seed: plan bug: child %s (%s, born %s): %s", b.c.Key, b.c.Cohort, b.c.DOB, fmt.Sprintf(format, a...)))
}

func (b *builder) add(s Step) {
	b.c.Steps = append(b.c.Steps, s)
	if s.Date.After(b.lastStep) {
		b.lastStep = s.Date
	}
}

// age is the child's age on d.
func (b *builder) age(d clock.Date) int { return clock.AgeOn(b.c.DOB, d) }

// birthday is the date the child turns n.
func (b *builder) birthday(n int) clock.Date { return b.c.DOB.Birthday(n) }

// before checks a care or placement write on d: after the last one, not
// after the as-at date; and converts a semi-independent (H5) placement to
// registered supported accommodation (K3) first when the year requires it.
func (b *builder) before(d clock.Date, what string) {
	if d.After(b.p.asAt) {
		b.failf("%s on %s is after the as-at date %s", what, d, b.p.asAt)
	}
	if !b.last.IsZero() && !d.After(b.last) {
		b.failf("%s on %s is not after the last write (%s)", what, d, b.last)
	}
	b.convertH5(d, false)
}

// convertH5 moves a child in an H5 placement to K3, same provider and
// carer ("change in the status of placement only"), on a date in 2024/25
// at least a week from the writes either side. H5 is not a placement type
// after 31 March 2025, so a write after that date with the child still in
// H5 forces it; finishing a plan whose child is still placed does too.
func (b *builder) convertH5(d clock.Date, final bool) {
	i := b.pl.Current()
	if i < 0 || b.pl[i].Place != "H5" || d.Before(k3From.AddDays(14)) {
		return
	}
	cur := b.pl[i]
	lo := maxDate(maxDate(cur.Start.AddDays(7), b.lastStep.AddDays(1)), maxDate(b.last.AddDays(7), k3From))
	hi := minDate(d.AddDays(-7), h5LastDay)
	if final {
		hi = minDate(hi, b.p.asAt)
	}
	if lo.After(hi) {
		if d.After(h5LastDay) {
			b.failf("H5 placement from %s cannot become K3 before %s", cur.Start, d)
		}
		return
	}
	c := lo.AddDays(b.p.intn(min(lo.DaysUntil(hi), 90) + 1))
	next := b.detailsOf(cur)
	next.Type = "K3"
	next.URN = b.urnFor(next.Type, c, b.providerURN(cur))
	b.changePlacement(c, next, "PLACE")
}

// providerURN is the URN of the provider of a placement: its own, or for
// an H5 that had none (exempt up to 2022/23), looked up by carer.
func (b *builder) providerURN(s ssda903.PlacementSpell) string {
	if s.URN != "" && s.URN != "XXXXXXX" {
		return s.URN
	}
	for _, x := range supportedAccommodation {
		if x.carer == s.CarerID {
			return x.urn
		}
	}
	return "XXXXXXX"
}

// urnFor gives the URN a placement of type place starting on d records:
// none for the types Ofsted does not register (rule 222), the provider's
// otherwise (rule 218).
func (b *builder) urnFor(place string, d clock.Date, urn string) string {
	if codes.URNExempt(place, codes.YearOfDate(d.Y, d.M, d.D)) {
		return ""
	}
	return urn
}

func (b *builder) detailsOf(s ssda903.PlacementSpell) Placement {
	pl := Placement{Type: s.Place, Provider: s.Provider, URN: s.URN, CarerID: s.CarerID, LA: s.PlacementLA}
	for _, st := range b.c.Steps {
		if st.Placement != nil && st.Placement.CarerID == s.CarerID && st.Placement.Type == s.Place {
			pl.Home, pl.Grid = st.Placement.Home, st.Placement.Grid
		}
	}
	return pl
}

func (b *builder) ctx() ssda903.PlacementContext {
	return ssda903.PlacementContext{Care: b.care, Placements: b.pl, CouncilLA: b.p.plan.CouncilLA, Now: b.p.asAt}
}

func (b *builder) spell(d clock.Date, pl Placement) ssda903.PlacementSpell {
	s := ssda903.PlacementSpell{
		ID: fmt.Sprintf("%s-p%d", b.c.Key, len(b.pl)+1), Place: pl.Type, Provider: pl.Provider, URN: pl.URN,
		CarerID: pl.CarerID, PlacementLA: pl.LA, Location: ssda903.Location(pl.LA, b.p.plan.CouncilLA), Start: d,
	}
	if pl.Home != nil && pl.Grid != nil {
		miles := codes.DistanceMiles(pl.Home.Easting, pl.Home.Northing, pl.Grid.Easting, pl.Grid.Northing)
		s.Distance = &miles
	}
	return s
}

// setUASC records UASC status from d (ceased zero) or its ceasing.
func (b *builder) setUASC(d, ceased clock.Date) {
	if d.After(b.p.asAt) {
		b.failf("UASC write on %s after the as-at date", d)
	}
	if vs := ssda903.CheckUASC(b.c.DOB, true, ceased); len(vs) > 0 {
		b.fail("set_uasc", vs)
	}
	b.care.UASC, b.care.UASCCeased = true, ceased
	b.add(Step{Op: OpSetUASC, Date: d, UASCCeased: ceased})
}

// allocate allocates a social worker in team from d.
func (b *builder) allocate(d clock.Date, team string) {
	// An allocation is not an episode: when the plan's dates crowd it
	// (a temporary placement around a birthday, say) it moves a few days.
	d = maxDate(d, b.lastStep)
	b.add(Step{Op: OpAllocateWorker, Date: d, TeamID: team, WorkerID: fmt.Sprintf("SW-%s-%02d", team, 1+b.p.intn(workersPerTeam))})
}

// startPeriod starts a period of care on d under ls.
func (b *builder) startPeriod(d clock.Date, ls, cin string) {
	b.before(d, "start_period")
	if vs := ssda903.CheckStartPeriod(b.care, d, ls, cin, b.p.asAt); len(vs) > 0 {
		b.fail("start_period "+d.String(), vs)
	}
	b.care.Periods = append(b.care.Periods, ssda903.Period{
		ID: fmt.Sprintf("%s-%d", b.c.Key, len(b.care.Periods)+1), Start: d, CIN: cin,
		Statuses: []ssda903.StatusSpell{{ID: fmt.Sprintf("%s-s%d", b.c.Key, len(b.c.Steps)), LS: ls, Start: d}},
	})
	if b.startedAt.IsZero() {
		b.startedAt = d
	}
	b.open, b.ls, b.last = true, ls, d
	b.add(Step{Op: OpStartPeriod, Date: d, LegalStatus: ls, CategoryOfNeed: cin})
}

// changeLS changes the legal status from d.
func (b *builder) changeLS(d clock.Date, ls string) {
	b.before(d, "change_legal_status")
	if vs := ssda903.CheckChangeLegalStatus(b.care, b.pl, d, ls, b.p.asAt); len(vs) > 0 {
		b.fail("change_legal_status "+d.String()+" to "+ls, vs)
	}
	p := &b.care.Periods[len(b.care.Periods)-1]
	p.Statuses = append(p.Statuses, ssda903.StatusSpell{ID: fmt.Sprintf("%s-s%d", b.c.Key, len(b.c.Steps)), LS: ls, Start: d})
	b.ls, b.last = ls, d
	b.add(Step{Op: OpChangeLegalStatus, Date: d, LegalStatus: ls})
}

// place starts the child's placement on d, or moves them to it (reason is
// then the 903 REASON_PLACE_CHANGE).
func (b *builder) place(d clock.Date, pl Placement, reason string) {
	b.before(d, "placement")
	if b.pl.Current() < 0 {
		b.startPlacement(d, pl)
		return
	}
	b.changePlacement(d, pl, reason)
}

func (b *builder) startPlacement(d clock.Date, pl Placement) {
	s := b.spell(d, pl)
	if vs := ssda903.CheckStartPlacement(b.ctx(), s); len(vs) > 0 {
		b.fail("start_placement "+d.String()+" "+pl.Type, vs)
	}
	b.pl = append(b.pl, s)
	b.last = d
	b.add(Step{Op: OpStartPlacement, Date: d, Placement: &pl})
}

func (b *builder) changePlacement(d clock.Date, pl Placement, reason string) {
	s := b.spell(d, pl)
	if vs := ssda903.CheckChangePlacement(b.ctx(), s, reason); len(vs) > 0 {
		b.fail("change_placement "+d.String()+" to "+pl.Type, vs)
	}
	i := b.pl.Current()
	b.pl[i].End, b.pl[i].ReasonChange = d, reason
	b.pl = append(b.pl, s)
	b.last = d
	b.add(Step{Op: OpChangePlacement, Date: d, Placement: &pl, ReasonForChange: reason})
}

// temporary interrupts the current placement with a temporary one (T1
// hospital, T3 while the foster carers are on holiday, T4 a week or less)
// from d for days days, after which the child returns.
func (b *builder) temporary(d clock.Date, typ string, days int) {
	if i := b.pl.Current(); i < 0 || !codes.IsFoster(b.pl[i].Place) {
		// Only foster placements are interrupted: a placement whose type
		// changed code lists since it began (an H5 from 2022/23, say) would
		// come back as a new placement under the later year's rules.
		return
	}
	b.before(d, "start_temporary")
	la := b.pl[b.pl.Current()].PlacementLA
	s := ssda903.PlacementSpell{ID: fmt.Sprintf("%s-p%d", b.c.Key, len(b.pl)+1), Place: typ, PlacementLA: la,
		Location: ssda903.Location(la, b.p.plan.CouncilLA), Start: d}
	if vs := ssda903.CheckStartTemporaryPlacement(b.ctx(), s); len(vs) > 0 {
		b.fail("start_temporary "+d.String(), vs)
	}
	i := b.pl.Current()
	b.pl[i].End, b.pl[i].ReasonChange = d, ""
	b.pl = append(b.pl, s)
	b.add(Step{Op: OpStartTemporary, Date: d, TemporaryType: typ, TemporaryLA: la})
	b.last = d
	end := d.AddDays(days)
	b.before(end, "end_temporary")
	if vs := ssda903.CheckEndTemporaryPlacement(b.ctx(), end); len(vs) > 0 {
		b.fail("end_temporary "+end.String(), vs)
	}
	back, ok := b.pl.Resume(end)
	if !ok {
		b.failf("temporary placement from %s has nothing to return to", d)
	}
	back.ID = fmt.Sprintf("%s-p%d", b.c.Key, len(b.pl)+1)
	b.pl[len(b.pl)-1].End = end
	b.pl = append(b.pl, back)
	b.last = end
	b.add(Step{Op: OpEndTemporary, Date: end})
}

// end ends the period of care on d for reason rec, and the placement with
// it. wantCareLeaver says whether the young person leaves care eligible
// (and so becomes a care leaver): the builder checks it against the 903
// reading of the law the services use.
func (b *builder) end(d clock.Date, rec string, wantCareLeaver bool) {
	b.endWith(d, rec, wantCareLeaver, false)
}

// endWith is end; uascCeased records first that UASC status ceased that
// day (the 18th birthday).
func (b *builder) endWith(d clock.Date, rec string, wantCareLeaver, uascCeased bool) {
	b.before(d, "end_period")
	if uascCeased {
		b.setUASC(d, d)
	}
	if i := b.pl.Current(); i >= 0 && b.pl[i].Temporary() {
		b.failf("period ends on %s in a temporary placement", d)
	}
	if vs := ssda903.CheckEndPeriod(b.care, b.pl, d, rec, b.p.asAt); len(vs) > 0 {
		b.fail("end_period "+d.String()+" "+rec, vs)
	}
	p := &b.care.Periods[len(b.care.Periods)-1]
	p.End, p.ReasonCeased = d, rec
	cat := ssda903.LegalCategory(b.care, d)
	eligible := cat.LeavingCare == ssda903.LeavingCareRelevant || cat.LeavingCare == ssda903.LeavingCareFormerRelevant
	if eligible != wantCareLeaver {
		b.failf("leaves care on %s (%s, aged %d) as %s; the plan wanted care leaver=%v", d, rec, b.age(d), cat.LeavingCare, wantCareLeaver)
	}
	b.add(Step{Op: OpEndPeriod, Date: d, ReasonCeased: rec, ExpectCareLeaver: eligible})
	if i := b.pl.Current(); i >= 0 {
		if vs := ssda903.CheckEndPlacement(b.ctx(), d); len(vs) > 0 {
			b.fail("end_placement "+d.String(), vs)
		}
		b.pl[i].End = d
		b.add(Step{Op: OpEndPlacement, Date: d})
	}
	b.open, b.ls, b.last = false, "", d
	if eligible {
		b.clOpened, b.clLast = d, d
	}
}

// finish completes the child: an open H5 placement becomes K3 where the
// as-at date needs it, and the register step takes the date of the first
// other step.
func (b *builder) finish() {
	if b.open {
		b.convertH5(b.p.asAt.AddDays(8), true)
	}
	if len(b.c.Steps) > 1 {
		b.c.Steps[0].Date = b.c.Steps[1].Date
	}
	for i := 2; i < len(b.c.Steps); i++ {
		if b.c.Steps[i].Date.Before(b.c.Steps[i-1].Date) {
			b.failf("steps out of date order at %d (%s after %s)", i, b.c.Steps[i].Date, b.c.Steps[i-1].Date)
		}
	}
}

// Care-leaver writes. The record opened when care ended (b.clOpened).

func (b *builder) clBefore(d clock.Date, what string) {
	switch {
	case b.clOpened.IsZero():
		b.failf("%s on %s: no care-leaver record", what, d)
	case !b.clClosed.IsZero():
		b.failf("%s on %s: the record closed on %s", what, d, b.clClosed)
	case d.Before(b.clLast) || d.Before(b.clOpened):
		b.failf("%s on %s is before the last care-leaver write (%s)", what, d, b.clLast)
	case d.After(b.p.asAt):
		b.failf("%s on %s is after the as-at date", what, d)
	case !d.Before(b.birthday(25)):
		b.failf("%s on %s is on or after the 25th birthday", what, d)
	}
	b.clLast = d
}

func (b *builder) allocateAdviser(d clock.Date) {
	b.clBefore(d, "allocate_adviser")
	id := fmt.Sprintf("PA-%02d", 1+b.p.intn(advisers))
	if id == b.adviser {
		return
	}
	b.adviser = id
	b.add(Step{Op: OpAllocateAdviser, Date: d, AdviserID: id})
}

func (b *builder) review(d clock.Date) {
	b.clBefore(d, "pathway_review")
	b.add(Step{Op: OpPathwayReview, Date: d})
}

func (b *builder) contact(d clock.Date, c Contact) {
	b.clBefore(d, "contact")
	vs := ssda903.CheckContact(ssda903.Contact{Date: d, InTouch: c.InTouch, Activity: c.Activity, Accommodation: c.Accommodation},
		b.c.DOB, b.care.FinalReasonCeased(), b.p.asAt)
	if len(vs) > 0 {
		b.fail("contact "+d.String(), vs)
	}
	b.add(Step{Op: OpContact, Date: d, Contact: &c})
}

func (b *builder) closeRecord(d clock.Date, reason string) {
	b.clBefore(d, "close_care_leaver")
	b.add(Step{Op: OpCloseCareLeaver, Date: d, ClosingReason: reason})
	b.clClosed = d
}

func (b *builder) takeUp(d clock.Date, e Entitlement) {
	if a := b.age(d); a < e.MinAge || a > e.MaxAge {
		b.failf("take-up of %s on %s at %d", e.ID, d, a)
	}
	b.clBefore(d, "take_up")
	b.add(Step{Op: OpTakeUp, Date: d, EntitlementID: e.ID})
}

func maxDate(a, b clock.Date) clock.Date {
	if a.After(b) {
		return a
	}
	return b
}

func minDate(a, b clock.Date) clock.Date {
	if a.Before(b) {
		return a
	}
	return b
}
