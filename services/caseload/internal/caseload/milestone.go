package caseload

import "github.com/corporate-parenting/suite/pkg/clock"

// MilestoneAges are the birthdays caseload publishes for a child looked after
// on the day: 10 (the age of criminal responsibility, from which youth
// justice legal statuses J1–J3 apply, rule 358), 16 (the leaving-care
// provisions begin) and 18 (adulthood: care normally ends).
var MilestoneAges = []int{10, 16, 18}

// MilestonesOn returns the milestone ages the child reaches on d while
// looked after on d (none for most children on most days).
func MilestonesOn(c *Child, d clock.Date) []int {
	var ages []int
	for _, age := range MilestoneAges {
		if c.DOB.Birthday(age) == d {
			ages = append(ages, age)
		}
	}
	if len(ages) == 0 || c.PeriodOn(d) == nil {
		return nil
	}
	return ages
}

// PublishMilestones publishes caseload.age.milestone for each milestone the
// child reaches on d and has not had published, recording each in the same
// transaction so it is published exactly once, also across restarts. It
// returns how many it published.
func (s *Service) PublishMilestones(tx MilestoneTx, id string, d clock.Date) (int, error) {
	c, err := tx.Child(id)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, age := range MilestonesOn(c, d) {
		done, err := tx.MilestonePublished(id, age)
		if err != nil {
			return n, err
		}
		if done {
			continue
		}
		if err := tx.RecordMilestone(id, age, d); err != nil {
			return n, err
		}
		ev := newEvent(AgeMilestone, c, d, s.clock.Now())
		ev.Age = age
		if err := tx.Emit(ev); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
