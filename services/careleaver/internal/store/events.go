package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
)

// SubjectPrefix starts every subject the service publishes on.
const SubjectPrefix = "careleaver."

// Subject is the subject an event kind is published on.
func Subject(k careleaver.EventKind) string { return SubjectPrefix + string(k) }

// appendEvent writes the event as an outbox row in tx (pkg/events stamps
// the event id into the envelope and the Nats-Msg-Id header alike).
func appendEvent(tx *bolt.Tx, e careleaver.Event) error {
	msg, err := EventPB(e)
	if err != nil {
		return err
	}
	_, err = events.AppendEvent(tx, Subject(e.Kind), msg)
	return err
}

// EventPB is the contract's message for a domain event (without its
// event id, which AppendEvent stamps).
func EventPB(e careleaver.Event) (*careleaverv1.CareLeaverEvent, error) {
	msg := &careleaverv1.CareLeaverEvent{
		ChildId:       e.ChildID,
		EffectiveDate: e.Effective.String(),
		MonthOfBirth:  e.MonthOfBirth,
		AgeBand:       e.AgeBand,
		OccurTime:     timestamppb.New(e.At),
	}
	switch e.Kind {
	case careleaver.Registered:
		msg.Kind = &careleaverv1.CareLeaverEvent_Registered{Registered: &careleaverv1.CareLeaverRegistered{
			Category: CategoryPB(e.Category), ReasonCareCeased: e.ReasonCareCeased, StayingPut: e.StayingPut}}
	case careleaver.ContactAdded:
		msg.Kind = &careleaverv1.CareLeaverEvent_ContactRecorded{ContactRecorded: &careleaverv1.ContactRecorded{
			ContactId: e.Contact.ID, InTouch: e.Contact.InTouch, Activity: e.Contact.Activity,
			Accommodation: e.Contact.Accommodation, IsLatest: e.IsLatest}}
	case careleaver.AdviserChanged:
		msg.Kind = &careleaverv1.CareLeaverEvent_AdviserChanged{AdviserChanged: &careleaverv1.AdviserChanged{AdviserId: e.AdviserID}}
	case careleaver.AgeBandChanged:
		msg.Kind = &careleaverv1.CareLeaverEvent_AgeBandChanged{AgeBandChanged: &careleaverv1.AgeBandChanged{PreviousAgeBand: e.PreviousAgeBand}}
	case careleaver.Closed:
		msg.Kind = &careleaverv1.CareLeaverEvent_Closed{Closed: &careleaverv1.CareLeaverClosed{Reason: ClosingReasonPB(e.ClosingReason)}}
	default:
		return nil, fmt.Errorf("store: unknown event kind %q", e.Kind)
	}
	return msg, nil
}

// CategoryPB is the contract's value of a category.
func CategoryPB(c careleaver.Category) careleaverv1.CareLeaverCategory {
	switch c {
	case careleaver.Relevant:
		return careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_RELEVANT
	case careleaver.FormerRelevant:
		return careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_FORMER_RELEVANT
	}
	return careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_UNSPECIFIED
}

var closingReasons = map[careleaver.ClosingReason]careleaverv1.ClosingReason{
	careleaver.NotClosed:                careleaverv1.ClosingReason_CLOSING_REASON_UNSPECIFIED,
	careleaver.Reached25:                careleaverv1.ClosingReason_CLOSING_REASON_REACHED_25,
	careleaver.NoLongerRequiresServices: careleaverv1.ClosingReason_CLOSING_REASON_NO_LONGER_REQUIRES_SERVICES,
	careleaver.Died:                     careleaverv1.ClosingReason_CLOSING_REASON_DIED,
	careleaver.MovedAway:                careleaverv1.ClosingReason_CLOSING_REASON_MOVED_AWAY,
	careleaver.ReturnedToCare:           careleaverv1.ClosingReason_CLOSING_REASON_RETURNED_TO_CARE,
}

// ClosingReasonPB is the contract's value of a closing reason.
func ClosingReasonPB(r careleaver.ClosingReason) careleaverv1.ClosingReason { return closingReasons[r] }

// ClosingReasonFromPB is the domain's closing reason; ok is false for a
// value the contract does not define.
func ClosingReasonFromPB(r careleaverv1.ClosingReason) (careleaver.ClosingReason, bool) {
	for k, v := range closingReasons {
		if v == r {
			return k, true
		}
	}
	return 0, false
}
