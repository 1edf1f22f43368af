package careleaver

import "github.com/corporate-parenting/suite/pkg/clock"

// The birthday clock. Age-dependent figures change on birthdays without
// any user's write; this service holds the date of birth, so it publishes
// the change from its own clock (architecture "Ids, dates and time" →
// "Ages"): age_band_changed on the day the band changes (17 into 17_18, 19
// into 19_21, 22 into 22_25) and closed REACHED_25 on the 25th birthday.
//
// The decision is made from the record's state, not from "is today a
// birthday": the record keeps the band it last published and from when
// (Band, BandFrom), written in the same transaction as the event. So a day
// processed twice publishes nothing the second time (exactly once across
// restarts), and a day the service missed is caught up by processing it
// later, with the event dated the birthday itself.

// BirthdayDue reports whether the birthday clock has something to publish
// for c when processing day d.
func BirthdayDue(c *CareLeaver, d clock.Date) bool {
	if !c.IsOpen() || d.Before(c.Opened) {
		return false
	}
	if !d.Before(c.TwentyFifthBirthday()) {
		return true
	}
	return d.After(c.BandFrom) && c.AgeBandOn(d) != c.Band
}

// ApplyBirthday publishes what day d brings for the young person: an age
// band change, dated the birthday the new band began, and on or after the
// 25th birthday the closing of the record, dated that birthday. It returns
// how many events it published (0 when nothing was due, e.g. the day was
// already processed).
func (s *Service) ApplyBirthday(tx Tx, childID string, d clock.Date) (int, error) {
	c, ok, err := tx.CareLeaver(childID)
	if err != nil || !ok || !BirthdayDue(c, d) {
		return 0, err
	}
	n, err := s.catchUpBand(tx, c, d)
	if err != nil {
		return n, err
	}
	if end := c.TwentyFifthBirthday(); !d.Before(end) {
		if end.Before(c.Opened) {
			// Only after a corrected date of birth: the record closes the
			// day it opened, never before.
			end = c.Opened
		}
		c.Closed, c.ClosingReason = end, Reached25
		ev := newEvent(Closed, c, end, s.clock.Now())
		ev.ClosingReason = Reached25
		if err := tx.Emit(ev); err != nil {
			return n, err
		}
		n++
	}
	return n, tx.PutCareLeaver(c)
}

// catchUpBand publishes age_band_changed when the band on d (or on the last
// day of the duty, when d is past it: AgeBand of 26 is "") differs from the
// band last published, dated the birthday the new band began, and updates
// c (the caller writes it). Opening and closing call it too, so whatever
// the birthday clock's timing, every event about a young person carries
// the band the one before it left them in.
func (s *Service) catchUpBand(tx Tx, c *CareLeaver, d clock.Date) (int, error) {
	on := d
	if end := c.TwentyFifthBirthday(); !on.Before(end) {
		on = end.AddDays(-1)
	}
	band := c.AgeBandOn(on)
	if !on.After(c.BandFrom) || band == c.Band {
		return 0, nil
	}
	eff := bandStart(c.DOB, on)
	if !eff.After(c.BandFrom) {
		eff = on
	}
	ev := newEvent(AgeBandChanged, c, eff, s.clock.Now())
	ev.PreviousAgeBand = c.Band
	c.Band, c.BandFrom = band, eff
	return 1, tx.Emit(ev)
}
