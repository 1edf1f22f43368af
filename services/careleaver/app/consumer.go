package app

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

// The caseload events the service acts on; the durable is filtered to them.
var caseloadSubjects = []string{
	"caseload.period.ended",   // an eligible young person left care: open the record
	"caseload.period.started", // they came back into care: close it
	"caseload.care.corrected", // the end that opened it was struck out: close it
	"caseload.child.updated",  // the date of birth was corrected: ages and bands follow it
}

// consumeCaseload applies the CASELOAD stream to the file, each event
// exactly once in effect (pkg/events.Consume records the event id in the
// same transaction as the record it opens or closes). The domain also
// ignores a second report of the same period (by period id), so a message
// re-published with a new Nats-Msg-Id changes nothing either.
func (a *App) consumeCaseload(ctx context.Context) error {
	return events.Consume(ctx, a.rt.JetStream(), a.rt.DB(), events.ConsumerSpec{
		Stream:         events.StreamCaseload,
		Durable:        ConsumerDurable,
		FilterSubjects: caseloadSubjects,
		Logger:         a.rt.Logger(),
		// The transaction may have appended events (registered, closed).
		OnApplied: func(n int) {
			if n > 0 {
				a.rt.Published()
			}
		},
	}, func(tx *bolt.Tx, ev events.Delivered) error { return a.applyCaseload(ctx, tx, ev) })
}

// applyCaseload applies one caseload event inside the consumer's
// transaction. Opening a record for a young person the service has never
// seen, and a corrected date of birth, fetch the date of birth from
// caseload over gRPC (deadline and a
// short retry in caseloadclient); when caseload cannot be reached the error
// is marked events.Retry, so the batch is rolled back and tried again after
// a back-off instead of being set aside. The call holds bbolt's writer for
// its length: a round trip on a good day, at most the client's deadline
// (2 s) if caseload hangs, and a refused connection fails at once; openings
// and corrections are a few a day. An event that cannot be decoded, or that caseload
// contradicts (an unknown child), is a poison event: pkg/events logs it and
// keeps it as a dead letter.
func (a *App) applyCaseload(ctx context.Context, btx *bolt.Tx, ev events.Delivered) error {
	var msg caseloadv1.CaseloadEvent
	if err := proto.Unmarshal(ev.Data, &msg); err != nil {
		return fmt.Errorf("decode %s: %w", ev.Subject, err)
	}
	d, err := clock.ParseDate(msg.GetEffectiveDate())
	if err != nil {
		return fmt.Errorf("%s: effective date: %w", ev.Subject, err)
	}
	tx := a.store.InTx(btx)
	childID := msg.GetChildId()
	switch k := msg.GetKind().(type) {
	case *caseloadv1.CaseloadEvent_PeriodEnded:
		p := k.PeriodEnded
		if p.GetLeavingCareStatus() != caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE {
			return nil
		}
		_, err = a.svc.PeriodEnded(ctx, tx, childID, p.GetPeriodId(), d, p.GetReasonCeased())
	case *caseloadv1.CaseloadEvent_PeriodStarted:
		_, err = a.svc.PeriodStarted(tx, childID, k.PeriodStarted.GetPeriodId(), d)
	case *caseloadv1.CaseloadEvent_ChildUpdated:
		// Caseload before date_of_birth_corrected reported only a change
		// of month.
		if u := k.ChildUpdated; u.GetDateOfBirthCorrected() || u.GetPreviousMonthOfBirth() != "" {
			_, err = a.svc.DateOfBirthCorrected(ctx, tx, childID, d)
		}
	case *caseloadv1.CaseloadEvent_CareCorrected:
		c := k.CareCorrected
		if c.GetCorrectionKind() == "reopen_period" && c.GetLookedAfter() {
			_, err = a.svc.PeriodReopened(tx, childID, c.GetPeriodId())
		}
	}
	if errs.KindOf(err) == errs.KindUnavailable {
		return events.Retry(err)
	}
	return err
}
