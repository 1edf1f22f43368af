package app

import (
	"context"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
)

// runBirthdays is the birthday clock: every BirthdayInterval it runs a pass
// (TickBirthdays), so each London day by the service's clock is processed
// soon after it begins.
func (a *App) runBirthdays(ctx context.Context) error {
	t := time.NewTicker(a.cfg.BirthdayInterval)
	defer t.Stop()
	for {
		if err := a.TickBirthdays(ctx); err != nil && ctx.Err() == nil {
			a.rt.Logger().Warn("birthday clock pass failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// TickBirthdays runs one pass of the birthday clock now and returns when it
// is done (tests call it after moving the clock). A pass processes every
// day after the last day processed up to today, by the service's clock
// (Europe/London), so days missed while the service was down are caught up
// in order; today is processed again on every pass, since a record may
// open later in the day. For each day it publishes, for every open record
// with something due (careleaver.BirthdayDue), the age band change and the
// closing at 25, each in one transaction with the record's new state, so
// nothing is published twice, whatever restarts.
func (a *App) TickBirthdays(ctx context.Context) error {
	a.birthdayMu.Lock()
	defer a.birthdayMu.Unlock()
	today := clock.Today(a.rt.Clock())
	through, err := a.store.BirthdaysProcessedThrough()
	if err != nil {
		return err
	}
	from := today
	if !through.IsZero() && through.Before(today) {
		from = through.AddDays(1)
	}
	for d := from; !d.After(today); d = d.AddDays(1) {
		ids, err := a.store.DueOn(d)
		if err != nil {
			return err
		}
		for _, id := range ids {
			err := a.store.Write(ctx, "", nil, nil, func(tx careleaver.Tx) error {
				_, err := a.svc.ApplyBirthday(tx, id, d)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	if through.Before(today) {
		return a.store.SetBirthdaysProcessedThrough(today)
	}
	return nil
}
