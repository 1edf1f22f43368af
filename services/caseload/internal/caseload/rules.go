package caseload

import (
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// The 903 rules are pkg/ssda903's. The checks of a single write
// (CheckStartPeriod, CheckChangeLegalStatus, CheckEndPeriod) look at the
// timeline before the write; a correction or a corrected date of birth
// changes history already written, so it is checked by replaying the whole
// corrected timeline through those same checks, one write at a time, as if
// it were being recorded afresh.

// placements is the child's placement timeline as caseload knows it: its
// copy, fed by the placement service's events (placement.go). The copy lags
// the placement service by the event pipeline, so a legal-status or period
// write checked here sees every placement write that has reached caseload.
func (c *Child) placements() ssda903.PlacementTimeline { return c.PlacementTimeline() }

// replay checks the child's whole care timeline: every period is started,
// changed and ended in order through pkg/ssda903's write checks. A legal
// status equal to the one before it (left behind when a spell between them
// was struck out) continues that status, as the episode merge reads it.
func replay(c *Child, today clock.Date) []errs.Violation {
	full := c.Timeline()
	built := ssda903.CareTimeline{DOB: full.DOB, UASC: full.UASC, UASCCeased: full.UASCCeased}
	var vs []errs.Violation
	for _, p := range full.Periods {
		if len(p.Statuses) == 0 {
			continue
		}
		first := p.Statuses[0]
		vs = append(vs, ssda903.CheckStartPeriod(built, p.Start, first.LS, p.CIN, today)...)
		built.Periods = append(built.Periods, ssda903.Period{ID: p.ID, Start: p.Start, CIN: p.CIN,
			Statuses: []ssda903.StatusSpell{first}})
		cur := &built.Periods[len(built.Periods)-1]
		for _, s := range p.Statuses[1:] {
			if s.LS == cur.Statuses[len(cur.Statuses)-1].LS {
				continue
			}
			vs = append(vs, ssda903.CheckChangeLegalStatus(built, c.placements(), s.Start, s.LS, today)...)
			cur.Statuses = append(cur.Statuses, s)
		}
		if !p.End.IsZero() {
			vs = append(vs, ssda903.CheckEndPeriod(built, c.placements(), p.End, p.ReasonCeased, today)...)
			cur.End, cur.ReasonCeased = p.End, p.ReasonCeased
		}
	}
	return vs
}

// recheck returns the violations the corrected child after has that before
// did not (so a record that predates a rule does not block every later
// correction), each blamed on field: the request field that made the
// change.
func recheck(before, after *Child, field string, today clock.Date) []errs.Violation {
	old := map[[2]string]bool{}
	for _, v := range replay(before, today) {
		old[[2]string{v.Rule, v.Message}] = true
	}
	var out []errs.Violation
	seen := map[[2]string]bool{}
	for _, v := range replay(after, today) {
		k := [2]string{v.Rule, v.Message}
		if old[k] || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, errs.Violation{Field: field, Rule: v.Rule, Message: v.Message})
	}
	return out
}
