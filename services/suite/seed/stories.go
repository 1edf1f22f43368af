package seed

import (
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// Each cohort's story. A is the as-at date, B twelve months before it; the
// windows below are what keeps each child where their spec says on A and
// on B, whatever dates the random source draws inside them.

// ageWeights draws an age in years by weight.
func (p *planner) ageWeights(ws map[int]int) int {
	ages := make([]int, 0, len(ws))
	for a := range ws {
		ages = append(ages, a)
	}
	slices.Sort(ages)
	total := 0
	for _, a := range ages {
		total += ws[a]
	}
	n := p.intn(total)
	for _, a := range ages {
		if n < ws[a] {
			return a
		}
		n -= ws[a]
	}
	return ages[len(ages)-1]
}

func (p *planner) dobBetween(lo, hi clock.Date) clock.Date { return noLeapDay(p.dateIn(lo, hi)) }

// stayer: looked after on B and on A.
func (p *planner) stayer(s spec) {
	A, B := p.asAt, p.yearAgo
	male := p.chance(54)
	var dob clock.Date
	switch s.groupA {
	case "AD":
		dob = p.dobBetween(A.AddYears(-3), B.AddDays(-60))
	case "PP":
		dob = p.dobAged(A, 2, 15)
	case "SA":
		if s.groupB == "SA" {
			dob = p.dobBetween(A.AddYears(-18).AddDays(1), B.AddYears(-16).AddDays(-45))
		} else {
			dob = p.dobBetween(A.AddYears(-18).AddDays(1), A.AddYears(-16).AddDays(-60))
		}
	case "CH":
		if s.typeA == "K1" {
			dob = p.dobAged(A, 13, 17)
		} else {
			dob = p.dobAged(A, 11, 17)
		}
	case "F":
		switch {
		case s.uasc:
			dob = p.dobAged(A, 16, 17)
		case s.connA:
			a := p.ageWeights(map[int]int{1: 8, 2: 8, 3: 8, 4: 8, 6: 10, 8: 10, 10: 9, 12: 10, 14: 10, 15: 6})
			dob = p.dobAged(A, a, a+1)
		default:
			a := p.ageWeights(map[int]int{1: 5, 2: 5, 3: 5, 5: 12, 7: 12, 10: 14, 12: 14, 14: 14, 16: 19})
			dob = p.dobAged(A, a, min(a+1, 17))
		}
	}
	if s.uasc {
		male = p.chance(92)
	}
	// In care on B, so born well before it.
	if latest := B.AddDays(-60); s.groupB == "PP" && dob.After(latest.AddDays(-60)) {
		dob = p.dobBetween(latest.AddDays(-400), latest.AddDays(-60))
	} else if dob.After(latest) {
		dob = p.dobBetween(latest.AddDays(-340), latest)
	}
	b := p.newChild(CohortStayer, dob, male, s.uasc)
	lo, hi := maxDate(dob, A.AddYears(-8)), B.AddDays(-30)
	switch {
	case s.uasc:
		lo = maxDate(dob.Birthday(14).AddDays(60), A.AddYears(-3))
	case s.groupA == "AD":
		lo, hi = dob, minDate(dob.AddDays(40), B.AddDays(-45))
	case s.groupB == "PP":
		hi = B.AddDays(-100)
	}
	start := recentStart(p, lo, hi)
	b.arrive(start)

	// The placement in force on B, and the one on A when it differs.
	kB, kA, same := p.stayerKinds(b, s)
	bLo := start
	switch {
	case kB.group == "SA":
		bLo = maxDate(start, b.birthday(16))
	case kB.group == "PP":
		bLo = start.AddDays(60)
	case kB.group == "CH" && p.chance(50):
		bLo = start.AddDays(minGap)
	case kB.group == "F" && !s.uasc && s.groupA != "AD" && p.chance(45):
		bLo = start.AddDays(minGap)
	}
	anchors := []anchor{{k: kB, lo: bLo, hi: B.AddDays(-14)}}
	if !same {
		aLo := B.AddDays(14)
		switch kA.group {
		case "SA":
			aLo = maxDate(aLo, b.birthday(16))
		case "AD":
			aLo = B.AddDays(60)
		}
		anchors = append(anchors, anchor{k: kA, lo: aLo, hi: A.AddDays(-14)})
	}
	pe := b.path(start, anchors)
	b.allocations(pe)
	b.finishPeriod(pe, A, start.AddDays(30), B.AddDays(-30))
	b.finish()
}

// stayerKinds returns the stayer's placement on B, the one on A, and
// whether they are the same placement (no move between B and A).
func (p *planner) stayerKinds(b *builder, s spec) (kB, kA kind, same bool) {
	in := s.insideA
	rnd := func() bool { return p.chance(62) }
	switch s.groupA {
	case "AD":
		if s.variant == "A5" {
			return foster("U5", in), kind{group: "AD", typ: "A5", inside: in, same: true}, false
		}
		return foster(p.pickWeighted([]weighted{{"U6", 80}, {"U4", 20}}), rnd()), kind{group: "AD", typ: "A6", inside: in}, false
	case "PP":
		if s.groupB == "PP" {
			return kind{group: "PP", inside: in}, kind{}, true
		}
		return foster("U6", rnd()), kind{group: "PP", inside: in}, false
	case "SA":
		switch s.groupB {
		case "SA":
			return kind{group: "SA", inside: in}, kind{}, true
		case "CH":
			return kind{group: "CH", typ: "K2", inside: rnd()}, kind{group: "SA", inside: in}, false
		}
		return foster(p.fosterType(30), rnd()), kind{group: "SA", inside: in}, false
	case "CH":
		if s.typeA == "K1" {
			return kind{group: "CH", typ: "K2", inside: rnd()}, kind{group: "CH", typ: "K1"}, false
		}
		if s.groupB == "CH" {
			return kind{group: "CH", typ: "K2", inside: in}, kind{}, true
		}
		return foster(p.fosterType(30), rnd()), kind{group: "CH", typ: "K2", inside: in}, false
	}
	// Foster care on A.
	switch {
	case s.connA && s.variant == "same":
		return foster(p.pickWeighted([]weighted{{"U3", 60}, {"U1", 35}, {"U2", 5}}), in), kind{}, true
	case s.connA && s.variant == "U3toU1":
		return foster("U3", in), kind{group: "F", typ: "U1", inside: in, same: true}, false
	case s.connA:
		return foster(p.fosterType(20), rnd()), foster("U3", in), false
	case s.groupB == "CH":
		return kind{group: "CH", typ: "K2", inside: rnd()}, foster(p.fosterType(40), in), false
	case s.groupB == "PP":
		return kind{group: "PP", inside: p.chance(85)}, foster("U6", in), false
	case s.uasc:
		return foster("U6", in), kind{}, true
	}
	switch n := p.intn(100); {
	case n < 65:
		return foster(p.fosterType(55), in), kind{}, true
	case n < 82:
		return foster("U6", in), kind{group: "F", typ: "U4", inside: in, same: true}, false
	}
	return foster(p.fosterType(30), rnd()), foster(p.fosterType(45), in), false
}

// joiner: came into care after B and is looked after on A.
func (p *planner) joiner(s spec) {
	A, B := p.asAt, p.yearAgo
	male := p.chance(54)
	if s.uasc {
		male = p.chance(92)
	}
	var dob clock.Date
	switch s.groupA {
	case "AD":
		dob = p.dobBetween(B.AddDays(1), A.AddDays(-220))
	case "PP":
		dob = p.dobAged(A, 1, 13)
	case "SA":
		dob = p.dobBetween(A.AddYears(-18).AddDays(1), A.AddYears(-16).AddDays(-75))
	case "CH":
		dob = p.dobAged(A, 12, 17)
	case "F":
		switch {
		case s.uasc:
			dob = p.dobBetween(A.AddYears(-18).AddDays(1), A.AddYears(-14).AddDays(-75))
		case s.variant == "reentry":
			dob = p.dobAged(A, 6, 14)
		case s.connA:
			a := p.ageWeights(map[int]int{0: 10, 1: 8, 3: 10, 5: 10, 8: 10, 11: 8, 13: 6})
			dob = p.dobAged(A, a, a+1)
		default:
			a := p.ageWeights(map[int]int{0: 16, 1: 6, 3: 8, 5: 10, 8: 12, 11: 14, 13: 16, 15: 12, 16: 6})
			dob = p.dobAged(A, a, a+1)
		}
	}
	if dob.After(A.AddDays(-45)) {
		dob = A.AddDays(-45)
	}
	b := p.newChild(CohortJoiner, dob, male, s.uasc)
	if s.variant == "reentry" {
		p.earlierPeriod(b)
	}
	lo, hi := maxDate(B.AddDays(1), dob), A.AddDays(-30)
	switch {
	case s.groupA == "AD":
		lo, hi = dob, dob.AddDays(10)
	case s.groupA == "PP":
		hi = A.AddDays(-100)
	case s.typeA == "K1":
		hi = A.AddDays(-60)
	case s.groupA == "SA" && s.uasc:
		lo = maxDate(lo, dob.Birthday(15).AddDays(180))
		hi = A.AddDays(-45)
	case s.groupA == "SA":
		lo, hi = maxDate(lo, dob.Birthday(16)), A.AddDays(-45)
	case s.uasc:
		lo = maxDate(lo, dob.Birthday(14))
	case s.variant == "reentry":
		lo = maxDate(lo, b.last.AddDays(60))
	}
	start := p.dateIn(lo, hi)
	b.arrive(start)
	in := s.insideA
	var anchors []anchor
	direct := p.chance(60)
	switch s.groupA {
	case "AD":
		anchors = []anchor{{k: foster("U5", in), lo: start, hi: start},
			{k: kind{group: "AD", typ: "A5", inside: in, same: true}, lo: start.AddDays(120), hi: A.AddDays(-30)}}
	case "PP":
		anchors = []anchor{{k: foster(p.pickWeighted([]weighted{{"U6", 70}, {"U3", 30}}), p.chance(70)), lo: start, hi: start},
			{k: kind{group: "PP", inside: in}, lo: start.AddDays(45), hi: A.AddDays(-30)}}
	case "SA":
		sLo := maxDate(start, b.birthday(16))
		if !direct || s.uasc && p.chance(30) {
			sLo = maxDate(sLo, start.AddDays(14))
		}
		anchors = []anchor{{k: kind{group: "SA", inside: in}, lo: sLo, hi: A.AddDays(-14)}}
	case "CH":
		if s.typeA == "K1" {
			anchors = []anchor{{k: kind{group: "CH", typ: "K2", inside: p.chance(40)}, lo: start, hi: start},
				{k: kind{group: "CH", typ: "K1"}, lo: start.AddDays(30), hi: A.AddDays(-14)}}
			break
		}
		cLo := start
		if !direct {
			cLo = start.AddDays(14)
		}
		anchors = []anchor{{k: kind{group: "CH", typ: "K2", inside: in}, lo: cLo, hi: A.AddDays(-14)}}
	default:
		typ := p.fosterType(15)
		switch {
		case s.uasc:
			typ = "U6"
		case s.connA:
			typ = p.pickWeighted([]weighted{{"U3", 85}, {"U2", 8}, {"U1", 7}})
		case b.age(start) < 1 && p.chance(20):
			typ = "U5"
		}
		fLo := start
		if !direct && !s.uasc {
			fLo = start.AddDays(14)
		}
		anchors = []anchor{{k: foster(typ, in), lo: fLo, hi: A.AddDays(-14)}}
	}
	pe := b.path(start, anchors)
	b.allocations(pe)
	b.finishPeriod(pe, A, clock.Date{}, clock.Date{})
	b.finish()
}

// earlierPeriod gives a joiner who comes back into care a first period that
// ended before B, when they were too young to be a care leaver.
func (p *planner) earlierPeriod(b *builder) {
	B := p.yearAgo
	lo := maxDate(b.c.DOB.AddDays(30), p.asAt.AddYears(-6))
	hi := minDate(B.AddDays(-200), b.birthday(15).AddDays(-200))
	start := p.dateIn(lo, hi)
	end := minDate(start.AddDays(p.between(60, 420)), B.AddDays(-90))
	pe := b.path(start, []anchor{{k: b.early(start), lo: start, hi: start}})
	pe.ending(end, pick(p, []string{"E4A", "E4A", "E4A", "E13", "E41"}), false)
	b.finishPeriod(pe, end.AddDays(-minGap), clock.Date{}, clock.Date{})
}

// leaver: looked after on B, left care before A.
func (p *planner) leaver(s spec) {
	A, B := p.asAt, p.yearAgo
	male := p.chance(54)
	if s.uasc {
		male = p.chance(92)
	}
	switch s.variant {
	case "cl18", "cl16":
		p.leaverCareLeaver(s, male)
		return
	case "E11":
		p.adopted(s, male, B.AddDays(14), A.AddDays(-14), s.groupB == "AD")
		return
	}
	dec := p.dateIn(B.AddDays(14), A.AddDays(-14))
	dob := p.dobBetween(dec.AddYears(-15).AddDays(-180), dec.AddYears(-2))
	b := p.newChild(CohortLeaver, dob, male, false)
	start := recentStart(p, maxDate(dob, A.AddYears(-8)), B.AddDays(-100))
	kB := p.endingKind(s.variant, s.groupB, s.connB)
	bLo := start
	if kB.group == "PP" {
		bLo = start.AddDays(60)
	} else if p.chance(50) {
		bLo = start.AddDays(minGap)
	}
	pe := b.path(start, []anchor{{k: kB, lo: bLo, hi: B.AddDays(-14)}})
	pe.ending(dec, s.variant, false)
	b.finishPeriod(pe, dec.AddDays(-minGap), start.AddDays(30), B.AddDays(-30))
	b.finish()
}

// endingKind is the placement a child who leaves care for rec is in.
func (p *planner) endingKind(rec, group string, conn bool) kind {
	in := p.chance(65)
	switch {
	case group == "PP":
		return kind{group: "PP", inside: p.chance(88)}
	case rec == "E45" || conn:
		return foster(p.pickWeighted([]weighted{{"U3", 60}, {"U1", 40}}), in)
	case rec == "E46":
		return foster(p.pickWeighted([]weighted{{"U4", 70}, {"U6", 30}}), in)
	}
	return foster(p.fosterType(30), in)
}

// adopted: placed for adoption and adopted (E11) between lo and hi. When
// placedByB the child is already placed for adoption on B; otherwise in
// foster care on B (when B falls in the period at all).
func (p *planner) adopted(s spec, male bool, lo, hi clock.Date, placedByB bool) {
	B := p.yearAgo
	var dec, tA clock.Date
	switch {
	case s.cohort == CohortLeaver && placedByB:
		dec = p.dateIn(lo, minDate(hi, B.AddDays(250)))
		tA = p.dateIn(dec.AddDays(-330), minDate(B.AddDays(-14), dec.AddDays(-70)))
	case s.cohort == CohortLeaver:
		tA = p.dateIn(B.AddDays(14), hi.AddDays(-86))
		dec = p.dateIn(tA.AddDays(70), hi)
	default:
		dec = p.dateIn(lo, hi)
		tA = p.dateIn(dec.AddDays(-330), dec.AddDays(-70))
	}
	dobHi := tA.AddDays(-183)
	if s.cohort == CohortLeaver && !placedByB {
		dobHi = minDate(dobHi, B.AddDays(-60))
	}
	dob := p.dobBetween(tA.AddYears(-4), dobHi)
	b := p.newChild(s.cohort, dob, male, false)
	startHi := tA.AddDays(-150)
	if s.cohort == CohortLeaver && !placedByB {
		startHi = minDate(startHi, B.AddDays(-30))
	}
	start := recentStart(p, maxDate(dob, tA.AddYears(-3)), startHi)
	in := p.chance(55)
	first, placed := foster("U5", in), kind{group: "AD", typ: "A5", inside: in, same: true}
	if p.chance(55) {
		first, placed = foster("U6", in), kind{group: "AD", typ: "A6", inside: p.chance(30)}
	}
	pe := b.path(start, []anchor{{k: first, lo: start, hi: start}, {k: placed, lo: tA, hi: tA}})
	pe.ending(dec, p.pickWeighted([]weighted{{"E11", 85}, {"E12", 15}}), false)
	b.finishPeriod(pe, dec.AddDays(-minGap), clock.Date{}, clock.Date{})
	b.finish()
}

// leaverCareLeaver: looked after on B, left care after it aged 16 or over,
// eligible: a care leaver whose record is open on A.
func (p *planner) leaverCareLeaver(s spec, male bool) {
	A, B := p.asAt, p.yearAgo
	var dec, dob clock.Date
	if s.variant == "cl18" {
		dec = noLeapDay(p.dateIn(B.AddDays(21), A.AddDays(-14)))
		dob = dec.AddYears(-18)
	} else {
		dec = p.dateIn(B.AddDays(14), A.AddDays(-14))
		hi := dec.AddYears(-16).AddDays(-100)
		if s.groupB == "SA" {
			hi = minDate(hi, B.AddYears(-16).AddDays(-30))
		}
		dob = p.dobBetween(dec.AddYears(-18).AddDays(14), hi)
	}
	b := p.newChild(CohortLeaver, dob, male, s.uasc)
	lo, hi := maxDate(A.AddYears(-9), dob.Birthday(8)), minDate(B.AddDays(-30), dec.AddDays(-200))
	if s.uasc {
		lo = maxDate(dob.Birthday(15), A.AddYears(-4))
	}
	start := recentStart(p, lo, hi)
	b.arrive(start)
	in := p.chance(60)
	var kB kind
	bLo := start
	switch s.groupB {
	case "SA":
		kB = kind{group: "SA", inside: in}
		bLo = maxDate(start, b.birthday(16))
		if bLo == start && !s.uasc {
			bLo = start.AddDays(minGap)
		}
	case "CH":
		kB = kind{group: "CH", typ: "K2", inside: in}
	default:
		kB = foster(p.fosterType(55), in)
		if s.connB {
			kB = foster(p.pickWeighted([]weighted{{"U3", 50}, {"U1", 50}}), in)
		}
		if s.uasc {
			kB = foster("U6", in)
		}
	}
	if bLo == start && !s.uasc && p.chance(55) {
		bLo = start.AddDays(minGap)
	}
	pe := b.path(start, []anchor{{k: kB, lo: bLo, hi: B.AddDays(-14)}})
	rec := p.careLeaverREC(b, kB.group, s.variant == "cl18")
	if s.uasc && b.birthday(18) == dec {
		pe.uascCeasedAtEnd()
	}
	pe.ending(dec, rec, true)
	b.finishPeriod(pe, dec.AddDays(-minGap), start.AddDays(30), B.AddDays(-30))
	b.careLeaverLife(s.contact, "")
	b.finish()
}

// careLeaverREC is why an eligible young person's care ended, from the
// placement they left (group) and whether it was on their 18th birthday.
func (p *planner) careLeaverREC(b *builder, group string, at18 bool) string {
	switch {
	case b.uasc && !at18:
		// No parents to go home to: supported or independent living.
		return p.pickWeighted([]weighted{{"E5", 55}, {"E6", 25}, {"E8", 10}, {"E13", 10}})
	case at18 && group == "F":
		return p.pickWeighted([]weighted{{"E17", 60}, {"E5", 14}, {"E6", 8}, {"E13", 10}, {"E8", 8}})
	case at18 && group == "SA":
		return p.pickWeighted([]weighted{{"E5", 60}, {"E6", 28}, {"E8", 12}})
	case at18:
		return p.pickWeighted([]weighted{{"E5", 50}, {"E6", 20}, {"E8", 15}, {"E13", 15}})
	case group == "SA":
		return p.pickWeighted([]weighted{{"E5", 50}, {"E6", 20}, {"E4A", 15}, {"E13", 15}})
	case group == "CH":
		return p.pickWeighted([]weighted{{"E4A", 30}, {"E5", 30}, {"E13", 20}, {"E8", 20}})
	}
	return p.pickWeighted([]weighted{{"E4A", 40}, {"E13", 25}, {"E5", 15}, {"E8", 20}})
}

// inAndOut: came into care after B and went home (or elsewhere) before A,
// under 16.
func (p *planner) inAndOut(s spec) {
	A, B := p.asAt, p.yearAgo
	start := p.dateIn(B.AddDays(1), A.AddDays(-60))
	dob := p.dobAged(start, 0, 14)
	b := p.newChild(CohortInAndOut, dob, p.chance(52), false)
	dec := minDate(start.AddDays(p.between(21, 150)), A.AddDays(-14))
	first := foster("U6", p.chance(70))
	if s.variant == "E13" {
		first = foster("U3", p.chance(70))
	}
	anchors := []anchor{{k: first, lo: start, hi: start}}
	if start.DaysUntil(dec) > 75 && p.chance(35) {
		anchors = append(anchors, anchor{k: foster(p.fosterType(10), p.chance(60)), lo: start.AddDays(21), hi: dec.AddDays(-21)})
	}
	pe := b.path(start, anchors)
	pe.ending(dec, s.variant, false)
	b.finishPeriod(pe, dec.AddDays(-minGap), clock.Date{}, clock.Date{})
	b.finish()
}

// leftBefore: care ended before B, under 16, for a reason other than
// leaving care as a young adult.
func (p *planner) leftBefore(s spec) {
	A, B := p.asAt, p.yearAgo
	male := p.chance(52)
	if s.variant == "E11" {
		p.adopted(s, male, A.AddYears(-6), B.AddDays(-14), false)
		return
	}
	dec := p.dateIn(A.AddYears(-6), B.AddDays(-14))
	dob := p.dobBetween(dec.AddYears(-15).AddDays(-180), dec.AddYears(-2))
	b := p.newChild(CohortLeftBefore, dob, male, false)
	start := recentStart(p, maxDate(dob, dec.AddYears(-4)), dec.AddDays(-120))
	group := ""
	if s.variant == "E4A" && p.chance(55) {
		group = "PP"
	}
	k := p.endingKind(s.variant, group, s.variant == "E41" && p.chance(40))
	lo := start
	if k.group == "PP" {
		lo = start.AddDays(45)
	} else if p.chance(50) {
		lo = start.AddDays(minGap)
	}
	pe := b.path(start, []anchor{{k: k, lo: lo, hi: dec.AddDays(-30)}})
	pe.ending(dec, s.variant, false)
	b.finishPeriod(pe, dec.AddDays(-minGap), start.AddDays(30), dec.AddDays(-30))
	b.finish()
}

// historicalCareLeaver: left care eligible before B; the record is open on
// A (CohortCareLeaver), or was closed by hand before it.
func (p *planner) historicalCareLeaver(s spec) {
	A, B := p.asAt, p.yearAgo
	male := p.chance(55)
	if s.uasc {
		male = p.chance(92)
	}
	age := p.ageWeights(map[int]int{17: 16, 18: 22, 19: 34, 20: 34, 21: 32, 22: 30, 23: 27})
	if s.cohort == CohortCareLeaverClosed {
		age = p.between(19, 23)
	}
	var dob clock.Date
	if age == 17 {
		dob = p.dobBetween(A.AddYears(-18).AddDays(1), A.AddYears(-17).AddDays(-130))
	} else {
		dob = p.dobAged(A, age, age)
	}
	b := p.newChild(s.cohort, dob, male, s.uasc)
	at16, at18 := b.birthday(16), b.birthday(18)
	var dec clock.Date
	leave18 := !at18.After(B.AddDays(-14)) && p.chance(72)
	if leave18 {
		dec = at18
	} else {
		dec = p.dateIn(at16.AddDays(100), minDate(at18.AddDays(-14), B.AddDays(-14)))
	}
	lo := maxDate(dob.Birthday(8), dec.AddYears(-6))
	if s.uasc {
		lo = maxDate(dob.Birthday(15), dec.AddYears(-3))
	}
	start := recentStart(p, lo, dec.AddDays(-200))
	b.arrive(start)
	in := p.chance(55)
	rec := p.careLeaverREC(b, "F", leave18)
	if s.uasc && leave18 {
		rec = p.pickWeighted([]weighted{{"E5", 45}, {"E6", 25}, {"E8", 15}, {"E17", 15}})
	}
	var k kind
	kLo := start
	switch {
	case rec == "E17":
		k = foster(p.pickWeighted([]weighted{{"U4", 55}, {"U6", 25}, {"U1", 10}, {"U3", 10}}), in)
	case (rec == "E5" || rec == "E6") && p.chance(70):
		k = kind{group: "SA", inside: in}
		kLo = maxDate(start, at16)
	case p.chance(20):
		k = kind{group: "CH", typ: "K2", inside: in}
	default:
		k = foster(p.fosterType(40), in)
		if s.uasc {
			k = foster("U6", in)
		}
	}
	if kLo == start && !s.uasc && p.chance(60) {
		kLo = start.AddDays(minGap)
	}
	pe := b.path(start, []anchor{{k: k, lo: kLo, hi: dec.AddDays(-30)}})
	if s.uasc && at18 == dec {
		pe.uascCeasedAtEnd()
	}
	pe.ending(dec, rec, true)
	b.finishPeriod(pe, dec.AddDays(-minGap), start.AddDays(30), dec.AddDays(-30))
	closing := ""
	if s.cohort == CohortCareLeaverClosed {
		closing = s.variant
	}
	b.careLeaverLife(s.contact, closing)
	b.finish()
}

// shortBreaks: a disabled child who stays at the short-breaks unit for a
// few nights every couple of months (legal status V3); never counted as
// looked after, never a care leaver. With variant "open" a break is under
// way on A.
func (p *planner) shortBreaks(s spec) {
	A := p.asAt
	dob := p.dobAged(A, 6, 15)
	b := p.newChild(CohortShortBreaks, dob, p.chance(60), false)
	d := A.AddDays(-420 + p.intn(40))
	var prevEnd clock.Date
	for {
		days := p.between(2, 4)
		if d.AddDays(days).After(A.AddDays(-1)) {
			break
		}
		b.shortBreak(d, days)
		prevEnd = d.AddDays(days)
		d = prevEnd.AddDays(p.between(50, 80))
	}
	// A break under way on A: looked after, and not counted.
	if s.variant == "open" {
		if d := A.AddDays(-p.between(0, 2)); d.After(prevEnd.AddDays(10)) {
			b.shortBreak(d, 0)
		}
	}
	b.finish()
}

// shortBreak writes one short break from d for days nights (0: still
// under way on the as-at date).
func (b *builder) shortBreak(d clock.Date, days int) {
	first := b.startedAt.IsZero()
	b.startPeriod(d, "V3", "N2")
	b.startPlacement(d, b.make(d, kind{group: "SB"}))
	if first {
		b.allocate(d, cwdTeam)
	}
	if days > 0 {
		b.end(d.AddDays(days), "E4A", false)
	}
}

// careLeaverLife writes a care leaver's record after care ends: a personal
// adviser, pathway plan reviews, keeping-in-touch contacts (about one a
// year around the birthday, as the OC3 return asks, and a recent one whose
// codes are the category dealt), now and then a take-up of the Local Offer,
// and for a closed record its closing.
func (b *builder) careLeaverLife(category, closing string) {
	p := b.p
	A := p.asAt
	dec := b.clOpened
	type clEvent struct {
		d     clock.Date
		order int
		do    func(clock.Date)
	}
	var evs []clEvent
	add := func(d clock.Date, order int, do func(clock.Date)) { evs = append(evs, clEvent{d, order, do}) }
	add(dec, 0, b.allocateAdviser)
	limit := A
	if closing != "" {
		limit = p.dateIn(dec.AddDays(300), A.AddDays(-30))
	}
	if b.uasc {
		if at18 := b.birthday(18); at18.After(dec) && !at18.After(A) {
			add(at18, 1, func(d clock.Date) { b.setUASC(d, d) })
		}
	}
	// Contact dates.
	first := minDate(dec.AddDays(p.between(3, 30)), limit)
	dates := []clock.Date{first}
	for age := 16; age <= 24; age++ {
		bd := b.birthday(age)
		last := dates[len(dates)-1]
		cd := bd.AddDays(-p.between(0, 45))
		if cd.After(limit) {
			break
		}
		if cd.After(last.AddDays(60)) {
			dates = append(dates, cd)
		}
	}
	if last := dates[len(dates)-1]; last.DaysUntil(limit) > 90 {
		if cd := limit.AddDays(-p.between(5, 60)); cd.After(last.AddDays(30)) {
			dates = append(dates, cd)
		}
	}
	lastDate := dates[len(dates)-1]
	for i, d := range dates {
		cat := p.randomCategory()
		if i == len(dates)-1 {
			switch closing {
			case "NO_LONGER_REQUIRES_SERVICES":
				cat = catNotRequired
			case "MOVED_AWAY":
				cat = catEETSuitable
			case "":
				cat = category
			}
		}
		c := b.contactCodes(d, cat)
		add(d, 3, func(d clock.Date) { b.contact(d, c) })
	}
	// The pathway plan was last reviewed at the latest contact (so it is
	// not overdue on A), or soon after leaving for a closed record.
	if closing == "" {
		add(lastDate, 4, b.review)
	} else if rv := dec.AddDays(p.between(10, 40)); !rv.After(lastDate) {
		add(rv, 2, b.review)
	}
	// Local Offer.
	if closing == "" && p.chance(35) {
		td := p.dateIn(minDate(dec.AddDays(14), A), A)
		var fits []Entitlement
		for _, e := range p.plan.Entitlements {
			if a := b.age(td); a >= e.MinAge && a <= e.MaxAge {
				fits = append(fits, e)
			}
		}
		if len(fits) > 0 {
			e := pick(p, fits)
			add(td, 5, func(d clock.Date) { b.takeUp(d, e) })
		}
	}
	if closing != "" {
		cd := p.dateIn(lastDate, minDate(lastDate.AddDays(30), A.AddDays(-1)))
		add(cd, 6, func(d clock.Date) { b.closeRecord(d, closing) })
	}
	slices.SortStableFunc(evs, func(x, y clEvent) int {
		if c := x.d.Compare(y.d); c != 0 {
			return c
		}
		return x.order - y.order
	})
	for _, e := range evs {
		e.do(e.d)
	}
}

// randomCategory is the category of a contact before the latest.
func (p *planner) randomCategory() string {
	return p.pickWeighted([]weighted{
		{catEETSuitable, 46}, {catEETUnsuitable, 3}, {catNEETSuitable, 30}, {catNEETUnsuitable, 5},
		{catNo, 10}, {catRefused, 4}, {catNotRequired, 2},
	})
}

// contactCodes are the 903 OC3 codes of a contact on d in category cat,
// plausible for the young person's age then and valid in that year.
func (b *builder) contactCodes(d clock.Date, cat string) Contact {
	age := b.age(d)
	switch cat {
	case catRHOM:
		return Contact{InTouch: "RHOM", Activity: "0", Accommodation: "0"}
	case catNo, catRefused:
		return Contact{InTouch: cat, Activity: "0", Accommodation: "0"}
	case catNotRequired:
		if b.p.chance(30) {
			return Contact{InTouch: "NREQ", Activity: "0", Accommodation: "0"}
		}
		return Contact{InTouch: "NREQ", Activity: b.activity(d, age, b.p.chance(60)), Accommodation: b.accommodation(age, true)}
	}
	eet := cat == catEETSuitable || cat == catEETUnsuitable
	suitable := cat == catEETSuitable || cat == catNEETSuitable
	return Contact{InTouch: "YES", Activity: b.activity(d, age, eet), Accommodation: b.accommodation(age, suitable)}
}

// activity is an OC3 ACTIV code valid in the year of d.
func (b *builder) activity(d clock.Date, age int, eet bool) string {
	p := b.p
	var ws []weighted
	switch {
	case !eet:
		ws = []weighted{{"G5", 60}, {"G4", 22}, {"G6", 18}}
	case age < 18:
		ws = []weighted{{"F2", 55}, {"P2", 8}, {"F4", 14}, {"F5", 10}, {"P5", 5}, {"F3", 8}}
	case age < 20:
		ws = []weighted{{"F2", 24}, {"F1", 15}, {"F4", 15}, {"F5", 24}, {"P5", 10}, {"P2", 5}, {"P1", 2}, {"F3", 5}}
	default:
		ws = []weighted{{"F1", 15}, {"P1", 5}, {"F5", 40}, {"P5", 20}, {"F4", 10}, {"F2", 5}, {"P2", 3}, {"F3", 6}, {"P3", 3}}
	}
	y := codes.YearOfDate(d.Y, d.M, d.D)
	var valid []weighted
	for _, w := range ws {
		if codes.Activity.Valid(w.v, y) {
			valid = append(valid, w)
		}
	}
	return p.pickWeighted(valid)
}

// accommodation is an OC3 ACCOM code: suitable ones end in 1 (and never
// Z1/Z2, with former foster carers, before 18: rule 3001).
func (b *builder) accommodation(age int, suitable bool) string {
	p := b.p
	switch {
	case !suitable:
		return p.pickWeighted([]weighted{{"S2", 18}, {"V2", 14}, {"W2", 10}, {"X2", 10}, {"D2", 14}, {"U2", 12}, {"B2", 10}, {"K2", 7}, {"R2", 5}})
	case age < 18:
		return p.pickWeighted([]weighted{{"D1", 30}, {"E1", 20}, {"B1", 25}, {"T1", 10}, {"C1", 5}, {"U1", 10}})
	}
	return p.pickWeighted([]weighted{{"U1", 35}, {"D1", 15}, {"E1", 8}, {"B1", 12}, {"Z1", 12}, {"T1", 8}, {"K1", 6}, {"Y1", 4}})
}
