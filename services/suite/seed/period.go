package seed

import (
	"fmt"
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// minGap is the fewest days between any two care or placement writes of a
// child: every 903 episode lasts at least a day (rule 355), and a week
// keeps a legal-status change and a move from landing on the same day.
const minGap = 7

// kind is what a placement is, before it is given a carer, provider and
// address.
type kind struct {
	group  string // F foster, SA supported accommodation, CH children's home, PP with parents, AD for adoption, S1 school
	typ    string // the 903 PLACE for F (U1–U6), CH (K1/K2) and AD (A5/A6)
	inside bool
	// same keeps the current carer (and address): a change of the
	// placement's status only, e.g. U6 → U4 when the carers become the
	// child's long-term carers, U5 → A5 when the foster-for-adoption carers
	// are matched, H5 → K3.
	same bool
}

func foster(typ string, inside bool) kind { return kind{group: "F", typ: typ, inside: inside} }

// evKind says what a planned event does.
type evKind int

const (
	evMove evKind = iota
	evLS
	evTemp
	evAllocate
)

type event struct {
	d      clock.Date
	kind   evKind
	ls     string
	pk     kind
	reason string
	temp   string
	days   int
	team   string
}

// period is one planned period of care: its start, what happens in it on
// which dates, and how it ends (if it does by the as-at date). Dates are
// kept at least minGap days apart.
type period struct {
	b      *builder
	start  clock.Date
	ls0    string
	cin    string
	first  kind
	events []event
	used   []clock.Date
	end    clock.Date // zero: open on the as-at date
	rec    string
	cl     bool
	// uascAtEnd: UASC status ceases the day the period ends.
	uascAtEnd bool
}

func (b *builder) period(start clock.Date, ls0, cin string, first kind) *period {
	return &period{b: b, start: start, ls0: ls0, cin: cin, first: first, used: []clock.Date{start}}
}

// free reports whether d is at least minGap days from every date taken.
func (pe *period) free(d clock.Date) bool {
	for _, u := range pe.used {
		if n := u.DaysUntil(d); n < minGap && n > -minGap {
			return false
		}
	}
	return true
}

// try picks a free date in [lo, hi].
func (pe *period) try(lo, hi clock.Date) (clock.Date, bool) {
	n := lo.DaysUntil(hi)
	if n < 0 {
		return clock.Date{}, false
	}
	p := pe.b.p
	for range 24 {
		if d := lo.AddDays(p.intn(n + 1)); pe.free(d) {
			pe.used = append(pe.used, d)
			return d, true
		}
	}
	off := p.intn(n + 1)
	for i := 0; i <= n; i++ {
		if d := lo.AddDays((off + i) % (n + 1)); pe.free(d) {
			pe.used = append(pe.used, d)
			return d, true
		}
	}
	return clock.Date{}, false
}

// slot picks a free date in [lo, hi] or fails the plan.
func (pe *period) slot(lo, hi clock.Date, what string) clock.Date {
	d, ok := pe.try(lo, hi)
	if !ok {
		pe.b.failf("no free date for %s in [%s, %s] (taken %v)", what, lo, hi, pe.used)
	}
	return d
}

// span picks a free interval of days days starting in [lo, hi]: neither
// end nor anything between within minGap of a date taken.
func (pe *period) span(lo, hi clock.Date, days int) (clock.Date, bool) {
	n := lo.DaysUntil(hi)
	if n < 0 {
		return clock.Date{}, false
	}
	p := pe.b.p
	clear := func(d clock.Date) bool {
		e := d.AddDays(days)
		for _, u := range pe.used {
			if !u.Before(d.AddDays(-minGap)) && !u.After(e.AddDays(minGap)) {
				return false
			}
		}
		return true
	}
	off := p.intn(n + 1)
	for i := 0; i <= n; i++ {
		if d := lo.AddDays((off + i) % (n + 1)); clear(d) {
			pe.used = append(pe.used, d, d.AddDays(days))
			return d, true
		}
	}
	return clock.Date{}, false
}

func (pe *period) move(d clock.Date, k kind, reason string) {
	pe.events = append(pe.events, event{d: d, kind: evMove, pk: k, reason: reason})
}

func (pe *period) status(d clock.Date, ls string) {
	pe.events = append(pe.events, event{d: d, kind: evLS, ls: ls})
}

func (pe *period) allocate(d clock.Date, team string) {
	pe.events = append(pe.events, event{d: d, kind: evAllocate, team: team})
}

// uascCeasedAtEnd records that UASC status ceases (the 18th birthday) on
// the day the period ends.
func (pe *period) uascCeasedAtEnd() { pe.uascAtEnd = true }

// temp plans a temporary placement of days days somewhere in [lo, hi] if
// there is room; it reports whether it did.
func (pe *period) temp(lo, hi clock.Date, typ string, days int) bool {
	d, ok := pe.span(lo, hi, days)
	if ok {
		pe.events = append(pe.events, event{d: d, kind: evTemp, temp: typ, days: days})
	}
	return ok
}

// ending plans the end of the period on d.
func (pe *period) ending(d clock.Date, rec string, careLeaver bool) {
	if !pe.free(d) {
		pe.b.failf("period end %s is within %d days of another write (%v)", d, minGap, pe.used)
	}
	pe.used = append(pe.used, d)
	pe.end, pe.rec, pe.cl = d, rec, careLeaver
}

// progress plans the legal statuses of a period from its first: an
// emergency protection order (L2) gives way to an interim care order
// within three weeks; an interim care order (C1) becomes a full one (C2)
// after some months if the period lasts; a young child accommodated under
// section 20 may come under care proceedings. needCare is the date by which
// a care order (C1 or C2) must be in force (placement with parents, rule
// 378); needE1 the date by which a placement order must be (placement for
// adoption with a placement order, rule 408). until is the last date a
// change may fall on.
func (pe *period) progress(until, needCare, needE1 clock.Date, uasc bool) {
	p := pe.b.p
	ls, from := pe.ls0, pe.start
	set := func(d clock.Date, next string) {
		pe.status(d, next)
		ls, from = next, d
	}
	if ls == "L2" {
		set(pe.slot(pe.start.AddDays(minGap), pe.start.AddDays(20), "C1 after an EPO"), "C1")
	}
	if ls == "V2" && !needCare.IsZero() {
		set(pe.slot(from.AddDays(14), needCare.AddDays(-minGap), "care order before placement with parents"), "C1")
	}
	if !needE1.IsZero() {
		if ls == "V2" {
			set(pe.slot(from.AddDays(14), needE1.AddDays(-90), "C1 before a placement order"), "C1")
		}
		if p.chance(40) {
			if d, ok := pe.try(from.AddDays(45), needE1.AddDays(-60)); ok {
				set(d, "C2")
			}
		}
		set(pe.slot(maxDate(from.AddDays(30), needE1.AddDays(-180)), needE1.AddDays(-14), "placement order"), "E1")
		return
	}
	if until.Before(from) {
		return
	}
	if ls == "V2" && !uasc && pe.b.age(pe.start) < 12 && p.chance(30) {
		if d, ok := pe.try(from.AddDays(60), minDate(until, from.AddDays(300))); ok {
			set(d, "C1")
		}
	}
	if ls == "C1" && p.chance(85) {
		if d, ok := pe.try(from.AddDays(100), minDate(until, from.AddDays(420))); ok {
			set(d, "C2")
		}
	}
}

// run writes the planned period through the builder, in date order.
func (pe *period) run() {
	b := pe.b
	slices.SortStableFunc(pe.events, func(x, y event) int { return x.d.Compare(y.d) })
	b.startPeriod(pe.start, pe.ls0, pe.cin)
	b.startPlacement(pe.start, b.make(pe.start, pe.first))
	for _, e := range pe.events {
		switch e.kind {
		case evMove:
			b.place(e.d, b.make(e.d, e.pk), e.reason)
		case evLS:
			b.changeLS(e.d, e.ls)
		case evTemp:
			b.temporary(e.d, e.temp, e.days)
		case evAllocate:
			b.allocate(e.d, e.team)
		}
	}
	if !pe.end.IsZero() {
		b.endWith(pe.end, pe.rec, pe.cl, pe.uascAtEnd)
	}
}

// reason is a plausible 903 REASON_PLACE_CHANGE for a move between carers.
func (p *planner) reason() string {
	return p.pickWeighted([]weighted{
		{"CARPL", 36}, {"CREQB", 12}, {"CREQO", 10}, {"CHILD", 8}, {"LAREQ", 6}, {"STAND", 4},
		{"ALLEG", 3}, {"CLOSE", 4}, {"APPRR", 2}, {"OTHER", 5},
	})
}

// make turns a kind into the placement's details on d: provider, URN,
// carer, local authority and grid references.
func (b *builder) make(d clock.Date, k kind) Placement {
	p := b.p
	if k.same {
		i := b.pl.Current()
		if i < 0 {
			b.failf("a change of status on %s with no placement", d)
		}
		pl := b.detailsOf(b.pl[i])
		pl.Type = k.typ
		if k.group == "AD" {
			ag := p.pickProvider(adoptionAgencies, func(provider) bool { return true })
			pl.Provider, pl.URN = ag.code, ag.urn
		}
		pl.URN = b.urnFor(pl.Type, d, pl.URN)
		return pl
	}
	la := coventry
	if !k.inside {
		la = p.outsideLA()
	}
	var pl Placement
	switch k.group {
	case "F":
		pl.Type = k.typ
		if codes.IsConnectedPersons(k.typ) {
			p.kin++
			svc := fosteringServices[0] // connected carers are approved by the council
			pl.Provider, pl.URN, pl.CarerID = svc.code, svc.urn, fmt.Sprintf("KIN-%04d", p.kin)
		} else {
			svc := p.pickProvider(fosteringServices, func(provider) bool { return true })
			p.carers++
			pl.Provider, pl.URN, pl.CarerID = svc.code, svc.urn, fmt.Sprintf("FC-%04d", p.carers)
		}
	case "CH":
		list := childrensHomes
		if k.typ == "K1" {
			list = secureHomes
		}
		h := p.pickProvider(list, func(x provider) bool { return (x.la == CouncilLA) == k.inside || k.typ == "K1" })
		pl.Type, pl.Provider, pl.URN, pl.CarerID = k.typ, h.code, h.urn, h.carer
		la = laByCode(h.la)
	case "SA":
		h := p.pickProvider(supportedAccommodation, func(x provider) bool { return (x.la == CouncilLA) == k.inside })
		pl.Type = "K3"
		if d.Before(k3From) {
			pl.Type = "H5"
		}
		pl.Provider, pl.URN, pl.CarerID = h.code, h.urn, h.carer
		la = laByCode(h.la)
	case "PP":
		pl.Type, pl.Provider, pl.CarerID = "P1", "PR0", "PARENTS-"+b.c.Key
	case "AD":
		p.adopter++
		ag := p.pickProvider(adoptionAgencies, func(provider) bool { return true })
		pl.Type, pl.Provider, pl.URN, pl.CarerID = k.typ, ag.code, ag.urn, fmt.Sprintf("ADOPT-%04d", p.adopter)
	case "S1":
		s := residentialSchools[0]
		pl.Type, pl.Provider, pl.URN, pl.CarerID = "S1", s.code, s.urn, s.carer
		la = laByCode(s.la)
	case "SB":
		pl.Type, pl.Provider, pl.URN, pl.CarerID, pl.LA = "K2", shortBreaksUnit.code, shortBreaksUnit.urn, shortBreaksUnit.carer, CouncilLA
		return pl
	default:
		b.failf("unknown placement group %q", k.group)
	}
	if (la.code == CouncilLA) != k.inside {
		b.failf("placement %s drawn %s the boundary, wanted inside=%v", pl.Type, la.name, k.inside)
	}
	pl.LA = la.code
	pl.URN = b.urnFor(pl.Type, d, pl.URN)
	if b.home != nil {
		pl.Home = b.home
		if k.group == "PP" && k.inside {
			pl.Grid = b.home
		} else {
			pl.Grid = p.gridNear(la, 4000)
			if *pl.Grid == *b.home {
				// Rule 392d: only P1 is at the home address. A draw that
				// landed on it moves 100 m east (no further draws, so the
				// rest of the scenario is unchanged).
				pl.Grid = &Grid{Easting: pl.Grid.Easting + 100, Northing: pl.Grid.Northing}
			}
		}
	}
	return pl
}
