package careleaver

import (
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// View is a record as at a date: what GetCareLeaver and ListCareLeavers
// return.
type View struct {
	Record   *CareLeaver
	AsAt     clock.Date
	Open     bool
	Category Category
	AgeBand  string
	Adviser  AdviserAllocation
	HasPA    bool
	Plan     PathwayPlan
	// Latest is the latest contact on or before AsAt.
	Latest    Contact
	HasLatest bool
	// Birthday is the contact around the latest birthday on or before AsAt.
	Birthday    Contact
	HasBirthday bool
}

// ContactSource gives a view the contacts it needs; the store reads them
// from its contacts bucket in the view's read transaction.
type ContactSource interface {
	// LatestContactOn returns the last contact (Contact.After order) dated
	// on or before d.
	LatestContactOn(childID string, d clock.Date) (Contact, bool, error)
	// ContactsBetween returns the contacts dated from..to inclusive.
	ContactsBetween(childID string, from, to clock.Date) ([]Contact, error)
}

// ViewOn builds the view of c as at asAt.
func ViewOn(c *CareLeaver, asAt clock.Date, w BirthdayWindow, src ContactSource) (View, error) {
	v := View{Record: c, AsAt: asAt, Open: c.OpenOn(asAt), Category: c.CategoryOn(asAt),
		AgeBand: c.AgeBandOn(asAt), Plan: c.PathwayPlanOn(asAt)}
	v.Adviser, v.HasPA = c.AdviserOn(asAt)
	var err error
	if v.Latest, v.HasLatest, err = src.LatestContactOn(c.ChildID, asAt); err != nil {
		return View{}, err
	}
	if asAt.Before(c.DOB) {
		return v, nil
	}
	birthday, from, to := w.Around(c.DOB, asAt)
	around, err := src.ContactsBetween(c.ChildID, from, to)
	if err != nil {
		return View{}, err
	}
	v.Birthday, v.HasBirthday = NearestTo(birthday, around)
	return v, nil
}

// Filter selects care leavers open on a date; its conditions combine with
// AND. Zero values are "any".
type Filter struct {
	AdviserID string
	AgeBand   string
	InTouch   string // IN_TOUCH of the latest contact
	// EET: 1 only those whose latest ACTIV is EET (codes.IsEET); 2 only
	// those whose latest contact is not EET or who have none.
	EET int
	// SuitableAccommodation: 1 only ACCOM suitable
	// (codes.IsSuitableAccommodation); 2 not suitable or not known,
	// including no contact.
	SuitableAccommodation int
	PathwayPlanOverdue    bool
	// NoContactInDays: only those with no contact dated in the N days
	// ending on the date asked (as_at − N + 1 … as_at); 0 is off.
	NoContactInDays int
}

// Match reports whether the view passes the filter (views of records not
// open on the date never do).
func (f Filter) Match(v View) bool {
	if !v.Open {
		return false
	}
	if f.AdviserID != "" && (!v.HasPA || v.Adviser.AdviserID != f.AdviserID) {
		return false
	}
	if f.AgeBand != "" && v.AgeBand != f.AgeBand {
		return false
	}
	if f.InTouch != "" && (!v.HasLatest || v.Latest.InTouch != f.InTouch) {
		return false
	}
	eet := v.HasLatest && codes.IsEET(v.Latest.Activity)
	if (f.EET == 1 && !eet) || (f.EET == 2 && eet) {
		return false
	}
	suitable := v.HasLatest && codes.IsSuitableAccommodation(v.Latest.Accommodation)
	if (f.SuitableAccommodation == 1 && !suitable) || (f.SuitableAccommodation == 2 && suitable) {
		return false
	}
	if f.PathwayPlanOverdue && !v.Plan.Overdue {
		return false
	}
	if f.NoContactInDays > 0 && v.HasLatest && v.Latest.Date.After(v.AsAt.AddDays(-f.NoContactInDays)) {
		return false
	}
	return true
}
