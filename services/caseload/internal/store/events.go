package store

import (
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// SubjectPrefix is the prefix of every subject caseload publishes on the
// CASELOAD stream; the rest is the event kind, e.g. caseload.period.started.
const SubjectPrefix = "caseload."

// Subject is the NATS subject of an event kind.
func Subject(k caseload.EventKind) string { return SubjectPrefix + string(k) }

// appendEvent writes e to the outbox as a caseloadv1.CaseloadEvent whose
// event_id is the outbox event id (the Nats-Msg-Id it is published with).
func appendEvent(tx *bolt.Tx, e caseload.Event) error {
	id, err := events.NewID()
	if err != nil {
		return err
	}
	_, err = events.AppendWithID(tx, id, Subject(e.Kind), EventMessage(id, e))
	return err
}

// EventMessage is the CaseloadEvent for e. It carries the pseudonymous child
// id, the date of effect, the month of birth and codes: nothing else about
// the child.
func EventMessage(id string, e caseload.Event) *caseloadv1.CaseloadEvent {
	m := &caseloadv1.CaseloadEvent{
		EventId:       id,
		ChildId:       e.ChildID,
		EffectiveDate: e.Effective.String(),
		MonthOfBirth:  e.MonthOfBirth,
		OccurTime:     timestamppb.New(e.At),
	}
	switch e.Kind {
	case caseload.ChildRegistered:
		m.Kind = &caseloadv1.CaseloadEvent_ChildRegistered{ChildRegistered: &caseloadv1.ChildRegistered{
			Sex: e.Sex, Ethnicity: e.Ethnicity}}
	case caseload.ChildUpdated:
		m.Kind = &caseloadv1.CaseloadEvent_ChildUpdated{ChildUpdated: &caseloadv1.ChildUpdated{
			Sex: e.Sex, Ethnicity: e.Ethnicity, PreviousMonthOfBirth: e.PreviousMonth, DateOfBirthCorrected: e.DOBCorrected}}
	case caseload.PeriodStarted:
		m.Kind = &caseloadv1.CaseloadEvent_PeriodStarted{PeriodStarted: &caseloadv1.PeriodStarted{
			PeriodId: e.PeriodID, LegalStatus: e.LegalStatus, CategoryOfNeed: e.CategoryOfNeed, Uasc: e.UASC}}
	case caseload.LegalStatusChanged:
		m.Kind = &caseloadv1.CaseloadEvent_LegalStatusChanged{LegalStatusChanged: &caseloadv1.LegalStatusChanged{
			PeriodId: e.PeriodID, PreviousLegalStatus: e.PreviousLegalStatus, LegalStatus: e.LegalStatus}}
	case caseload.PeriodEnded:
		m.Kind = &caseloadv1.CaseloadEvent_PeriodEnded{PeriodEnded: &caseloadv1.PeriodEnded{
			PeriodId: e.PeriodID, ReasonCeased: e.ReasonCeased, LegalStatus: e.LegalStatus,
			LeavingCareStatus: LeavingCareStatusPB(e.LeavingCare), AgeAtEnd: int32(e.Age)}}
	case caseload.UASCChanged:
		m.Kind = &caseloadv1.CaseloadEvent_UascChanged{UascChanged: &caseloadv1.UascChanged{IsUasc: e.UASC}}
	case caseload.AllocationChanged:
		m.Kind = &caseloadv1.CaseloadEvent_AllocationChanged{AllocationChanged: &caseloadv1.AllocationChanged{
			WorkerId: e.WorkerID, TeamId: e.TeamID}}
	case caseload.AgeMilestone:
		m.Kind = &caseloadv1.CaseloadEvent_AgeMilestone{AgeMilestone: &caseloadv1.AgeMilestone{Age: int32(e.Age)}}
	case caseload.CareCorrected:
		m.Kind = &caseloadv1.CaseloadEvent_CareCorrected{CareCorrected: &caseloadv1.CareCorrected{
			PeriodId: e.PeriodID, CorrectionKind: string(e.CorrectionKind), LegalStatus: e.LegalStatus,
			LookedAfter: e.LookedAfter}}
	}
	return m
}

// LeavingCareStatusPB is the contract's value of a leaving-care status.
func LeavingCareStatusPB(s caseload.LeavingCareStatus) caseloadv1.LeavingCareStatus {
	switch s {
	case caseload.Eligible:
		return caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE
	case caseload.Relevant:
		return caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_RELEVANT
	case caseload.FormerRelevant:
		return caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_FORMER_RELEVANT
	}
	return caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_NONE
}
