package caseload

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Service carries out the caseload's writes. Each method reads and writes
// only through the Tx it is given (it may be re-run by group commit) and
// returns a typed error from pkg/errs when it refuses.
type Service struct {
	clock clock.Clock
	newID func() string
}

// NewService returns a Service reading time from clk and issuing UUIDv7 ids.
func NewService(clk clock.Clock) *Service {
	return &Service{clock: clk, newID: func() string { return uuid.Must(uuid.NewV7()).String() }}
}

// Today is the Europe/London date by the service's clock.
func (s *Service) Today() clock.Date { return clock.Today(s.clock) }

// Registration is what RegisterChild records.
type Registration struct {
	LAChildID  string
	GivenName  string
	FamilyName string
	DOB        clock.Date
	Sex        string
	Ethnicity  string
	UPN        string
}

// Register records a new child and issues their pseudonymous id.
func (s *Service) Register(tx Tx, r Registration) (*Child, error) {
	now := s.clock.Now()
	today := clock.DateOf(now)
	if err := ssda903.Err(ssda903.CheckChildDetails(r.Sex, r.DOB, today)); err != nil {
		return nil, err
	}
	if _, ok, err := tx.ChildIDByLAChildID(r.LAChildID); err != nil {
		return nil, err
	} else if ok {
		return nil, errs.AlreadyExistsf("a child with la_child_id %q is already registered", r.LAChildID)
	}
	c := &Child{
		ID: s.newID(), LAChildID: r.LAChildID, GivenName: r.GivenName, FamilyName: r.FamilyName,
		DOB: r.DOB, Sex: r.Sex, Ethnicity: r.Ethnicity, UPN: r.UPN,
		Created: now, Updated: now, Revision: 1,
	}
	if err := tx.PutChild(c); err != nil {
		return nil, err
	}
	ev := newEvent(ChildRegistered, c, today, now)
	ev.Sex, ev.Ethnicity = c.Sex, c.Ethnicity
	return c, tx.Emit(ev)
}

// DetailsUpdate changes a child's details; a zero field is left unchanged.
type DetailsUpdate struct {
	GivenName  string
	FamilyName string
	DOB        clock.Date
	Sex        string
	Ethnicity  string
	UPN        string
}

// UpdateDetails changes a child's details. A corrected date of birth is
// refused if the child's care history would then break a DfE rule.
func (s *Service) UpdateDetails(tx Tx, id string, u DetailsUpdate) (*Child, error) {
	now := s.clock.Now()
	today := clock.DateOf(now)
	c, err := tx.Child(id)
	if err != nil {
		return nil, err
	}
	dob := c.DOB
	if !u.DOB.IsZero() {
		dob = u.DOB
	}
	vs := ssda903.CheckChildDetails(u.Sex, dob, today)
	if dob != c.DOB {
		// Every rule that reads the date of birth, over the whole history.
		vs = append(vs, ssda903.CheckDateOfBirth(c.Timeline(), c.placements(), dob, today)...)
	}
	if err := ssda903.Err(vs); err != nil {
		return nil, err
	}
	before := Child{Sex: c.Sex, Ethnicity: c.Ethnicity, DOB: c.DOB}
	set := func(dst *string, val string) {
		if val != "" {
			*dst = val
		}
	}
	set(&c.GivenName, u.GivenName)
	set(&c.FamilyName, u.FamilyName)
	set(&c.Sex, u.Sex)
	set(&c.Ethnicity, u.Ethnicity)
	set(&c.UPN, u.UPN)
	c.DOB = dob
	if err := s.put(tx, c, now); err != nil {
		return nil, err
	}
	// Events carry sex, ethnicity and month of birth; when one of them
	// changed, consumers (metrics) must hear of it. So must the care-leaver
	// service when the date of birth changed at all: it keeps the date for
	// ages and age bands, and fetches it again on this event.
	if before.Sex == c.Sex && before.Ethnicity == c.Ethnicity && before.DOB == c.DOB {
		return c, nil
	}
	ev := newEvent(ChildUpdated, c, today, now)
	ev.Sex, ev.Ethnicity = c.Sex, c.Ethnicity
	ev.DOBCorrected = before.DOB != c.DOB
	if m := before.MonthOfBirth(); m != c.MonthOfBirth() {
		ev.PreviousMonth = m
	}
	return c, tx.Emit(ev)
}

// SetUASC records UASC status from an effective date (today when zero, or
// the date the status ceased when that is given).
func (s *Service) SetUASC(tx Tx, id string, u UASC, effective clock.Date) (*Child, error) {
	now := s.clock.Now()
	today := clock.DateOf(now)
	if effective.IsZero() {
		effective = today
		if !u.Ceased.IsZero() {
			effective = u.Ceased
		}
	}
	var v errs.Violations
	checkNotFuture(&v, "uasc.ceased_date", u.Ceased, today)
	checkNotFuture(&v, "effective_date", effective, today)
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, err := tx.Child(id)
	if err != nil {
		return nil, err
	}
	if err := ssda903.Err(ssda903.CheckUASC(c.DOB, u.IsUASC, u.Ceased)); err != nil {
		return nil, err
	}
	c.UASC = u
	if err := s.put(tx, c, now); err != nil {
		return nil, err
	}
	ev := newEvent(UASCChanged, c, effective, now)
	ev.UASC = c.IsUASCOn(effective)
	return c, tx.Emit(ev)
}

// StartPeriod records that the child started to be looked after on start
// (903 DECOM, RNE S) under legal status ls with category of need cin.
func (s *Service) StartPeriod(tx Tx, id string, start clock.Date, ls, cin string) (*Child, *Period, error) {
	now := s.clock.Now()
	c, err := tx.Child(id)
	if err != nil {
		return nil, nil, err
	}
	if err := ssda903.Err(ssda903.CheckStartPeriod(c.Timeline(), start, ls, cin, clock.DateOf(now))); err != nil {
		return nil, nil, err
	}
	p := Period{ID: s.newID(), Start: start, CategoryOfNeed: cin,
		Spells: []Spell{{ID: s.newID(), LegalStatus: ls, Start: start}}}
	c.Periods = append(c.Periods, p)
	// Rules 142/501 keep a new period after every other one; sorting keeps
	// the order an invariant of the record whatever the rules allow.
	slices.SortStableFunc(c.Periods, func(a, b Period) int { return a.Start.Compare(b.Start) })
	if err := s.put(tx, c, now); err != nil {
		return nil, nil, err
	}
	_, np := c.PeriodByID(p.ID)
	ev := newEvent(PeriodStarted, c, start, now)
	ev.PeriodID, ev.LegalStatus, ev.CategoryOfNeed, ev.UASC = p.ID, ls, cin, c.IsUASCOn(start)
	return c, np, tx.Emit(ev)
}

// ChangeLegalStatus records a new legal status in the open period from
// effective (a new 903 episode, RNE L).
func (s *Service) ChangeLegalStatus(tx Tx, id string, effective clock.Date, ls string) (*Child, *Period, error) {
	now := s.clock.Now()
	c, err := tx.Child(id)
	if err != nil {
		return nil, nil, err
	}
	vs := ssda903.CheckChangeLegalStatus(c.Timeline(), c.placements(), effective, ls, clock.DateOf(now))
	if err := ssda903.Err(vs); err != nil {
		return nil, nil, err
	}
	p := c.LastPeriod() // the open period: the check refuses a child with none
	prev := p.CurrentLegalStatus()
	p.Spells = append(p.Spells, Spell{ID: s.newID(), LegalStatus: ls, Start: effective})
	// The new status starts after every live one (the check says so), but
	// perhaps before a struck-out one: keep the history in date order.
	slices.SortStableFunc(p.Spells, func(a, b Spell) int { return a.Start.Compare(b.Start) })
	if err := s.put(tx, c, now); err != nil {
		return nil, nil, err
	}
	ev := newEvent(LegalStatusChanged, c, effective, now)
	ev.PeriodID, ev.PreviousLegalStatus, ev.LegalStatus = p.ID, prev, ls
	return c, p, tx.Emit(ev)
}

// EndPeriod records that the open period ended on end (903 DEC) for reason
// rec (an E-code). It returns the young person's leaving-care status: see
// LeavingCareOnEnd.
func (s *Service) EndPeriod(tx Tx, id string, end clock.Date, rec string) (*Child, *Period, LeavingCareStatus, error) {
	now := s.clock.Now()
	c, err := tx.Child(id)
	if err != nil {
		return nil, nil, 0, err
	}
	vs := ssda903.CheckEndPeriod(c.Timeline(), c.placements(), end, rec, clock.DateOf(now))
	if err := ssda903.Err(vs); err != nil {
		return nil, nil, 0, err
	}
	p := c.LastPeriod()
	p.End, p.ReasonCeased = end, rec
	if err := s.put(tx, c, now); err != nil {
		return nil, nil, 0, err
	}
	lcs := LeavingCareOnEnd(c, end)
	ev := newEvent(PeriodEnded, c, end, now)
	ev.PeriodID, ev.ReasonCeased, ev.LegalStatus = p.ID, rec, p.CurrentLegalStatus()
	ev.LeavingCare, ev.Age = lcs, clock.AgeOn(c.DOB, end)
	return c, p, lcs, tx.Emit(ev)
}

// LeavingCareOnEnd is the leaving-care status reported when a period ends on
// end: Eligible when the young person leaves care as a care leaver (they are
// relevant or former relevant on the end date), otherwise None.
func LeavingCareOnEnd(c *Child, end clock.Date) LeavingCareStatus {
	switch LegalCategoryOn(c, end).LeavingCare {
	case Relevant, FormerRelevant:
		return Eligible
	}
	return LeavingCareNone
}

// StrikeSpell strikes out a legal status spell recorded in error; the
// previous spell continues in its place. The spell is kept, marked
// corrected, and the correction is recorded with its reason.
func (s *Service) StrikeSpell(tx Tx, id, spellID, reason string) (*Child, *Period, error) {
	now := s.clock.Now()
	today := clock.DateOf(now)
	before, err := tx.Child(id)
	if err != nil {
		return nil, nil, err
	}
	c := before.Clone()
	const field = "strike_legal_status_spell_id"
	pi, si := -1, -1
	for i := range c.Periods {
		for j, sp := range c.Periods[i].Spells {
			if sp.ID == spellID {
				pi, si = i, j
			}
		}
	}
	if pi < 0 {
		return nil, nil, errs.NotFoundf("child %s has no legal status spell %q", id, spellID)
	}
	p := &c.Periods[pi]
	sp := p.Spells[si]
	if sp.Corrected {
		return nil, nil, errs.Conflict(errs.Violation{Field: field, Rule: "already_corrected",
			Message: "the spell was already struck out"})
	}
	first := true
	for _, o := range p.Spells[:si] {
		if !o.Corrected {
			first = false
		}
	}
	if first {
		return nil, nil, errs.Conflict(errs.Violation{Field: field, Rule: "first_spell",
			Message: "the first legal status of a period cannot be struck out; correct the period instead"})
	}
	p.Spells[si].Corrected = true
	c.Corrections = append(c.Corrections, Correction{Kind: StrikeLegalStatusSpell, TargetID: spellID,
		PeriodID: p.ID, Reason: reason, At: now, PriorLegalStatus: sp.LegalStatus, PriorDate: sp.Start})
	if err := ssda903.Err(recheck(before, c, field, today)); err != nil {
		return nil, nil, err
	}
	if err := s.put(tx, c, now); err != nil {
		return nil, nil, err
	}
	p = &c.Periods[pi]
	ev := newEvent(CareCorrected, c, sp.Start, now)
	ev.PeriodID, ev.CorrectionKind = p.ID, StrikeLegalStatusSpell
	ev.LegalStatus = p.LegalStatusOn(sp.Start)
	ev.LookedAfter = c.PeriodOn(sp.Start) != nil
	return c, p, tx.Emit(ev)
}

// ReopenPeriod reopens a period whose end was recorded in error. The end
// date and reason are kept in the correction.
func (s *Service) ReopenPeriod(tx Tx, id, periodID, reason string) (*Child, *Period, error) {
	now := s.clock.Now()
	today := clock.DateOf(now)
	before, err := tx.Child(id)
	if err != nil {
		return nil, nil, err
	}
	c := before.Clone()
	const field = "reopen_period_id"
	pi, p := c.PeriodByID(periodID)
	if p == nil {
		return nil, nil, errs.NotFoundf("child %s has no period of care %q", id, periodID)
	}
	if p.Open() {
		return nil, nil, errs.Conflict(errs.Violation{Field: field, Rule: "open_period",
			Message: "the period of care has not ended"})
	}
	end, rec := p.End, p.ReasonCeased
	p.End, p.ReasonCeased = clock.Date{}, ""
	c.Corrections = append(c.Corrections, Correction{Kind: ReopenPeriod, TargetID: periodID,
		PeriodID: periodID, Reason: reason, At: now, PriorDate: end, PriorReasonCeased: rec})
	if err := ssda903.Err(recheck(before, c, field, today)); err != nil {
		return nil, nil, err
	}
	if err := s.put(tx, c, now); err != nil {
		return nil, nil, err
	}
	p = &c.Periods[pi]
	ev := newEvent(CareCorrected, c, end, now)
	ev.PeriodID, ev.CorrectionKind = p.ID, ReopenPeriod
	ev.LegalStatus = p.LegalStatusOn(end)
	ev.LookedAfter = c.PeriodOn(end) != nil
	return c, p, tx.Emit(ev)
}

// Allocate allocates the child to a worker and team from start; the current
// allocation ends that day and stays in the history.
func (s *Service) Allocate(tx Tx, id, workerID, teamID string, start clock.Date) (*Child, Allocation, error) {
	now := s.clock.Now()
	today := clock.DateOf(now)
	var v errs.Violations
	checkNotFuture(&v, "start_date", start, today)
	if err := v.Err(); err != nil {
		return nil, Allocation{}, err
	}
	c, err := tx.Child(id)
	if err != nil {
		return nil, Allocation{}, err
	}
	if start.Before(c.DOB) {
		return nil, Allocation{}, errs.Conflict(errs.Violation{Field: "start_date", Rule: "chronology",
			Message: "an allocation cannot start before the child's date of birth"})
	}
	if cur, ok := c.CurrentAllocation(); ok {
		if start.Before(cur.Start) {
			return nil, Allocation{}, errs.Conflict(errs.Violation{Field: "start_date", Rule: "chronology",
				Message: "start_date is before the current allocation started (" + cur.Start.String() + ")"})
		}
		c.Allocations[len(c.Allocations)-1].End = start
	}
	a := Allocation{WorkerID: workerID, TeamID: teamID, Start: start}
	c.Allocations = append(c.Allocations, a)
	if err := s.put(tx, c, now); err != nil {
		return nil, Allocation{}, err
	}
	ev := newEvent(AllocationChanged, c, start, now)
	ev.WorkerID, ev.TeamID = workerID, teamID
	return c, a, tx.Emit(ev)
}

func (s *Service) put(tx Tx, c *Child, now time.Time) error {
	c.Revision++
	c.Updated = now
	return tx.PutChild(c)
}

// checkNotFuture: a date that is not a 903 DECOM or DEC (those are rules
// 354/385 in pkg/ssda903) is not in the future either: a live system
// records what has happened.
func checkNotFuture(v *errs.Violations, field string, d, today clock.Date) {
	if !d.IsZero() && d.After(today) {
		v.Addf(field, ssda903.RuleFutureDate, "%s is in the future (today is %s)", d, today)
	}
}
