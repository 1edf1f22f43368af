// Package eventstest builds the caseload, placement and care-leaver events
// and publishes them to JetStream exactly as the producers' outbox relays
// do (subject by kind, Nats-Msg-Id = event id, Cp-Event-Type,
// Cp-Event-Created), so the metrics service can be tested against a real
// in-process JetStream before the producing services exist.
package eventstest

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// DefaultMonthOfBirth is the month of birth the builders put on events.
const DefaultMonthOfBirth = "2008-05"

// Event is any of the three producers' event envelopes.
type Event = proto.Message

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// EnsureStreams creates the three streams as their producers do at start.
func EnsureStreams(ctx context.Context, js jetstream.JetStream) error {
	return EnsureStreamsWith(ctx, js, 0)
}

// EnsureStreamsWith is EnsureStreams with a duplicate window (the default
// if 0): a short one lets a test re-publish an event outside it, as a relay
// whose acknowledgement was lost for longer than the window would.
func EnsureStreamsWith(ctx context.Context, js jetstream.JetStream, duplicates time.Duration) error {
	for _, s := range []events.StreamSpec{events.CaseloadStream(), events.PlacementStream(), events.CareleaverStream()} {
		s.Duplicates = duplicates
		if _, err := events.EnsureStream(ctx, js, s); err != nil {
			return err
		}
	}
	return nil
}

// LastSeqs returns the last stream sequence of each of the three streams,
// keyed by stream name.
func LastSeqs(ctx context.Context, js jetstream.JetStream) (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, name := range []string{events.StreamCaseload, events.StreamPlacement, events.StreamCareleaver} {
		st, err := js.Stream(ctx, name)
		if err != nil {
			return nil, err
		}
		info, err := st.Info(ctx)
		if err != nil {
			return nil, err
		}
		out[name] = info.State.LastSeq
	}
	return out, nil
}

// Subject is the subject the producer publishes ev on.
func Subject(ev Event) string {
	switch e := ev.(type) {
	case *caseloadv1.CaseloadEvent:
		switch e.GetKind().(type) {
		case *caseloadv1.CaseloadEvent_ChildRegistered:
			return "caseload.child.registered"
		case *caseloadv1.CaseloadEvent_PeriodStarted:
			return "caseload.period.started"
		case *caseloadv1.CaseloadEvent_LegalStatusChanged:
			return "caseload.legal_status.changed"
		case *caseloadv1.CaseloadEvent_PeriodEnded:
			return "caseload.period.ended"
		case *caseloadv1.CaseloadEvent_UascChanged:
			return "caseload.uasc.changed"
		case *caseloadv1.CaseloadEvent_AllocationChanged:
			return "caseload.allocation.changed"
		case *caseloadv1.CaseloadEvent_AgeMilestone:
			return "caseload.age.milestone"
		case *caseloadv1.CaseloadEvent_CareCorrected:
			return "caseload.care.corrected"
		case *caseloadv1.CaseloadEvent_ChildUpdated:
			return "caseload.child.updated"
		}
	case *placementv1.PlacementEvent:
		switch e.GetKind().(type) {
		case *placementv1.PlacementEvent_Started:
			return "placement.started"
		case *placementv1.PlacementEvent_Changed:
			return "placement.changed"
		case *placementv1.PlacementEvent_Ended:
			return "placement.ended"
		case *placementv1.PlacementEvent_TemporaryStarted:
			return "placement.temporary.started"
		case *placementv1.PlacementEvent_TemporaryEnded:
			return "placement.temporary.ended"
		}
	case *careleaverv1.CareLeaverEvent:
		switch e.GetKind().(type) {
		case *careleaverv1.CareLeaverEvent_Registered:
			return "careleaver.registered"
		case *careleaverv1.CareLeaverEvent_ContactRecorded:
			return "careleaver.contact.recorded"
		case *careleaverv1.CareLeaverEvent_AdviserChanged:
			return "careleaver.adviser.changed"
		case *careleaverv1.CareLeaverEvent_AgeBandChanged:
			return "careleaver.age_band.changed"
		case *careleaverv1.CareLeaverEvent_Closed:
			return "careleaver.closed"
		}
	}
	panic(fmt.Sprintf("eventstest: no subject for %T", ev))
}

// ID is the event's id (its Nats-Msg-Id).
func ID(ev Event) string {
	switch e := ev.(type) {
	case *caseloadv1.CaseloadEvent:
		return e.GetEventId()
	case *placementv1.PlacementEvent:
		return e.GetEventId()
	case *careleaverv1.CareLeaverEvent:
		return e.GetEventId()
	}
	return ""
}

// Msg is the JetStream message a producer's relay publishes for ev.
func Msg(ev Event) *nats.Msg {
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(ev)
	if err != nil {
		panic(err)
	}
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, ID(ev))
	h.Set(events.HeaderType, string(ev.ProtoReflect().Descriptor().FullName()))
	h.Set(events.HeaderCreated, time.Now().UTC().Format(time.RFC3339Nano))
	return &nats.Msg{Subject: Subject(ev), Data: data, Header: h}
}

// Publish publishes evs in order, each acknowledged before the next.
func Publish(ctx context.Context, js jetstream.JetStream, evs ...Event) error {
	for _, ev := range evs {
		if _, err := js.PublishMsg(ctx, Msg(ev)); err != nil {
			return fmt.Errorf("publish %s %s: %w", Subject(ev), ID(ev), err)
		}
	}
	return nil
}

// PublishAsync publishes evs pipelined and waits for every acknowledgement
// (for large corpora). The window stays under the client's limit of
// outstanding asynchronous publishes (4,000 by default), which a server
// fsyncing every message would otherwise hit.
func PublishAsync(ctx context.Context, js jetstream.JetStream, evs []Event) error {
	const window = 1000
	for start := 0; start < len(evs); start += window {
		end := min(start+window, len(evs))
		futs := make([]jetstream.PubAckFuture, 0, end-start)
		for _, ev := range evs[start:end] {
			f, err := js.PublishMsgAsync(Msg(ev))
			if err != nil {
				return err
			}
			futs = append(futs, f)
		}
		for _, f := range futs {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return err
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// Caseload events.

func caseload(child, date string) *caseloadv1.CaseloadEvent {
	return &caseloadv1.CaseloadEvent{EventId: newID(), ChildId: child, EffectiveDate: date, MonthOfBirth: DefaultMonthOfBirth}
}

// ChildRegistered: a child was registered.
func ChildRegistered(child, date, month string) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.MonthOfBirth = month
	e.Kind = &caseloadv1.CaseloadEvent_ChildRegistered{ChildRegistered: &caseloadv1.ChildRegistered{Sex: "F", Ethnicity: "WBRI"}}
	return e
}

// PeriodStarted: care started under ls.
func PeriodStarted(child, date, ls string, uasc bool) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.Kind = &caseloadv1.CaseloadEvent_PeriodStarted{PeriodStarted: &caseloadv1.PeriodStarted{PeriodId: "p-" + child, LegalStatus: ls, CategoryOfNeed: "N1", Uasc: uasc}}
	return e
}

// LegalStatusChanged: a new legal status from date.
func LegalStatusChanged(child, date, prev, ls string) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.Kind = &caseloadv1.CaseloadEvent_LegalStatusChanged{LegalStatusChanged: &caseloadv1.LegalStatusChanged{PeriodId: "p-" + child, PreviousLegalStatus: prev, LegalStatus: ls}}
	return e
}

// PeriodEnded: care ended on date (903 DEC).
func PeriodEnded(child, date, rec string) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.Kind = &caseloadv1.CaseloadEvent_PeriodEnded{PeriodEnded: &caseloadv1.PeriodEnded{PeriodId: "p-" + child, ReasonCeased: rec, LegalStatus: "C2",
		LeavingCareStatus: caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE, AgeAtEnd: 18}}
	return e
}

// UascChanged: UASC status from date.
func UascChanged(child, date string, uasc bool) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.Kind = &caseloadv1.CaseloadEvent_UascChanged{UascChanged: &caseloadv1.UascChanged{IsUasc: uasc}}
	return e
}

// AllocationChanged: a new social worker.
func AllocationChanged(child, date string) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.Kind = &caseloadv1.CaseloadEvent_AllocationChanged{AllocationChanged: &caseloadv1.AllocationChanged{WorkerId: "sw1", TeamId: "t1"}}
	return e
}

// ChildUpdated: the child's date of birth was corrected into month (YYYY-MM).
func ChildUpdated(child, date, month string) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.MonthOfBirth = month
	e.Kind = &caseloadv1.CaseloadEvent_ChildUpdated{ChildUpdated: &caseloadv1.ChildUpdated{Sex: "1", PreviousMonthOfBirth: DefaultMonthOfBirth}}
	return e
}

// CareCorrected: the care history was corrected from date.
func CareCorrected(child, date, kind, ls string, lookedAfter bool) *caseloadv1.CaseloadEvent {
	e := caseload(child, date)
	e.Kind = &caseloadv1.CaseloadEvent_CareCorrected{CareCorrected: &caseloadv1.CareCorrected{PeriodId: "p-" + child, CorrectionKind: kind, LegalStatus: ls, LookedAfter: lookedAfter}}
	return e
}

// Placement events.

// Facts describes a placement.
func Facts(id, typ string, loc placementv1.Location, band placementv1.DistanceBand) *placementv1.PlacementFacts {
	group := "" // the producer fills the group; metrics recomputes it from the type
	return &placementv1.PlacementFacts{PlacementId: id, PlacementType: typ, PlacementGroup: group, Provider: "PR1", Location: loc, DistanceBand: band, CarerId: "carer-" + id}
}

// Inside is a placement inside the boundary, 20 miles or less from home.
func Inside(id, typ string) *placementv1.PlacementFacts {
	return Facts(id, typ, placementv1.Location_LOCATION_INSIDE, placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS)
}

// Outside is a placement outside the boundary, over 20 miles from home.
func Outside(id, typ string) *placementv1.PlacementFacts {
	return Facts(id, typ, placementv1.Location_LOCATION_OUTSIDE, placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES)
}

func placement(child, date string) *placementv1.PlacementEvent {
	return &placementv1.PlacementEvent{EventId: newID(), ChildId: child, EffectiveDate: date}
}

// PlacementStarted: a first placement.
func PlacementStarted(child, date string, f *placementv1.PlacementFacts) *placementv1.PlacementEvent {
	e := placement(child, date)
	e.Kind = &placementv1.PlacementEvent_Started{Started: &placementv1.PlacementStarted{Placement: f}}
	return e
}

// PlacementChanged: a move from prev to next.
func PlacementChanged(child, date string, prev, next *placementv1.PlacementFacts) *placementv1.PlacementEvent {
	e := placement(child, date)
	e.Kind = &placementv1.PlacementEvent_Changed{Changed: &placementv1.PlacementChanged{Previous: prev, Placement: next, ReasonForChange: "CARPL"}}
	return e
}

// PlacementEnded: the placement ended with no new one.
func PlacementEnded(child, date string, f *placementv1.PlacementFacts) *placementv1.PlacementEvent {
	e := placement(child, date)
	e.Kind = &placementv1.PlacementEvent_Ended{Ended: &placementv1.PlacementEnded{Placement: f}}
	return e
}

// TemporaryStarted: a T0–T4 placement interrupts the current one.
func TemporaryStarted(child, date, typ string) *placementv1.PlacementEvent {
	e := placement(child, date)
	f := Facts("tmp-"+child+"-"+date, typ, placementv1.Location_LOCATION_OUTSIDE, placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN)
	f.PlacementGroup = "temporary"
	e.Kind = &placementv1.PlacementEvent_TemporaryStarted{TemporaryStarted: &placementv1.PlacementStarted{Placement: f}}
	return e
}

// TemporaryEnded: back from a temporary placement to resumed.
func TemporaryEnded(child, date, typ string, resumed *placementv1.PlacementFacts) *placementv1.PlacementEvent {
	e := placement(child, date)
	tmp := Facts("tmp-"+child, typ, placementv1.Location_LOCATION_OUTSIDE, placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN)
	e.Kind = &placementv1.PlacementEvent_TemporaryEnded{TemporaryEnded: &placementv1.PlacementChanged{Previous: tmp, Placement: resumed}}
	return e
}

// Care-leaver events.

func careLeaver(child, date, band string) *careleaverv1.CareLeaverEvent {
	return &careleaverv1.CareLeaverEvent{EventId: newID(), ChildId: child, EffectiveDate: date, AgeBand: band, MonthOfBirth: DefaultMonthOfBirth}
}

// CareLeaverRegistered: a record opened.
func CareLeaverRegistered(child, date, band string) *careleaverv1.CareLeaverEvent {
	e := careLeaver(child, date, band)
	cat := careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_FORMER_RELEVANT
	if band == "" {
		cat = careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_RELEVANT
	}
	e.Kind = &careleaverv1.CareLeaverEvent_Registered{Registered: &careleaverv1.CareLeaverRegistered{Category: cat, ReasonCareCeased: "E5"}}
	return e
}

// ContactRecorded: a keeping-in-touch contact on date.
func ContactRecorded(child, date, band, inTouch, activ, accom string, latest bool) *careleaverv1.CareLeaverEvent {
	e := careLeaver(child, date, band)
	e.Kind = &careleaverv1.CareLeaverEvent_ContactRecorded{ContactRecorded: &careleaverv1.ContactRecorded{ContactId: newID(), InTouch: inTouch, Activity: activ, Accommodation: accom, IsLatest: latest}}
	return e
}

// AgeBandChanged: published on the birthday that moves the band.
func AgeBandChanged(child, date, band, prev string) *careleaverv1.CareLeaverEvent {
	e := careLeaver(child, date, band)
	e.Kind = &careleaverv1.CareLeaverEvent_AgeBandChanged{AgeBandChanged: &careleaverv1.AgeBandChanged{PreviousAgeBand: prev}}
	return e
}

// AdviserChanged: a new personal adviser.
func AdviserChanged(child, date, band string) *careleaverv1.CareLeaverEvent {
	e := careLeaver(child, date, band)
	e.Kind = &careleaverv1.CareLeaverEvent_AdviserChanged{AdviserChanged: &careleaverv1.AdviserChanged{AdviserId: "pa1"}}
	return e
}

// CareLeaverClosed: the record closed.
func CareLeaverClosed(child, date, band string, reason careleaverv1.ClosingReason) *careleaverv1.CareLeaverEvent {
	e := careLeaver(child, date, band)
	e.Kind = &careleaverv1.CareLeaverEvent_Closed{Closed: &careleaverv1.CareLeaverClosed{Reason: reason}}
	return e
}
