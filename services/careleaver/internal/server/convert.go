package server

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/store"
)

// careLeaverPB is the contract's record as at the view's date. The closing
// shows only once it has happened by that date.
func careLeaverPB(v careleaver.View) *careleaverv1.CareLeaver {
	c := v.Record
	out := &careleaverv1.CareLeaver{
		ChildId:          c.ChildID,
		Category:         store.CategoryPB(v.Category),
		AgeBand:          v.AgeBand,
		MonthOfBirth:     c.MonthOfBirth(),
		OpenedDate:       c.Opened.String(),
		ReasonCareCeased: c.ReasonCareCeased,
		StayingPut:       c.StayingPut(),
		PathwayPlan:      pathwayPlanPB(v.Plan),
		Open:             v.Open,
	}
	if v.HasPA {
		out.PersonalAdviser = allocationPB(v.Adviser)
	}
	if v.HasLatest {
		out.LatestContact = contactPB(v.Latest)
	}
	if v.HasBirthday {
		out.BirthdayContact = contactPB(v.Birthday)
	}
	if !c.IsOpen() && !v.AsAt.Before(c.Closed) {
		out.ClosedDate = c.Closed.String()
		out.ClosingReason = store.ClosingReasonPB(c.ClosingReason)
	}
	return out
}

func pathwayPlanPB(p careleaver.PathwayPlan) *careleaverv1.PathwayPlan {
	return &careleaverv1.PathwayPlan{LastReviewDate: p.LastReview.String(), NextReviewDueDate: p.NextDue.String(), Overdue: p.Overdue}
}

func allocationPB(a careleaver.AdviserAllocation) *careleaverv1.AdviserAllocation {
	return &careleaverv1.AdviserAllocation{AdviserId: a.AdviserID, StartDate: a.Start.String(), EndDate: a.End.String()}
}

func contactPB(c careleaver.Contact) *careleaverv1.Contact {
	return &careleaverv1.Contact{
		ContactId:     c.ID,
		ContactDate:   c.Date.String(),
		InTouch:       c.InTouch,
		Activity:      c.Activity,
		Accommodation: c.Accommodation,
		CreateTime:    timestamppb.New(c.Recorded),
	}
}

func entitlementPB(e careleaver.Entitlement) *careleaverv1.Entitlement {
	return &careleaverv1.Entitlement{EntitlementId: e.ID, Title: e.Title, Description: e.Description,
		MinAge: int32(e.MinAge), MaxAge: int32(e.MaxAge)}
}

func takeUpPB(t careleaver.TakeUp) *careleaverv1.TakeUp {
	return &careleaverv1.TakeUp{ChildId: t.ChildID, EntitlementId: t.EntitlementID, TakeUpDate: t.Date.String()}
}
