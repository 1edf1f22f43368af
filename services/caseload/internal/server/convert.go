package server

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/corporate-parenting/suite/pkg/clock"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// childPB is the contract's view of a child on today.
func childPB(c *caseload.Child, today clock.Date) *caseloadv1.Child {
	m := &caseloadv1.Child{
		ChildId:     c.ID,
		LaChildId:   c.LAChildID,
		GivenName:   c.GivenName,
		FamilyName:  c.FamilyName,
		DateOfBirth: c.DOB.String(),
		Sex:         c.Sex,
		Ethnicity:   c.Ethnicity,
		Upn:         c.UPN,
		Uasc:        uascPB(c.UASC),
		Status:      statusPB(caseload.StatusOn(c, today)),
		CreateTime:  timestamppb.New(c.Created),
		UpdateTime:  timestamppb.New(c.Updated),
	}
	if a, ok := c.CurrentAllocation(); ok {
		m.CurrentAllocation = allocationPB(a)
	}
	if p := c.PeriodOn(today); p != nil {
		m.CurrentPeriod = periodPB(p)
	}
	return m
}

func uascPB(u caseload.UASC) *caseloadv1.UascStatus {
	return &caseloadv1.UascStatus{IsUasc: u.IsUASC, CeasedDate: u.Ceased.String()}
}

func statusPB(s caseload.Status) caseloadv1.ChildStatus {
	switch s {
	case caseload.StatusNotLookedAfter:
		return caseloadv1.ChildStatus_CHILD_STATUS_NOT_LOOKED_AFTER
	case caseload.StatusLookedAfter:
		return caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER
	case caseload.StatusCareLeaver:
		return caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER
	case caseload.StatusClosed:
		return caseloadv1.ChildStatus_CHILD_STATUS_CLOSED
	}
	return caseloadv1.ChildStatus_CHILD_STATUS_UNSPECIFIED
}

func statusFromPB(s caseloadv1.ChildStatus) caseload.Status {
	switch s {
	case caseloadv1.ChildStatus_CHILD_STATUS_NOT_LOOKED_AFTER:
		return caseload.StatusNotLookedAfter
	case caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER:
		return caseload.StatusLookedAfter
	case caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER:
		return caseload.StatusCareLeaver
	case caseloadv1.ChildStatus_CHILD_STATUS_CLOSED:
		return caseload.StatusClosed
	}
	return caseload.StatusUnspecified
}

func periodPB(p *caseload.Period) *caseloadv1.PeriodOfCare {
	m := &caseloadv1.PeriodOfCare{
		PeriodId:       p.ID,
		StartDate:      p.Start.String(),
		EndDate:        p.End.String(),
		ReasonCeased:   p.ReasonCeased,
		CategoryOfNeed: p.CategoryOfNeed,
		LegalStatuses:  make([]*caseloadv1.LegalStatusSpell, len(p.Spells)),
	}
	for i, s := range p.Spells {
		m.LegalStatuses[i] = &caseloadv1.LegalStatusSpell{
			SpellId:     s.ID,
			LegalStatus: s.LegalStatus,
			StartDate:   s.Start.String(),
			EndDate:     p.SpellEnd(i).String(),
			Corrected:   s.Corrected,
		}
	}
	return m
}

func allocationPB(a caseload.Allocation) *caseloadv1.Allocation {
	return &caseloadv1.Allocation{WorkerId: a.WorkerID, TeamId: a.TeamID, StartDate: a.Start.String(), EndDate: a.End.String()}
}

func episodePB(e ssda903.Episode) *caseloadv1.Episode {
	return &caseloadv1.Episode{
		Decom:             e.DECOM.String(),
		ReasonNewEpisode:  e.RNE,
		LegalStatus:       e.LS,
		CategoryOfNeed:    e.CIN,
		PlacementType:     e.Place,
		PlacementProvider: e.PlaceProvider,
		Dec:               e.DEC.String(),
		ReasonCeased:      e.REC,
		ReasonPlaceChange: e.ReasonPlaceChange,
		Urn:               e.URN,
		PlacementLocation: e.PLLocation,
	}
}

func correctionPB(k caseload.Correction) *caseloadv1.Correction {
	return &caseloadv1.Correction{Kind: string(k.Kind), TargetId: k.TargetID, Reason: k.Reason, Time: timestamppb.New(k.At)}
}

func leavingCarePB(s caseload.LeavingCareStatus) caseloadv1.LeavingCareStatus {
	return store.LeavingCareStatusPB(s)
}
