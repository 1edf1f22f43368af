package seed_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/suite/seed"
)

// TestPlanPassesThe903Rules replays every write of the plan, as encoded,
// through the checks the services make (pkg/ssda903), with the care and
// placement timelines the services will hold — caseload's copy of the
// placements included, as if it were always up to date — and "today" the
// as-at date (the services' today is that or later, which can only refuse
// less). Any violation is a write a service would refuse.
func TestPlanPassesThe903Rules(t *testing.T) {
	for _, tc := range planCases {
		t.Run(fmt.Sprintf("%s/seed%d", tc.asAt, tc.seed), func(t *testing.T) {
			plan := seed.Plan(clock.MustParseDate(tc.asAt), tc.seed)
			for _, c := range plan.Children {
				if err := replay(plan, c); err != nil {
					t.Errorf("child %s (%s, born %s): %v", c.Key, c.Cohort, c.DOB, err)
				}
			}
		})
	}
}

func replay(plan *seed.Scenario, c *seed.Child) error {
	now := plan.AsAt
	care := ssda903.CareTimeline{DOB: c.DOB}
	var pl ssda903.PlacementTimeline
	ctx := func() ssda903.PlacementContext {
		return ssda903.PlacementContext{Care: care, Placements: pl, CouncilLA: plan.CouncilLA, Now: now}
	}
	spell := func(d clock.Date, p *seed.Placement) ssda903.PlacementSpell {
		s := ssda903.PlacementSpell{ID: fmt.Sprint(len(pl)), Place: p.Type, Provider: p.Provider, URN: p.URN, CarerID: p.CarerID,
			PlacementLA: p.LA, Location: ssda903.Location(p.LA, plan.CouncilLA), Start: d}
		if p.Home != nil && p.Grid != nil {
			miles := codes.DistanceMiles(p.Home.Easting, p.Home.Northing, p.Grid.Easting, p.Grid.Northing)
			s.Distance = &miles
		}
		return s
	}
	var opened, closed clock.Date
	for i, s := range c.Steps {
		var vs []errs.Violation
		switch s.Op {
		case seed.OpRegister:
			vs = ssda903.CheckChildDetails(c.Sex, c.DOB, now)
		case seed.OpSetUASC:
			vs = ssda903.CheckUASC(c.DOB, true, s.UASCCeased)
			care.UASC, care.UASCCeased = true, s.UASCCeased
		case seed.OpStartPeriod:
			vs = ssda903.CheckStartPeriod(care, s.Date, s.LegalStatus, s.CategoryOfNeed, now)
			care.Periods = append(care.Periods, ssda903.Period{ID: fmt.Sprint(i), Start: s.Date, CIN: s.CategoryOfNeed,
				Statuses: []ssda903.StatusSpell{{ID: fmt.Sprint(i), LS: s.LegalStatus, Start: s.Date}}})
		case seed.OpChangeLegalStatus:
			vs = ssda903.CheckChangeLegalStatus(care, pl, s.Date, s.LegalStatus, now)
			p := &care.Periods[len(care.Periods)-1]
			p.Statuses = append(p.Statuses, ssda903.StatusSpell{ID: fmt.Sprint(i), LS: s.LegalStatus, Start: s.Date})
		case seed.OpEndPeriod:
			vs = ssda903.CheckEndPeriod(care, pl, s.Date, s.ReasonCeased, now)
			p := &care.Periods[len(care.Periods)-1]
			p.End, p.ReasonCeased = s.Date, s.ReasonCeased
			lc := ssda903.LegalCategory(care, s.Date).LeavingCare
			if eligible := lc == ssda903.LeavingCareRelevant || lc == ssda903.LeavingCareFormerRelevant; eligible != s.ExpectCareLeaver {
				return fmt.Errorf("step %d: leaves care %s on %s; the plan expects care leaver=%v", i, lc, s.Date, s.ExpectCareLeaver)
			}
			if s.ExpectCareLeaver {
				opened, closed = s.Date, clock.Date{}
			}
		case seed.OpStartPlacement:
			sp := spell(s.Date, s.Placement)
			vs = ssda903.CheckStartPlacement(ctx(), sp)
			pl = append(pl, sp)
		case seed.OpChangePlacement:
			sp := spell(s.Date, s.Placement)
			vs = ssda903.CheckChangePlacement(ctx(), sp, s.ReasonForChange)
			cur := pl.Current()
			pl[cur].End, pl[cur].ReasonChange = s.Date, s.ReasonForChange
			pl = append(pl, sp)
		case seed.OpEndPlacement:
			vs = ssda903.CheckEndPlacement(ctx(), s.Date)
			pl[pl.Current()].End = s.Date
		case seed.OpStartTemporary:
			sp := ssda903.PlacementSpell{ID: fmt.Sprint(len(pl)), Place: s.TemporaryType, PlacementLA: s.TemporaryLA,
				Location: ssda903.Location(s.TemporaryLA, plan.CouncilLA), Start: s.Date}
			vs = ssda903.CheckStartTemporaryPlacement(ctx(), sp)
			pl[pl.Current()].End = s.Date
			pl = append(pl, sp)
		case seed.OpEndTemporary:
			vs = ssda903.CheckEndTemporaryPlacement(ctx(), s.Date)
			back, ok := pl.Resume(s.Date)
			if !ok {
				return fmt.Errorf("step %d: nothing to return to from the temporary placement", i)
			}
			pl[pl.Current()].End = s.Date
			back.ID = fmt.Sprint(len(pl))
			pl = append(pl, back)
		case seed.OpContact:
			ct := ssda903.Contact{Date: s.Date, InTouch: s.Contact.InTouch, Activity: s.Contact.Activity, Accommodation: s.Contact.Accommodation}
			vs = ssda903.CheckContact(ct, c.DOB, care.FinalReasonCeased(), now)
		case seed.OpCloseCareLeaver:
			closed = s.Date
		}
		if s.Op.CareLeaverOp() && (opened.IsZero() || s.Date.Before(opened) || !closed.IsZero() && s.Date.After(closed)) {
			return fmt.Errorf("step %d: %s on %s outside the care-leaver record (opened %s, closed %s)", i, s.Op, s.Date, opened, closed)
		}
		if len(vs) > 0 {
			var sb strings.Builder
			for _, v := range vs {
				fmt.Fprintf(&sb, "\n    %s %s: %s", v.Field, v.Rule, v.Message)
			}
			return fmt.Errorf("step %d %s on %s would be refused:%s", i, s.Op, s.Date, sb.String())
		}
	}
	return nil
}
