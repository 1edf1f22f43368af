package careleaver

import (
	"context"
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Rules of this service that are not DfE rules; they name the reason a write
// conflicts with the record in a violation's Rule.
const (
	// RuleLeavingCareStatus: a record opens only for a young person caseload
	// says is relevant or former relevant on the opening date.
	RuleLeavingCareStatus = "leaving_care_status"
	// RuleRecordClosed: the write needs an open record.
	RuleRecordClosed = "record_closed"
	// RuleRecordOpen: the record is already open.
	RuleRecordOpen = "record_open"
	// RuleBeforeOpened: the date is before the record opened.
	RuleBeforeOpened = "before_opened"
	// RuleAdviserOrder: an allocation cannot start before the current one.
	RuleAdviserOrder = "allocation_order"
	// RuleSameAdviser: the adviser is already the current one.
	RuleSameAdviser = "same_adviser"
	// RuleClosingReason: the reason cannot be given by hand.
	RuleClosingReason = "closing_reason"
	// RuleAge25: the record closes by itself on the 25th birthday.
	RuleAge25 = "age_25"
	// RuleEntitlementAge: the young person's age is outside the
	// entitlement's ages.
	RuleEntitlementAge = "entitlement_age"
	// RuleDied: a record closed because the young person died stays closed.
	RuleDied = "died"
)

// Service is the care-leaver domain: it decides every write, reading and
// writing through a Tx, with the service's clock.
type Service struct {
	clock    clock.Clock
	caseload Caseload
}

// NewService returns the domain service. caseload may be nil for writes
// that never ask it (tests of contacts, the birthday clock).
func NewService(clk clock.Clock, cl Caseload) *Service {
	if clk == nil {
		clk = clock.System
	}
	return &Service{clock: clk, caseload: cl}
}

// Today is the Europe/London date by the service's clock.
func (s *Service) Today() clock.Date { return clock.Today(s.clock) }

// find returns the record or NotFound.
func find(tx Tx, childID string) (*CareLeaver, error) {
	c, ok, err := tx.CareLeaver(childID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.NotFoundf("no care leaver with child_id %q", childID)
	}
	return c, nil
}

func notFuture(v *errs.Violations, field string, d, today clock.Date) {
	if d.After(today) {
		v.Addf(field, ssda903.RuleFutureDate, "%s is in the future (today is %s)", d, today)
	}
}

// Opening is what a record opens with.
type Opening struct {
	ChildID          string
	DOB              clock.Date
	Opened           clock.Date
	PeriodID         string
	ReasonCareCeased string
}

// PrepareOpening asks caseload whether the young person is relevant or
// former relevant on opened (OpenCareLeaver) and fetches their date of
// birth and the period of care that ended last by then. It writes nothing.
func (s *Service) PrepareOpening(ctx context.Context, childID string, opened clock.Date) (Opening, error) {
	var v errs.Violations
	notFuture(&v, "opened_date", opened, s.Today())
	if err := v.Err(); err != nil {
		return Opening{}, err
	}
	status, err := s.caseload.LeavingCareStatus(ctx, childID, opened)
	if err != nil {
		return Opening{}, err
	}
	if status != ssda903.LeavingCareRelevant && status != ssda903.LeavingCareFormerRelevant {
		return Opening{}, errs.Conflict(errs.Violation{Field: "opened_date", Rule: RuleLeavingCareStatus,
			Message: "caseload has the young person as " + status.String() + " on " + opened.String() +
				"; a care-leaver record opens for a relevant or former relevant young person"})
	}
	h, err := s.caseload.CareHistory(ctx, childID)
	if err != nil {
		return Opening{}, err
	}
	o := Opening{ChildID: childID, DOB: h.DOB, Opened: opened}
	if p, ok := h.LastEndedBy(opened); ok {
		o.PeriodID, o.ReasonCareCeased = p.ID, p.ReasonCeased
	}
	return o, nil
}

// Open opens (or reopens) a record by hand from an Opening made by
// PrepareOpening.
func (s *Service) Open(tx Tx, o Opening) (*CareLeaver, error) {
	old, ok, err := tx.CareLeaver(o.ChildID)
	if err != nil {
		return nil, err
	}
	if ok {
		switch {
		case old.IsOpen():
			return nil, errs.AlreadyExistsf("care leaver %s has an open record since %s", o.ChildID, old.Opened)
		case old.ClosingReason == Died:
			return nil, errs.Conflict(errs.Violation{Field: "child_id", Rule: RuleDied,
				Message: "the record closed because the young person died"})
		case o.Opened.Before(old.Closed):
			return nil, errs.Conflict(errs.Violation{Field: "opened_date", Rule: RuleRecordClosed,
				Message: "the record was open until " + old.Closed.String() + "; it can reopen on or after that date"})
		}
	}
	return s.open(tx, old, o)
}

// open writes the record opened on o.Opened (keeping an old record's
// advisers and reviews) and its registered event.
func (s *Service) open(tx Tx, old *CareLeaver, o Opening) (*CareLeaver, error) {
	cat := CategoryAt(o.DOB, o.Opened)
	if cat == CategoryNone {
		return nil, errs.Conflict(errs.Violation{Field: "opened_date", Rule: RuleLeavingCareStatus,
			Message: "the young person is not 16 to 24 on " + o.Opened.String()})
	}
	c := &CareLeaver{ChildID: o.ChildID}
	if old != nil {
		c = old.Clone()
	}
	c.DOB, c.Opened, c.PeriodID, c.ReasonCareCeased = o.DOB, o.Opened, o.PeriodID, o.ReasonCareCeased
	c.Closed, c.ClosingReason = clock.Date{}, NotClosed
	c.Band, c.BandFrom = c.AgeBandOn(o.Opened), o.Opened
	ev := newEvent(Registered, c, o.Opened, s.clock.Now())
	ev.Category, ev.ReasonCareCeased, ev.StayingPut = cat, c.ReasonCareCeased, c.StayingPut()
	if err := tx.Emit(ev); err != nil {
		return nil, err
	}
	// Opened late (an old period end, a backdated opening): bring the band
	// up to today at once rather than leave it to the birthday clock.
	if _, err := s.catchUpBand(tx, c, s.Today()); err != nil {
		return nil, err
	}
	return c, tx.PutCareLeaver(c)
}

// PeriodEnded applies caseload's report that an eligible young person's
// period of care ended on end (caseload.period.ended, ELIGIBLE): it opens
// the record, or reopens a closed one. A second report of the same period,
// or one for a young person whose record is open, changes nothing. Opening
// a new record asks caseload for the date of birth; its errors (Unavailable
// when it cannot be reached) are returned for the caller to retry.
func (s *Service) PeriodEnded(ctx context.Context, tx Tx, childID, periodID string, end clock.Date, rec string) (bool, error) {
	old, ok, err := tx.CareLeaver(childID)
	if err != nil {
		return false, err
	}
	o := Opening{ChildID: childID, Opened: end, PeriodID: periodID, ReasonCareCeased: rec}
	if ok {
		if (periodID != "" && old.PeriodID == periodID) || old.IsOpen() || old.ClosingReason == Died || end.Before(old.Closed) {
			return false, nil
		}
		o.DOB = old.DOB
	} else {
		h, err := s.caseload.CareHistory(ctx, childID)
		if err != nil {
			return false, err
		}
		o.DOB = h.DOB
		old = nil
	}
	if _, err := s.open(tx, old, o); err != nil {
		return false, err
	}
	return true, nil
}

// DateOfBirthCorrected applies caseload's report that the young person's
// date of birth was corrected on d (caseload.child.updated with
// date_of_birth_corrected; events never carry the date, so it is fetched
// from caseload). The record takes the new date, and what the corrected
// age changes on d is published at once, as the birthday clock would: an
// age band change (dated the birthday the new band began, but never before
// the band last published) and, on or past the 25th birthday, the closing.
// Ages, categories and views as at any date then follow from the new date,
// and so does the birthday clock. No record, or a record that already has
// the date, changes nothing; a closed record takes the date and publishes
// nothing.
func (s *Service) DateOfBirthCorrected(ctx context.Context, tx Tx, childID string, d clock.Date) (bool, error) {
	c, ok, err := tx.CareLeaver(childID)
	if err != nil || !ok {
		return false, err
	}
	h, err := s.caseload.CareHistory(ctx, childID)
	if err != nil {
		return false, err
	}
	if h.DOB == c.DOB {
		return false, nil
	}
	c.DOB = h.DOB
	if err := tx.PutCareLeaver(c); err != nil {
		return false, err
	}
	if _, err := s.ApplyBirthday(tx, childID, d); err != nil {
		return false, err
	}
	return true, nil
}

// PeriodStarted applies caseload's report that a young person started to be
// looked after again on start (caseload.period.started): an open record
// closes RETURNED_TO_CARE that day. Reports for a closed record, or of the
// period whose end opened it, change nothing.
func (s *Service) PeriodStarted(tx Tx, childID, periodID string, start clock.Date) (bool, error) {
	c, ok, err := tx.CareLeaver(childID)
	if err != nil || !ok || !c.IsOpen() || (periodID != "" && periodID == c.PeriodID) || start.Before(c.Opened) {
		return false, err
	}
	return true, s.close(tx, c, start, ReturnedToCare)
}

// PeriodReopened applies caseload's correction striking out the end of the
// period whose end opened the record (caseload.care.corrected,
// reopen_period): the young person never left care, so the record closes
// RETURNED_TO_CARE on the day it opened (it was never open on any day).
func (s *Service) PeriodReopened(tx Tx, childID, periodID string) (bool, error) {
	c, ok, err := tx.CareLeaver(childID)
	if err != nil || !ok || !c.IsOpen() || periodID == "" || periodID != c.PeriodID {
		return false, err
	}
	return true, s.close(tx, c, c.Opened, ReturnedToCare)
}

func (s *Service) close(tx Tx, c *CareLeaver, on clock.Date, why ClosingReason) error {
	if _, err := s.catchUpBand(tx, c, on); err != nil {
		return err
	}
	c.Closed, c.ClosingReason = on, why
	if err := tx.PutCareLeaver(c); err != nil {
		return err
	}
	ev := newEvent(Closed, c, on, s.clock.Now())
	// The band the young person was last counted in: the band on the day,
	// except for a closing backdated before a band change already published,
	// whose count must come out of the band it went into.
	ev.AgeBand, ev.ClosingReason = c.Band, why
	return tx.Emit(ev)
}

// Close closes a record by hand: no longer requires services, died or
// moved away. REACHED_25 is the birthday clock's; RETURNED_TO_CARE follows
// from caseload.
func (s *Service) Close(tx Tx, childID string, on clock.Date, why ClosingReason) (*CareLeaver, error) {
	var v errs.Violations
	switch why {
	case NoLongerRequiresServices, Died, MovedAway:
	default:
		v.Addf("reason", RuleClosingReason, "a record is closed by hand only because the young person no longer requires services, died or moved away, not %s", why)
	}
	notFuture(&v, "closed_date", on, s.Today())
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, err := find(tx, childID)
	if err != nil {
		return nil, err
	}
	switch {
	case !c.IsOpen():
		v.Addf("child_id", RuleRecordClosed, "the record closed on %s (%s)", c.Closed, c.ClosingReason)
	case on.Before(c.Opened):
		v.Addf("closed_date", RuleBeforeOpened, "the record opened on %s", c.Opened)
	case !on.Before(c.TwentyFifthBirthday()):
		v.Addf("closed_date", RuleAge25, "the record closes by itself on the 25th birthday, %s", c.TwentyFifthBirthday())
	}
	if err := v.ConflictErr(); err != nil {
		return nil, err
	}
	return c, s.close(tx, c, on, why)
}

// requireOpen returns a conflict when the record is closed.
func requireOpen(c *CareLeaver) error {
	if c.IsOpen() {
		return nil
	}
	return errs.Conflict(errs.Violation{Field: "child_id", Rule: RuleRecordClosed,
		Message: "the record closed on " + c.Closed.String() + " (" + c.ClosingReason.String() + ")"})
}

// AllocateAdviser allocates a personal adviser from start; the current
// allocation ends that day and stays in the history.
func (s *Service) AllocateAdviser(tx Tx, childID, adviserID string, start clock.Date) (AdviserAllocation, error) {
	var v errs.Violations
	notFuture(&v, "start_date", start, s.Today())
	if err := v.Err(); err != nil {
		return AdviserAllocation{}, err
	}
	c, err := find(tx, childID)
	if err != nil {
		return AdviserAllocation{}, err
	}
	if err := requireOpen(c); err != nil {
		return AdviserAllocation{}, err
	}
	if cur, ok := c.CurrentAdviser(); ok {
		switch {
		case cur.AdviserID == adviserID:
			v.Addf("adviser_id", RuleSameAdviser, "%s has been the personal adviser since %s", adviserID, cur.Start)
		case start.Before(cur.Start):
			v.Addf("start_date", RuleAdviserOrder, "the current allocation started on %s", cur.Start)
		}
		if err := v.ConflictErr(); err != nil {
			return AdviserAllocation{}, err
		}
		c.Advisers[len(c.Advisers)-1].End = start
	}
	a := AdviserAllocation{AdviserID: adviserID, Start: start}
	c.Advisers = append(c.Advisers, a)
	if err := tx.PutCareLeaver(c); err != nil {
		return AdviserAllocation{}, err
	}
	ev := newEvent(AdviserChanged, c, start, s.clock.Now())
	ev.AdviserID = adviserID
	return a, tx.Emit(ev)
}

// RecordReview records a pathway plan review on d (not in the future). The
// same date twice is recorded once.
func (s *Service) RecordReview(tx Tx, childID string, d clock.Date) (*CareLeaver, error) {
	var v errs.Violations
	today := s.Today()
	notFuture(&v, "review_date", d, today)
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, err := find(tx, childID)
	if err != nil {
		return nil, err
	}
	if err := requireOpen(c); err != nil {
		return nil, err
	}
	i, found := slices.BinarySearchFunc(c.Reviews, d, clock.Date.Compare)
	if found {
		return c, nil
	}
	c.Reviews = slices.Insert(c.Reviews, i, d)
	return c, tx.PutCareLeaver(c)
}

// CheckContact checks a contact against the record and the 903 rules
// (pkg/ssda903.CheckContact: 131–133, 153, 344, 345, 351, 1000, 1011,
// 3001). Rules 391, 1007 and 1016 decide the OC3 cohort and never refuse a
// contact. It is pure, so the server runs it before the write transaction
// and the transaction runs it again on the record as it then stands.
func (s *Service) CheckContact(c *CareLeaver, in Contact) error {
	vs := ssda903.CheckContact(ssda903.Contact{Date: in.Date, InTouch: in.InTouch, Activity: in.Activity,
		Accommodation: in.Accommodation}, c.DOB, c.ReasonCareCeased, s.Today())
	if !c.IsOpen() {
		vs = append(vs, errs.Violation{Field: "child_id", Rule: RuleRecordClosed,
			Message: "the record closed on " + c.Closed.String() + " (" + c.ClosingReason.String() + ")"})
	} else if !in.Date.IsZero() && in.Date.Before(c.Opened) {
		vs = append(vs, errs.Violation{Field: "contact_date", Rule: RuleBeforeOpened,
			Message: "the record opened on " + c.Opened.String()})
	}
	return contactErr(vs)
}

// contactErr is ssda903.Err with this service's record conflicts counted as
// conflicts too.
func contactErr(vs []errs.Violation) error {
	if len(vs) == 0 {
		return nil
	}
	for _, v := range vs {
		if ssda903.IsConflict(v) || v.Rule == RuleRecordClosed || v.Rule == RuleBeforeOpened {
			return errs.Conflict(vs...)
		}
	}
	return errs.Invalid(vs...)
}

// RecordContact records a keeping-in-touch contact (in carries its id and
// recording time) and publishes it, saying whether it is now the latest.
func (s *Service) RecordContact(tx Tx, childID string, in Contact) (Contact, bool, error) {
	c, err := find(tx, childID)
	if err != nil {
		return Contact{}, false, err
	}
	if err := s.CheckContact(c, in); err != nil {
		return Contact{}, false, err
	}
	date, id, ok, err := tx.LatestContactKey(childID)
	if err != nil {
		return Contact{}, false, err
	}
	isLatest := !ok || in.After(Contact{Date: date, ID: id})
	if err := tx.PutContact(childID, in); err != nil {
		return Contact{}, false, err
	}
	ev := newEvent(ContactAdded, c, in.Date, in.Recorded)
	ev.Contact, ev.IsLatest = in, isLatest
	return in, isLatest, tx.Emit(ev)
}

// CheckEntitlement checks an entitlement's ages: 16 ≤ min ≤ max ≤ 24.
func CheckEntitlement(e Entitlement) error {
	var v errs.Violations
	if e.MinAge < EntitlementMinAge || e.MinAge > EntitlementMaxAge {
		v.Addf("entitlement.min_age", "range", "min_age must be %d to %d", EntitlementMinAge, EntitlementMaxAge)
	}
	if e.MaxAge < EntitlementMinAge || e.MaxAge > EntitlementMaxAge {
		v.Addf("entitlement.max_age", "range", "max_age must be %d to %d", EntitlementMinAge, EntitlementMaxAge)
	} else if e.MaxAge < e.MinAge {
		v.Add("entitlement.max_age", "range", "max_age must not be below min_age")
	}
	return v.Err()
}

// PublishEntitlement adds or replaces an entitlement of the Local Offer.
func (s *Service) PublishEntitlement(tx Tx, e Entitlement) (Entitlement, error) {
	if err := CheckEntitlement(e); err != nil {
		return Entitlement{}, err
	}
	return e, tx.PutEntitlement(e)
}

// RecordTakeUp records a care leaver taking up an entitlement: the record
// open on the date, and the young person's age on it within the
// entitlement's ages.
func (s *Service) RecordTakeUp(tx Tx, t TakeUp) error {
	var v errs.Violations
	notFuture(&v, "take_up.take_up_date", t.Date, s.Today())
	if err := v.Err(); err != nil {
		return err
	}
	c, err := find(tx, t.ChildID)
	if err != nil {
		return err
	}
	e, ok, err := tx.Entitlement(t.EntitlementID)
	if err != nil {
		return err
	}
	if !ok {
		return errs.NotFoundf("no entitlement %q in the Local Offer", t.EntitlementID)
	}
	if !c.OpenOn(t.Date) {
		v.Addf("take_up.take_up_date", RuleRecordClosed, "the care-leaver record is not open on %s", t.Date)
	}
	if age := c.AgeOn(t.Date); age < e.MinAge || age > e.MaxAge {
		v.Addf("take_up.take_up_date", RuleEntitlementAge, "the young person is %d on %s; %q is for ages %d to %d",
			age, t.Date, e.ID, e.MinAge, e.MaxAge)
	}
	if err := v.ConflictErr(); err != nil {
		return err
	}
	if dup, err := tx.TakeUpExists(t); err != nil || dup {
		if dup {
			return errs.AlreadyExistsf("the take-up of %q by %s on %s is already recorded", t.EntitlementID, t.ChildID, t.Date)
		}
		return err
	}
	return tx.PutTakeUp(t)
}
