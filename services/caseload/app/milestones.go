package app

import (
	"context"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// maxMilestoneCatchUp bounds how many past days a pass looks back at after
// the service was down: a milestone is news on the day, not a year later.
const maxMilestoneCatchUp = 31

// runMilestones publishes caseload.age.milestone for looked-after children
// reaching a milestone age, by the service's own clock (Europe/London):
// every MilestoneInterval it looks at every day since the last day fully
// done, today included (a child may start to be looked after later on their
// birthday). Each milestone is recorded in the same transaction as its
// outbox row, so it is published once per child and age across restarts.
func (a *App) runMilestones(ctx context.Context) error {
	t := time.NewTicker(a.cfg.MilestoneInterval)
	defer t.Stop()
	for {
		if err := a.milestonesPass(ctx); err != nil && ctx.Err() == nil {
			a.rt.Logger().Warn("age milestones pass failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (a *App) milestonesPass(ctx context.Context) error {
	today := clock.Today(a.rt.Clock())
	through, err := a.store.MilestonesScannedThrough()
	if err != nil {
		return err
	}
	from := today
	if !through.IsZero() && through.Before(today) {
		from = through.AddDays(1)
		if earliest := today.AddDays(-maxMilestoneCatchUp); from.Before(earliest) {
			from = earliest
		}
	}
	for d := from; !d.After(today); d = d.AddDays(1) {
		var due []string
		for _, c := range birthdaysOn(a.store, d) {
			if len(caseload.MilestonesOn(c, d)) > 0 {
				due = append(due, c.ID)
			}
		}
		for _, id := range due {
			err := a.store.Write(ctx, "", nil, nil, func(tx caseload.MilestoneTx) error {
				_, err := a.svc.PublishMilestones(tx, id, d)
				return err
			})
			if err != nil {
				return err
			}
		}
	}
	if yesterday := today.AddDays(-1); through.Before(yesterday) {
		return a.store.SetMilestonesScannedThrough(yesterday)
	}
	return nil
}

// birthdaysOn returns the children who may have a birthday on d: born on
// its month and day, and the 29 February children on 28 February and 1
// March (MilestonesOn decides which day their birthday falls on).
func birthdaysOn(st *store.Store, d clock.Date) []*caseload.Child {
	out := st.BornOn(d.M, d.D)
	if (d.M == time.February && d.D == 28) || (d.M == time.March && d.D == 1) {
		out = append(out, st.BornOn(time.February, 29)...)
	}
	return out
}
