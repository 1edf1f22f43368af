// Package careleaver is the care-leaver service's domain: care leavers
// (relevant, Children Act 1989 s23A(2); former relevant, s23C(1)) up to
// their 25th birthday, their personal advisers, pathway plan reviews,
// keeping-in-touch contacts (903 OC3) and the council's Local Offer.
//
// It holds no gRPC, protobuf or bbolt: the store implements Tx over one
// bbolt transaction and the server adapts the v1 contract. The 903 code
// lists and rules come from pkg/codes and pkg/ssda903 only.
//
// # Readings the contract leaves open
//
//   - Category and age band are computed from the date of birth as at the
//     date asked: relevant at 16–17, former relevant at 18–24, none from the
//     25th birthday (the record closes that day). Bands: 17_18, 19_21,
//     22_25, and "" under 17 (a 16-year-old relevant child).
//   - A pathway plan is overdue on d when its last review on or before d is
//     more than six months old (d is after the review date plus six
//     months), or, with no review, when d is more than six months after the
//     record opened. The next review is due six months after the last one
//     (after the opening when there is none). Six months is calendar
//     months, clamped at the month's end (clock.Date.AddMonths).
//   - The contact "around the birthday" is the contact, on or before the
//     date asked, nearest to the latest birthday on or before that date
//     within the window (by default three months before to one month after
//     it); of two equally near, the later.
//   - A young person who comes back into care (caseload.period.started, or
//     a period whose end is struck out by caseload.care.corrected) has the
//     record closed RETURNED_TO_CARE on that date; leaving care again as an
//     eligible young person reopens it (a new registered event), keeping
//     advisers, reviews and contacts.
//   - "Open on d" is opened ≤ d and (not closed or d < closed), as for
//     periods of care. A reopened record's earlier open spell is not kept
//     for "as at" questions.
//   - Metrics counts care leavers by band from the events alone, so every
//     event leaves the count consistent: a record opened late (an old
//     period end applied today) publishes the band changes since at once,
//     dated their birthdays; a closing publishes any band change due by its
//     date first, and carries the band the young person was last counted
//     in (the band on the day, unless the closing is backdated before a
//     change already published).
package careleaver

import (
	"slices"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// Ages that bound the care-leaver duties.
const (
	// RelevantFromAge: a relevant child is 16 or 17 (s23A(2)(c)).
	RelevantFromAge = 16
	// FormerRelevantFromAge: a former relevant child is 18 or over (s23C(1)).
	FormerRelevantFromAge = 18
	// EndAge: the duties end, and the record closes, on the 25th birthday.
	EndAge = 25
	// ReviewMonths: a pathway plan is reviewed at least every six months.
	ReviewMonths = 6
)

// Category is a care leaver's category on a date.
type Category int

// The categories.
const (
	CategoryNone Category = iota
	Relevant
	FormerRelevant
)

func (c Category) String() string {
	switch c {
	case Relevant:
		return "relevant"
	case FormerRelevant:
		return "former relevant"
	}
	return "none"
}

// CategoryAt is the category of a young person born on dob on date d, by age
// alone: relevant at 16–17, former relevant at 18–24.
func CategoryAt(dob, d clock.Date) Category {
	switch age := clock.AgeOn(dob, d); {
	case age >= RelevantFromAge && age < FormerRelevantFromAge:
		return Relevant
	case age >= FormerRelevantFromAge && age < EndAge:
		return FormerRelevant
	}
	return CategoryNone
}

// AgeBandAt is the care-leaver age band (codes.AgeBand) of a young person
// born on dob on date d: "" under 17.
func AgeBandAt(dob, d clock.Date) string {
	return codes.AgeBand(clock.AgeOn(dob, d))
}

// bandStartAges are the ages at which a band begins, youngest first.
var bandStartAges = []int{17, 19, 22}

// bandStart is the date the band a young person born on dob is in on d
// began: the birthday of the band's first age (the zero Date for "").
func bandStart(dob, d clock.Date) clock.Date {
	age := clock.AgeOn(dob, d)
	var start clock.Date
	for _, a := range bandStartAges {
		if age >= a {
			start = dob.Birthday(a)
		}
	}
	return start
}

// ClosingReason says why a record closed.
type ClosingReason int

// The reasons (careleaver.v1.ClosingReason).
const (
	NotClosed ClosingReason = iota
	Reached25
	NoLongerRequiresServices
	Died
	MovedAway
	ReturnedToCare
)

func (r ClosingReason) String() string {
	switch r {
	case NotClosed:
		return "not closed"
	case Reached25:
		return "reached 25"
	case NoLongerRequiresServices:
		return "no longer requires services"
	case Died:
		return "died"
	case MovedAway:
		return "moved away"
	case ReturnedToCare:
		return "returned to care"
	}
	return "unknown"
}

// AdviserAllocation is one personal adviser's allocation: from Start until
// End (exclusive), or still current when End is zero.
type AdviserAllocation struct {
	AdviserID string     `json:"adviser_id"`
	Start     clock.Date `json:"start"`
	End       clock.Date `json:"end,omitzero"`
}

// covers reports whether the allocation is in force on d.
func (a AdviserAllocation) covers(d clock.Date) bool {
	return !d.Before(a.Start) && (a.End.IsZero() || d.Before(a.End))
}

// Contact is one keeping-in-touch contact (903 OC3 IN_TOUCH, ACTIV, ACCOM).
type Contact struct {
	ID            string     `json:"id"`
	Date          clock.Date `json:"date"`
	InTouch       string     `json:"in_touch,omitempty"`
	Activity      string     `json:"activity,omitempty"`
	Accommodation string     `json:"accommodation,omitempty"`
	Recorded      time.Time  `json:"recorded"`
}

// After reports whether c sorts after o among a young person's contacts:
// by date, then by id (ids are time-ordered UUIDv7, so a later recording on
// the same day wins). The store keeps contacts in this order.
func (c Contact) After(o Contact) bool {
	if cmp := c.Date.Compare(o.Date); cmp != 0 {
		return cmp > 0
	}
	return c.ID > o.ID
}

// CareLeaver is one young person's care-leaver record.
type CareLeaver struct {
	// ChildID is the pseudonymous id caseload issued.
	ChildID string `json:"child_id"`
	// DOB is the date of birth, fetched from caseload when the record
	// opened: it never leaves this service except over gRPC.
	DOB clock.Date `json:"dob"`
	// Opened is the date the record (re)opened: the day care ended.
	Opened clock.Date `json:"opened"`
	// PeriodID is the caseload period of care whose end opened the record
	// ("" if unknown); a second report of that end changes nothing.
	PeriodID string `json:"period_id,omitempty"`
	// ReasonCareCeased is the 903 REC of that period.
	ReasonCareCeased string `json:"reason_care_ceased,omitempty"`
	// Advisers, oldest first; at most the last is current.
	Advisers []AdviserAllocation `json:"advisers,omitempty"`
	// Reviews are the pathway plan review dates, oldest first.
	Reviews []clock.Date `json:"reviews,omitempty"`
	// Closed is the date the record closed; zero while open.
	Closed        clock.Date    `json:"closed,omitzero"`
	ClosingReason ClosingReason `json:"closing_reason,omitempty"`
	// Band is the age band last published (registered or age_band_changed)
	// and BandFrom the effective date of that event: the birthday clock
	// publishes a change when the band on a later day differs.
	Band     string     `json:"band"`
	BandFrom clock.Date `json:"band_from"`
}

// Clone returns a deep copy the caller may change.
func (c *CareLeaver) Clone() *CareLeaver {
	out := *c
	out.Advisers = slices.Clone(c.Advisers)
	out.Reviews = slices.Clone(c.Reviews)
	return &out
}

// IsOpen reports whether the record is open now.
func (c *CareLeaver) IsOpen() bool { return c.Closed.IsZero() }

// OpenOn reports whether the record is open on d.
func (c *CareLeaver) OpenOn(d clock.Date) bool {
	return !d.Before(c.Opened) && (c.Closed.IsZero() || d.Before(c.Closed))
}

// StayingPut reports a young person who stayed with former foster carers at
// 18 (903 REC E17).
func (c *CareLeaver) StayingPut() bool { return c.ReasonCareCeased == "E17" }

// MonthOfBirth is "YYYY-MM", what events may carry.
func (c *CareLeaver) MonthOfBirth() string { return clock.MonthOfBirth(c.DOB) }

// AgeOn is the young person's age in whole years on d.
func (c *CareLeaver) AgeOn(d clock.Date) int { return clock.AgeOn(c.DOB, d) }

// CategoryOn is the category on d: none when the record is not open on d.
func (c *CareLeaver) CategoryOn(d clock.Date) Category {
	if !c.OpenOn(d) {
		return CategoryNone
	}
	return CategoryAt(c.DOB, d)
}

// AgeBandOn is the age band on d.
func (c *CareLeaver) AgeBandOn(d clock.Date) string { return AgeBandAt(c.DOB, d) }

// TwentyFifthBirthday is the day the duties end and the record closes.
func (c *CareLeaver) TwentyFifthBirthday() clock.Date { return c.DOB.Birthday(EndAge) }

// AdviserOn returns the allocation in force on d.
func (c *CareLeaver) AdviserOn(d clock.Date) (AdviserAllocation, bool) {
	for i := len(c.Advisers) - 1; i >= 0; i-- {
		if c.Advisers[i].covers(d) {
			return c.Advisers[i], true
		}
	}
	return AdviserAllocation{}, false
}

// CurrentAdviser returns the current allocation (the last, if not ended).
func (c *CareLeaver) CurrentAdviser() (AdviserAllocation, bool) {
	if n := len(c.Advisers); n > 0 && c.Advisers[n-1].End.IsZero() {
		return c.Advisers[n-1], true
	}
	return AdviserAllocation{}, false
}

// PathwayPlan summarises pathway plan reviews as at a date.
type PathwayPlan struct {
	LastReview clock.Date // zero if none on or before the date
	NextDue    clock.Date
	Overdue    bool
}

// PathwayPlanOn summarises the pathway plan on d (see the package
// documentation for "overdue").
func (c *CareLeaver) PathwayPlanOn(d clock.Date) PathwayPlan {
	var last clock.Date
	for _, r := range c.Reviews {
		if !r.After(d) && r.After(last) {
			last = r
		}
	}
	base := last
	if base.IsZero() {
		base = c.Opened
	}
	due := base.AddMonths(ReviewMonths)
	return PathwayPlan{LastReview: last, NextDue: due, Overdue: d.After(due)}
}

// BirthdayWindow is the window around a birthday in which a contact counts
// as the birthday contact of the DfE return.
type BirthdayWindow struct {
	MonthsBefore int
	MonthsAfter  int
}

// DefaultBirthdayWindow is three months before to one month after.
var DefaultBirthdayWindow = BirthdayWindow{MonthsBefore: 3, MonthsAfter: 1}

// MaxWindowMonths bounds each side of the window: a year either way would
// reach the previous or next birthday.
const MaxWindowMonths = 11

// Valid reports whether both sides are between 0 and MaxWindowMonths.
func (w BirthdayWindow) Valid() bool {
	return w.MonthsBefore >= 0 && w.MonthsAfter >= 0 && w.MonthsBefore <= MaxWindowMonths && w.MonthsAfter <= MaxWindowMonths
}

// Around returns, for a young person born on dob asked about on asAt, the
// latest birthday on or before asAt and the window [from, to] of contact
// dates around it; to is never after asAt.
func (w BirthdayWindow) Around(dob, asAt clock.Date) (birthday, from, to clock.Date) {
	birthday = dob.Birthday(clock.AgeOn(dob, asAt))
	from = birthday.AddMonths(-w.MonthsBefore)
	to = birthday.AddMonths(w.MonthsAfter)
	if to.After(asAt) {
		to = asAt
	}
	return birthday, from, to
}

// NearestTo picks, from contacts (in any order), the one nearest to day;
// of two equally near, the later (Contact.After).
func NearestTo(day clock.Date, contacts []Contact) (Contact, bool) {
	var best Contact
	found := false
	bestDist := 0
	for _, c := range contacts {
		dist := c.Date.DaysUntil(day)
		if dist < 0 {
			dist = -dist
		}
		if !found || dist < bestDist || (dist == bestDist && c.After(best)) {
			best, bestDist, found = c, dist, true
		}
	}
	return best, found
}

// Entitlement is one item of the council's Local Offer to care leavers.
type Entitlement struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	MinAge      int    `json:"min_age"`
	MaxAge      int    `json:"max_age"`
}

// Entitlement ages: the Local Offer is for care leavers, 16 to 24.
const (
	EntitlementMinAge = RelevantFromAge
	EntitlementMaxAge = EndAge - 1
)

// TakeUp records one care leaver taking up one entitlement on a date.
type TakeUp struct {
	ChildID       string
	EntitlementID string
	Date          clock.Date
}
