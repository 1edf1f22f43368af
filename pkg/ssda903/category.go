package ssda903

import (
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// LeavingCareStatus is a young person's status under the leaving-care
// provisions of the Children Act 1989 (see the package documentation for
// the reading of the law).
type LeavingCareStatus int

// The statuses. The zero value is LeavingCareNone.
const (
	// LeavingCareNone: none of the categories applies.
	LeavingCareNone LeavingCareStatus = iota
	// LeavingCareEligible: Sch 2 para 19B — looked after, 16 or 17, and
	// looked after for 13 weeks since 14 ending after 16.
	LeavingCareEligible
	// LeavingCareRelevant: s23A(2) — 16 or 17, not looked after, and an
	// eligible child before last ceasing to be looked after.
	LeavingCareRelevant
	// LeavingCareFormerRelevant: s23C(1) — 18 to 24 and was eligible or
	// relevant.
	LeavingCareFormerRelevant
)

func (s LeavingCareStatus) String() string {
	switch s {
	case LeavingCareNone:
		return "none"
	case LeavingCareEligible:
		return "eligible"
	case LeavingCareRelevant:
		return "relevant"
	case LeavingCareFormerRelevant:
		return "former relevant"
	}
	return "unknown"
}

// Category is a child's legal category on one date.
type Category struct {
	// LookedAfter: DECOM ≤ d < DEC for some period (short breaks included).
	LookedAfter bool
	// Counted: looked after other than under V3/V4 short breaks; the DfE's
	// children-looked-after figures count these.
	Counted bool
	// LS is the legal status on the date, when looked after.
	LS string
	// LeavingCare is the leaving-care status on the date.
	LeavingCare LeavingCareStatus
	// Age in completed years on the date (negative before birth; 0 when
	// the date of birth is not known).
	Age int
	// UASC: an unaccompanied asylum-seeking child on the date (UASC and the
	// date is before DUC, when DUC is set).
	UASC bool
}

// Ages and the qualifying period of Sch 2 para 19B(2) as prescribed by reg
// 40(1) of the Care Planning, Placement and Case Review (England)
// Regulations 2010.
const (
	qualifyingFromAge = 14
	qualifyingDays    = 13 * 7 // 13 weeks
	eligibleFromAge   = 16
	adultAge          = 18
	careLeaverEndAge  = 25 // s23CZB / s23C as extended: duties end on the 25th birthday
)

// LegalCategory answers, for a child and a date, whether they are looked
// after and which leaving-care category applies. It is a pure function of
// the timeline and takes about a microsecond for a child with a handful of
// periods (BenchmarkLegalCategory).
func LegalCategory(care CareTimeline, d clock.Date) Category {
	var c Category
	c.UASC = care.UASC && (care.UASCCeased.IsZero() || d.Before(care.UASCCeased))
	last := care.latestStartedBy(d)
	if last >= 0 {
		p := &care.Periods[last]
		if p.lookedAfterOn(d) {
			c.LookedAfter = true
			if s := p.statusOn(d); s >= 0 {
				c.LS = p.Statuses[s].LS
			}
			c.Counted = !codes.IsShortBreak(c.LS)
		}
	}
	if care.DOB.IsZero() {
		return c // no age, so no leaving-care status
	}
	c.Age = clock.AgeOn(care.DOB, d)
	first, ok := FirstEligible(care)
	if !ok || first.After(d) || c.Age >= careLeaverEndAge {
		return c
	}
	// The latest period ended, on or before d, in a way that ends this
	// council's duties for good: died (E2); care taken over by another local
	// authority (E3: they are looked after by, and later a care leaver of,
	// that authority: s23A(2)(a), s23C(1)); age assessed as 18 or over (E15:
	// the person was never a child, so never an eligible one).
	if !c.LookedAfter && last >= 0 {
		switch care.Periods[last].ReasonCeased {
		case "E2", "E3", "E15":
			return c
		}
	}
	switch {
	case c.Age >= adultAge:
		// s23C(1): (b) looked after at 18 and eligible immediately before, or
		// (a) relevant at some time before 18. Once eligibility was reached,
		// every later day before 18 was a day of eligibility (looked after)
		// or of relevance (not looked after), so either limb holds.
		c.LeavingCare = LeavingCareFormerRelevant
	case c.LookedAfter && c.Counted:
		// first ≤ d, so 13 weeks since 14 were complete by d, d is after the
		// 16th birthday and, being under 18, d is within Sch 2 para 19B(2)(a).
		c.LeavingCare = LeavingCareEligible
	case c.LookedAfter:
		// A short break (V3/V4): a child to whom reg 48 applies is not an
		// eligible child (reg 40(2)), and being looked after they are not
		// relevant (s23A(2)(a)).
	default:
		// s23A(2): not looked after, 16 or 17, and was eligible before last
		// ceasing to be looked after (first ≤ the last day looked after < d).
		c.LeavingCare = LeavingCareRelevant
	}
	return c
}

// FirstEligible returns the first date on which the child was an eligible
// child (Sch 2 para 19B(2)): looked after on that date other than under a
// V3/V4 short break, aged 16 or 17, with at least 91 days (13 weeks) looked
// after since the 14th birthday counted up to and including that date, short
// breaks excluded. ok is false if the child never was.
//
// Because the count only grows, the child is eligible on every later date on
// which they are looked after (not on a short break) and under 18, and a
// relevant child on every later date before 18 on which they are not.
func FirstEligible(care CareTimeline) (clock.Date, bool) {
	if care.DOB.IsZero() {
		return clock.Date{}, false
	}
	from := care.DOB.Birthday(qualifyingFromAge)
	at16 := care.DOB.Birthday(eligibleFromAge)
	at18 := care.DOB.Birthday(adultAge)
	periods := periodsInOrder(care.Periods)
	counted := 0
	for pi := range periods {
		p := &periods[pi]
		if !p.End.IsZero() && !p.End.After(from) {
			continue // ended before the 14th birthday
		}
		if !p.Start.Before(at18) {
			break
		}
		for si := range p.Statuses {
			if codes.IsShortBreak(p.Statuses[si].LS) {
				continue // reg 40(2)/48: short breaks do not count
			}
			lo := maxDate(p.Statuses[si].Start, maxDate(p.Start, from))
			hi := p.spellEnd(si)
			if hi.IsZero() || hi.After(at18) {
				hi = at18 // eligibility ends at 18: nothing later matters
			}
			if !lo.Before(hi) {
				continue
			}
			// The first x in [lo, hi) with x ≥ 16th birthday and
			// counted + (days lo..x inclusive) ≥ 91.
			x := maxDate(lo, at16)
			if need := lo.AddDays(qualifyingDays - counted - 1); need.After(x) {
				x = need
			}
			if x.Before(hi) {
				return x, true
			}
			counted += lo.DaysUntil(hi)
		}
	}
	return clock.Date{}, false
}
