package app

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/metrics"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// PlacementDurable is the durable name of caseload's consumer of the
// PLACEMENT stream (architecture "Streams and subjects").
const PlacementDurable = "caseload-placement"

// registerPlacementConsumer adds the consumer task and its lag gauge.
func (a *App) registerPlacementConsumer() error {
	js := a.rt.JetStream()
	if _, err := metrics.ConsumerLag(a.rt.Registry(), PlacementDurable, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		lag, err := events.ConsumerLagByName(ctx, js, events.StreamPlacement, PlacementDurable)
		if err != nil {
			return -1
		}
		return float64(lag)
	}); err != nil {
		return err
	}
	a.rt.Go("placement-consumer", a.consumePlacements)
	return nil
}

// consumePlacements keeps caseload's copy of every child's placements from
// the PLACEMENT stream. pkg/events.Consume applies each batch in one bbolt
// transaction that also records the event ids, so each event changes the
// copy once; the copy is also idempotent by placement id (caseload.
// ApplyPlacement), so a re-publish with a new id changes nothing either.
// Until the placement service has created the stream, Consume retries.
func (a *App) consumePlacements(ctx context.Context) error {
	return events.Consume(ctx, a.rt.JetStream(), a.rt.DB(), events.ConsumerSpec{
		Stream:  events.StreamPlacement,
		Durable: PlacementDurable,
		Logger:  a.rt.Logger(),
	}, a.applyPlacement)
}

// applyPlacement applies one placement event inside the consumer's
// transaction; the child's record reaches the in-memory copy when that
// transaction commits.
//
// A child caseload does not know is logged and skipped, not dead-lettered:
// the placement service asks caseload for the child's care timeline before
// every write, so the child existed when the event was made; an unknown id
// means caseload's file no longer has the child (say, restored from a backup
// older than the registration), there is no record to keep the placement in,
// and setting the event aside would only page someone for a state the
// restore created. A malformed event (undecodable, no date, no placement id)
// is a poison event: pkg/events logs it and keeps it as a dead letter.
func (a *App) applyPlacement(btx *bolt.Tx, ev events.Delivered) error {
	pe, err := placementEvent(ev)
	if err != nil {
		return err
	}
	_, err = a.svc.ApplyPlacement(a.store.InTx(btx), pe)
	if errs.KindOf(err) == errs.KindNotFound {
		a.rt.Logger().Warn("placement event for a child caseload does not know; skipped",
			"event_id", ev.ID, "subject", ev.Subject, "child_id", pe.ChildID)
		return nil
	}
	return err
}

// placementEvent decodes a PLACEMENT message into the domain's event.
func placementEvent(ev events.Delivered) (caseload.PlacementEvent, error) {
	var m placementv1.PlacementEvent
	if err := proto.Unmarshal(ev.Data, &m); err != nil {
		return caseload.PlacementEvent{}, fmt.Errorf("decode %s: %w", ev.Subject, err)
	}
	d, err := clock.ParseDate(m.GetEffectiveDate())
	if err != nil {
		return caseload.PlacementEvent{}, fmt.Errorf("%s: effective date: %w", ev.Subject, err)
	}
	pe := caseload.PlacementEvent{ChildID: m.GetChildId(), Date: d}
	changed := func(k caseload.PlacementEventKind, c *placementv1.PlacementChanged) {
		prev := placementFacts(c.GetPrevious())
		pe.Kind, pe.Placement, pe.Previous, pe.Reason = k, placementFacts(c.GetPlacement()), &prev, c.GetReasonForChange()
	}
	switch k := m.GetKind().(type) {
	case *placementv1.PlacementEvent_Started:
		pe.Kind, pe.Placement = caseload.PlacementStarted, placementFacts(k.Started.GetPlacement())
	case *placementv1.PlacementEvent_Changed:
		changed(caseload.PlacementChanged, k.Changed)
	case *placementv1.PlacementEvent_Ended:
		pe.Kind, pe.Placement = caseload.PlacementEnded, placementFacts(k.Ended.GetPlacement())
	case *placementv1.PlacementEvent_TemporaryStarted:
		pe.Kind, pe.Placement = caseload.TemporaryPlacementStarted, placementFacts(k.TemporaryStarted.GetPlacement())
	case *placementv1.PlacementEvent_TemporaryEnded:
		changed(caseload.TemporaryPlacementEnded, k.TemporaryEnded)
	default:
		return caseload.PlacementEvent{}, fmt.Errorf("%s: no event kind", ev.Subject)
	}
	return pe, nil
}

func placementFacts(f *placementv1.PlacementFacts) caseload.PlacementFacts {
	return caseload.PlacementFacts{
		ID: f.GetPlacementId(), Place: f.GetPlacementType(), Provider: f.GetProvider(), URN: f.GetUrn(),
		CarerID: f.GetCarerId(), Location: locationCode(f.GetLocation()), DistanceBand: distanceBand(f.GetDistanceBand()),
	}
}

// locationCode is 903 PL_LOCATION for the contract's Location.
func locationCode(l placementv1.Location) string {
	switch l {
	case placementv1.Location_LOCATION_INSIDE:
		return "IN"
	case placementv1.Location_LOCATION_OUTSIDE:
		return "OUT"
	}
	return ""
}

// distanceBand is the codes distance band for the contract's DistanceBand.
func distanceBand(b placementv1.DistanceBand) string {
	switch b {
	case placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS:
		return codes.Distance20OrLess
	case placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES:
		return codes.DistanceOver20
	}
	return codes.DistanceNotKnown
}
