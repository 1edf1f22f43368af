package seed

import (
	"math/rand/v2"
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// The council's figures (seed-scenario.md) the plan reproduces as at A.
const (
	TargetCLA            = 662 // children looked after, V3/V4 excluded
	TargetCLAYearEarlier = 622 // twelve months earlier
	TargetFoster         = 502
	TargetSupported      = 65
	TargetChildrensHomes = 58
	TargetWithParents    = 25
	TargetForAdoption    = 12
	TargetInside         = 369
	TargetCareLeavers    = 290 // open care-leaver records
	TargetInTouch        = 275 // latest contact IN_TOUCH YES
	TargetExcluded       = 3   // latest contact DIED or RHOM: out of the in-touch base
	TargetEET            = 171 // of those in touch
	TargetSuitable       = 264 // of those in touch
)

// Cohort names (Child.Cohort).
const (
	CohortStayer           = "stayer"             // looked after on B and A
	CohortJoiner           = "joiner"             // looked after on A, not B
	CohortLeaver           = "leaver"             // looked after on B, not A
	CohortInAndOut         = "in-and-out"         // came and left between B and A
	CohortCareLeaver       = "care-leaver"        // left care eligible before B, record open on A
	CohortCareLeaverClosed = "care-leaver-closed" // left care eligible before B, record closed by hand
	CohortLeftBefore       = "left-before"        // care ended before B, not a care leaver
	CohortShortBreaks      = "short-breaks"       // V3 short breaks only
)

// Latest-contact categories dealt to the care leavers open on A.
const (
	catEETSuitable    = "eet/suitable"
	catEETUnsuitable  = "eet/unsuitable"
	catNEETSuitable   = "neet/suitable"
	catNEETUnsuitable = "neet/unsuitable"
	catRHOM           = "RHOM"
	catNo             = "NO"
	catRefused        = "REFU"
	catNotRequired    = "NREQ"
)

// spec is one child's part before any date is drawn.
type spec struct {
	cohort  string
	groupA  string // placement group on A: F, SA, CH, PP, AD
	typeA   string // K1 for a secure children's home
	insideA bool
	connA   bool // in foster care with relatives or friends (U1–U3) on A
	groupB  string
	connB   bool
	uasc    bool
	variant string // what happens, per cohort
	contact string // latest-contact category, for a care leaver open on A
}

// Plan draws the seed scenario as at asAt (the last date written; A in
// the package documentation) with the given random seed. It is a pure
// function: the same arguments give the same plan. asAt must be on or after
// 1 April 2024 (K3 exists) and, for loading, not after the services' today.
func Plan(asAt clock.Date, seed int64) *Scenario {
	p := &planner{
		rnd:     rand.New(rand.NewPCG(uint64(seed), 0x5eed_c0de_2018_0621)),
		asAt:    asAt,
		yearAgo: asAt.AddMonths(-12),
	}
	p.plan = &Scenario{AsAt: asAt, Seed: seed, CouncilLA: CouncilLA, Entitlements: slices.Clone(localOffer)}
	p.sexCode = func(male bool) string {
		if codes.YearOfDate(asAt.Y, asAt.M, asAt.D) >= 2024 {
			if male {
				return "M"
			}
			return "F"
		}
		if male {
			return "1"
		}
		return "2"
	}
	specs := p.deal()
	for _, s := range specs {
		p.generate(s)
	}
	return p.plan
}

// deal makes every child's spec, with the counts of the council's figures
// dealt out exactly, and shuffles them.
func (p *planner) deal() []spec {
	var specs []spec
	add := func(n int, s spec) {
		for range n {
			specs = append(specs, s)
		}
	}
	// Stayers: looked after on B and on A.
	st := func(gA, gB, variant string) spec {
		return spec{cohort: CohortStayer, groupA: gA, groupB: gB, variant: variant}
	}
	add(4, st("AD", "F", "A5"))
	add(5, st("AD", "F", "A6"))
	add(12, st("PP", "PP", ""))
	add(8, st("PP", "F", ""))
	sa := st("SA", "SA", "")
	add(12, sa)
	sa.uasc = true
	add(6, sa)
	add(6, st("SA", "F", ""))
	add(3, st("SA", "CH", ""))
	sa = st("SA", "F", "")
	sa.uasc = true
	add(3, sa)
	add(28, st("CH", "CH", ""))
	k1 := st("CH", "CH", "")
	k1.typeA = "K1"
	add(2, k1)
	add(12, st("CH", "F", ""))
	conn := st("F", "F", "same")
	conn.connA, conn.connB = true, true
	add(40, conn)
	conn.variant = "U3toU1"
	add(20, conn)
	conn.variant, conn.connB = "tokin", false
	add(14, conn)
	f := st("F", "F", "")
	f.uasc = true
	add(12, f)
	f.uasc = false
	add(223, f)
	add(12, st("F", "CH", ""))
	add(8, st("F", "PP", ""))

	// Joiners: looked after on A, not on B.
	jn := func(gA, variant string) spec { return spec{cohort: CohortJoiner, groupA: gA, variant: variant} }
	add(3, jn("AD", "A5"))
	add(5, jn("PP", ""))
	j := jn("SA", "")
	j.uasc = true
	add(22, j)
	add(13, jn("SA", ""))
	j = jn("CH", "")
	j.typeA = "K1"
	add(1, j)
	add(15, jn("CH", ""))
	j = jn("F", "")
	j.uasc = true
	add(16, j)
	j = jn("F", "")
	j.connA = true
	add(30, j)
	add(12, jn("F", "reentry"))
	add(115, jn("F", ""))

	// Leavers: looked after on B, not on A.
	lv := func(gB, variant string) spec { return spec{cohort: CohortLeaver, groupB: gB, variant: variant} }
	l := lv("F", "cl18")
	l.connB = true
	add(5, l)
	add(19, lv("F", "cl18"))
	l = lv("F", "cl18")
	l.uasc = true
	add(6, l)
	add(8, lv("SA", "cl18"))
	l = lv("SA", "cl18")
	l.uasc = true
	add(14, l)
	add(8, lv("CH", "cl18"))
	add(15, lv("F", "cl16"))
	add(12, lv("SA", "cl16"))
	add(8, lv("CH", "cl16"))
	add(12, lv("AD", "E11"))
	add(8, lv("F", "E11"))
	l = lv("F", "E45")
	l.connB = true
	add(15, l)
	add(10, lv("F", "E46"))
	l = lv("F", "E41")
	l.connB = true
	add(3, l)
	add(5, lv("F", "E41"))
	add(20, lv("PP", "E4A"))
	add(13, lv("F", "E4A"))
	add(4, lv("F", "E13"))
	add(3, lv("F", "E8"))
	add(4, lv("F", "E3"))

	add(20, spec{cohort: CohortInAndOut, variant: "E4A"})
	add(4, spec{cohort: CohortInAndOut, variant: "E13"})
	add(3, spec{cohort: CohortInAndOut, variant: "E8"})
	add(3, spec{cohort: CohortInAndOut, variant: "E3"})

	add(145, spec{cohort: CohortCareLeaver})
	add(50, spec{cohort: CohortCareLeaver, uasc: true})
	add(30, spec{cohort: CohortCareLeaverClosed, variant: "NO_LONGER_REQUIRES_SERVICES"})
	add(10, spec{cohort: CohortCareLeaverClosed, variant: "MOVED_AWAY"})

	for _, rec := range []struct {
		rec string
		n   int
	}{{"E11", 25}, {"E45", 8}, {"E46", 7}, {"E41", 8}, {"E4A", 25}, {"E13", 3}, {"E3", 4}} {
		add(rec.n, spec{cohort: CohortLeftBefore, variant: rec.rec})
	}
	add(6, spec{cohort: CohortShortBreaks})
	add(2, spec{cohort: CohortShortBreaks, variant: "open"})

	p.dealInside(specs)
	p.dealContacts(specs)
	p.rnd.Shuffle(len(specs), func(i, j int) { specs[i], specs[j] = specs[j], specs[i] })
	return specs
}

// dealInside marks exactly TargetInside of the children looked after on A
// as placed inside the boundary, by group (secure children's homes are all
// outside it).
func (p *planner) dealInside(specs []spec) {
	quota := map[string]int{"F": 303, "SA": 30, "CH": 12, "PP": 22, "AD": 2}
	for _, g := range []string{"F", "SA", "CH", "PP", "AD"} {
		var idx []int
		for i, s := range specs {
			if (s.cohort == CohortStayer || s.cohort == CohortJoiner) && s.groupA == g && s.typeA != "K1" {
				idx = append(idx, i)
			}
		}
		p.rnd.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		for _, i := range idx[:quota[g]] {
			specs[i].insideA = true
		}
	}
}

// dealContacts gives each care leaver open on A the category of their
// latest contact, to the exact counts. Returned home for six months (RHOM)
// needs six months out of care, so it goes to those who left before B.
func (p *planner) dealContacts(specs []spec) {
	var cats []string
	add := func(n int, c string) {
		for range n {
			cats = append(cats, c)
		}
	}
	add(166, catEETSuitable)
	add(TargetEET-166, catEETUnsuitable)
	add(TargetSuitable-166, catNEETSuitable)
	add(TargetInTouch-TargetEET-(TargetSuitable-166), catNEETUnsuitable)
	add(6, catNo)
	add(3, catRefused)
	add(3, catNotRequired)
	p.rnd.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	rhom := TargetExcluded
	next := 0
	for i := range specs {
		s := &specs[i]
		switch {
		case s.cohort == CohortCareLeaver && rhom > 0:
			s.contact = catRHOM
			rhom--
		case s.cohort == CohortCareLeaver || s.cohort == CohortLeaver && (s.variant == "cl18" || s.variant == "cl16"):
			s.contact = cats[next]
			next++
		}
	}
	if next != len(cats) || rhom != 0 {
		panic("seed: care-leaver cohorts do not match the contact categories")
	}
}

func (p *planner) generate(s spec) {
	switch s.cohort {
	case CohortStayer:
		p.stayer(s)
	case CohortJoiner:
		p.joiner(s)
	case CohortLeaver:
		p.leaver(s)
	case CohortInAndOut:
		p.inAndOut(s)
	case CohortCareLeaver, CohortCareLeaverClosed:
		p.historicalCareLeaver(s)
	case CohortLeftBefore:
		p.leftBefore(s)
	case CohortShortBreaks:
		p.shortBreaks(s)
	default:
		panic("seed: unknown cohort " + s.cohort)
	}
}

// Helpers shared by the cohorts.

// ls0 is the legal status a child comes into care under at age.
func (b *builder) ls0(age int) string {
	p := b.p
	switch {
	case b.uasc:
		return "V2"
	case age < 1:
		return p.pickWeighted([]weighted{{"C1", 55}, {"V2", 30}, {"L2", 15}})
	case age < 12:
		return p.pickWeighted([]weighted{{"C1", 50}, {"V2", 44}, {"L2", 6}})
	case age < 16:
		return p.pickWeighted([]weighted{{"V2", 60}, {"C1", 40}})
	}
	return p.pickWeighted([]weighted{{"V2", 85}, {"C1", 15}})
}

// cin is the category of need of a child coming into care at age.
func (b *builder) cin(age int) string {
	if b.uasc {
		return "N8"
	}
	if age < 12 {
		return b.p.pickWeighted([]weighted{{"N1", 62}, {"N5", 12}, {"N4", 10}, {"N3", 6}, {"N8", 6}, {"N7", 4}})
	}
	return b.p.pickWeighted([]weighted{{"N1", 48}, {"N5", 16}, {"N4", 14}, {"N6", 12}, {"N8", 6}, {"N3", 4}})
}

// team is the team a child is allocated to on d.
func (b *builder) team(d clock.Date) string {
	switch {
	case b.uasc:
		return uascTeam
	case b.age(d) >= 16:
		return sixteenPlus
	}
	return pick(b.p, careTeams)
}

// early is a placement for the start of a period, or a move before the
// placements the cohort decides, plausible for the child's age on d.
func (b *builder) early(d clock.Date) kind {
	p := b.p
	inside := p.chance(62)
	a := b.age(d)
	switch {
	case b.uasc && a >= 16 && p.chance(50):
		return kind{group: "SA", inside: inside}
	case b.uasc:
		return foster("U6", inside)
	case a < 12:
		return foster(p.pickWeighted([]weighted{{"U6", 80}, {"U4", 10}, {"U3", 10}}), inside)
	case a < 16:
		if p.chance(20) {
			return kind{group: "CH", typ: "K2", inside: inside}
		}
		return foster(p.pickWeighted([]weighted{{"U6", 70}, {"U4", 25}, {"U3", 5}}), inside)
	}
	switch n := p.intn(100); {
	case n < 20:
		return kind{group: "CH", typ: "K2", inside: inside}
	case n < 40:
		return kind{group: "SA", inside: inside}
	}
	return foster(p.pickWeighted([]weighted{{"U6", 65}, {"U4", 35}}), inside)
}

// fosterType is a foster placement type for a child not with relatives.
func (p *planner) fosterType(longTerm int) string {
	if p.chance(longTerm) {
		return "U4"
	}
	return "U6"
}

// anchor is a placement a cohort needs in force: it starts in [lo, hi].
type anchor struct {
	k      kind
	lo, hi clock.Date
}

// path plans a period from start whose placements are the anchors, in
// order; a first anchor whose window begins on or before start is the
// first placement, otherwise the child starts in an early placement (and
// may move once more) before the first anchor.
func (b *builder) path(start clock.Date, anchors []anchor) *period {
	p := b.p
	age := b.age(start)
	pe := b.period(start, b.ls0(age), b.cin(age), kind{})
	prev := start
	for i, a := range anchors {
		if i == 0 && !a.lo.After(start) {
			pe.first = a.k
			continue
		}
		if i == 0 {
			pe.first = b.early(start)
			if a.k.same {
				b.failf("the first anchor cannot keep the carer")
			}
		}
		d := pe.slot(maxDate(a.lo, prev.AddDays(minGap)), a.hi, "anchor "+a.k.group+a.k.typ)
		reason := p.reason()
		if a.k.same {
			reason = "PLACE"
		}
		pe.move(d, a.k, reason)
		prev = d
		if i == 0 && d.After(start.AddDays(120)) && p.chance(35) {
			if m, ok := pe.try(start.AddDays(30), d.AddDays(-30)); ok {
				pe.move(m, b.early(m), p.reason())
			}
		}
	}
	return pe
}

// needs returns the first dates a care order (placement with parents) and
// a placement order (placement for adoption) must be in force by.
func needs(pe *period) (care, e1 clock.Date) {
	check := func(k kind, d clock.Date) {
		if k.group == "PP" && care.IsZero() {
			care = d
		}
		if k.group == "AD" && (k.typ == "A5" || k.typ == "A6") && e1.IsZero() {
			e1 = d
		}
	}
	check(pe.first, pe.start)
	evs := slices.Clone(pe.events)
	slices.SortStableFunc(evs, func(x, y event) int { return x.d.Compare(y.d) })
	for _, e := range evs {
		if e.kind == evMove {
			check(e.pk, e.d)
		}
	}
	return care, e1
}

// finishPeriod plans the legal statuses (up to until) and, now and then, a
// temporary placement in [tlo, thi], then writes the period.
func (b *builder) finishPeriod(pe *period, until, tlo, thi clock.Date) {
	care, e1 := needs(pe)
	if !care.IsZero() && (pe.ls0 == "V2" || pe.ls0 == "L2") && !care.After(pe.start) {
		b.failf("placed with parents from the start under %s", pe.ls0)
	}
	pe.progress(until, care, e1, b.uasc)
	if !tlo.IsZero() && b.p.chance(14) {
		// A stay in hospital (T1) or a few days elsewhere (T4); the child
		// returns to the placement it interrupted.
		typ, days := "T4", b.p.between(2, 6)
		if b.p.chance(50) {
			typ, days = "T1", b.p.between(3, 16)
		}
		pe.temp(tlo, thi.AddDays(-days), typ, days)
	}
	pe.run()
}

// arrive registers a UASC child's status from the day they came into care.
func (b *builder) arrive(start clock.Date) {
	if b.uasc {
		b.setUASC(start, clock.Date{})
	}
}

// allocations plans the worker allocations of a child looked after on A:
// from the start of their current period, and to the 16-plus team on the
// 16th birthday.
func (b *builder) allocations(pe *period) {
	pe.allocate(pe.start, b.team(pe.start))
	if at16 := b.birthday(16); !b.uasc && at16.After(pe.start.AddDays(30)) && !at16.After(b.p.asAt) {
		pe.allocate(at16, sixteenPlus)
	}
}

func recentStart(p *planner, lo, hi clock.Date) clock.Date {
	a, c := p.dateIn(lo, hi), p.dateIn(lo, hi)
	return maxDate(a, c)
}
