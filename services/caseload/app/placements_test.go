package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/caseload/app"
)

// placementOutbox publishes PlacementEvents to the PLACEMENT stream the way
// the placement service does: events.AppendEvent into an outbox in a bbolt
// file of its own, published by a real events.Relay. (Starting the real
// placement service here would make the caseload module require placement,
// which requires caseload; services/suite tests the two together.) Its
// stream has a short duplicate window so a test can deliver an event twice
// under the same id.
type placementOutbox struct {
	h     *harness
	db    *bolt.DB
	relay *events.Relay
}

// placementDupWindow is the test stream's duplicate window.
const placementDupWindow = 100 * time.Millisecond

func newPlacementOutbox(h *harness) *placementOutbox {
	t := h.t
	t.Helper()
	spec := events.PlacementStream()
	spec.Duplicates = placementDupWindow
	if _, err := events.EnsureStream(context.Background(), h.js, spec); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "placement-outbox.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(events.EnsureBuckets); err != nil {
		t.Fatal(err)
	}
	o := &placementOutbox{h: h, db: db, relay: events.NewRelay(db, h.js, events.RelayOptions{Logger: h.logger})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = o.relay.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; _ = db.Close() })
	return o
}

// publish appends the event to the outbox and returns its id.
func (o *placementOutbox) publish(subject string, m *placementv1.PlacementEvent) string {
	o.h.t.Helper()
	var id string
	if err := o.db.Update(func(tx *bolt.Tx) error {
		ev, err := events.AppendEvent(tx, subject, m)
		id = ev.ID
		return err
	}); err != nil {
		o.h.t.Fatal(err)
	}
	o.relay.Notify()
	return id
}

func plFacts(id, place, carer string) *placementv1.PlacementFacts {
	return &placementv1.PlacementFacts{PlacementId: id, PlacementType: place, Provider: "PR1", CarerId: carer,
		Urn: "SC" + id, Location: placementv1.Location_LOCATION_INSIDE,
		DistanceBand: placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS}
}

func (o *placementOutbox) started(child, date string, p *placementv1.PlacementFacts) string {
	return o.publish("placement.started", &placementv1.PlacementEvent{ChildId: child, EffectiveDate: date,
		Kind: &placementv1.PlacementEvent_Started{Started: &placementv1.PlacementStarted{Placement: p}}})
}

func (o *placementOutbox) changed(child, date, reason string, prev, p *placementv1.PlacementFacts) string {
	return o.publish("placement.changed", &placementv1.PlacementEvent{ChildId: child, EffectiveDate: date,
		Kind: &placementv1.PlacementEvent_Changed{Changed: &placementv1.PlacementChanged{
			Previous: prev, Placement: p, ReasonForChange: reason}}})
}

func (o *placementOutbox) ended(child, date string, p *placementv1.PlacementFacts) string {
	return o.publish("placement.ended", &placementv1.PlacementEvent{ChildId: child, EffectiveDate: date,
		Kind: &placementv1.PlacementEvent_Ended{Ended: &placementv1.PlacementEnded{Placement: p}}})
}

func (o *placementOutbox) temporaryStarted(child, date string, p *placementv1.PlacementFacts) string {
	return o.publish("placement.temporary.started", &placementv1.PlacementEvent{ChildId: child, EffectiveDate: date,
		Kind: &placementv1.PlacementEvent_TemporaryStarted{TemporaryStarted: &placementv1.PlacementStarted{Placement: p}}})
}

func (o *placementOutbox) temporaryEnded(child, date string, prev, p *placementv1.PlacementFacts) string {
	return o.publish("placement.temporary.ended", &placementv1.PlacementEvent{ChildId: child, EffectiveDate: date,
		Kind: &placementv1.PlacementEvent_TemporaryEnded{TemporaryEnded: &placementv1.PlacementChanged{
			Previous: prev, Placement: p}}})
}

// applied waits until caseload's durable has acknowledged every message on
// the PLACEMENT stream, i.e. applied (or skipped) it.
func (h *harness) placementsApplied() {
	h.t.Helper()
	testutil.CheckFor(h.t, 20*time.Second, 10*time.Millisecond, func() error {
		ctx := h.ctx()
		st, err := h.js.Stream(ctx, events.StreamPlacement)
		if err != nil {
			return err
		}
		info, err := st.Info(ctx)
		if err != nil {
			return err
		}
		cons, err := st.Consumer(ctx, app.PlacementDurable)
		if err != nil {
			return err
		}
		ci, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if ci.AckFloor.Stream < info.State.LastSeq {
			return fmt.Errorf("%s acknowledged up to %d of %d", app.PlacementDurable, ci.AckFloor.Stream, info.State.LastSeq)
		}
		return nil
	})
}

// ep is an episode as these tests compare them: DECOM RNE LS PLACE DEC REC
// REASON_PLACE_CHANGE URN PL_LOCATION.
type ep [9]string

func eps(resp *caseloadv1.GetCareHistoryResponse) []ep {
	var out []ep
	for _, e := range resp.GetEpisodes() {
		out = append(out, ep{e.GetDecom(), e.GetReasonNewEpisode(), e.GetLegalStatus(), e.GetPlacementType(),
			e.GetDec(), e.GetReasonCeased(), e.GetReasonPlaceChange(), e.GetUrn(), e.GetPlacementLocation()})
	}
	return out
}

// The PLACEMENT stream fills caseload's copy of the placements, and
// GetCareHistory's episodes are its merge with the legal statuses: S, P on
// a move, L on a change of legal status, a temporary placement and the
// return from it, B on a move and a change of legal status the same day,
// X1 between, the E-code last. An event delivered twice (same id, after
// the duplicate window) or re-published under a new id changes nothing; an
// event for a child caseload does not know is skipped, not dead-lettered;
// events published while caseload is down are applied when it is back; a
// restart rebuilds the copy from the file.
func TestPlacementEventsMakeTheEpisodes(t *testing.T) {
	h := newHarness(t)
	o := newPlacementOutbox(h)
	id := h.register("LA-PL", "Pat", "Lowe", "2015-05-01")
	h.startPeriod(id, "2025-01-10", "C2", "N1")

	p1, p2, t1 := plFacts("p1", "U4", "carer-1"), plFacts("p2", "U4", "carer-2"), plFacts("t1", "T1", "")
	t1.Provider, t1.Urn, t1.DistanceBand = "", "", placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN
	p3, p4 := plFacts("p3", "U4", "carer-2"), plFacts("p4", "U6", "carer-4")
	p4.Location = placementv1.Location_LOCATION_OUTSIDE

	o.changed(id, "2025-03-01", "CARPL", p1, p2) // arrives before the backdated start
	first := o.started(id, "2025-01-10", p1)
	o.temporaryStarted(id, "2025-05-01", t1)
	o.temporaryEnded(id, "2025-05-08", t1, p3)
	o.started("no-such-child", "2025-01-10", plFacts("x1", "U4", "carer-x"))
	h.placementsApplied()
	h.changeLS(id, "2025-06-01", "C1")

	h.stop() // events published while caseload is down wait on the stream
	o.changed(id, "2025-09-01", "CREQB", p3, p4)
	h.start()
	h.placementsApplied()
	h.changeLS(id, "2025-09-01", "V2")
	o.ended(id, "2026-01-31", p4)
	h.placementsApplied()
	h.endPeriod(id, "2026-01-31", "E8")

	want := []ep{
		{"2025-01-10", "S", "C2", "U4", "2025-03-01", "X1", "CARPL", "SCp1", "IN"},
		{"2025-03-01", "P", "C2", "U4", "2025-05-01", "X1", "", "SCp2", "IN"},
		{"2025-05-01", "P", "C2", "T1", "2025-05-08", "X1", "", "", "IN"},
		{"2025-05-08", "P", "C2", "U4", "2025-06-01", "X1", "", "SCp3", "IN"},
		{"2025-06-01", "L", "C1", "U4", "2025-09-01", "X1", "CREQB", "SCp3", "IN"},
		{"2025-09-01", "B", "V2", "U6", "2026-01-31", "E8", "", "SCp4", "OUT"},
	}
	if got := eps(h.history(id)); !reflect.DeepEqual(got, want) {
		t.Fatalf("episodes:\n got %v\nwant %v", got, want)
	}

	// The first event again, under its own id once the duplicate window
	// has passed (so JetStream stores and delivers it a second time), and
	// under a new id: neither changes anything.
	raw := h.placementMessage(first)
	testutil.CheckFor(t, 5*time.Second, placementDupWindow/2, func() error {
		msg := &nats.Msg{Subject: raw.Subject, Data: raw.Data, Header: raw.Header}
		ack, err := h.js.PublishMsg(h.ctx(), msg)
		if err != nil {
			return err
		}
		if ack.Duplicate {
			return errNotYet
		}
		return nil
	})
	renamed := &nats.Msg{Subject: raw.Subject, Data: raw.Data, Header: nats.Header{}}
	for k, v := range raw.Header {
		renamed.Header[k] = v
	}
	renamed.Header.Set(jetstream.MsgIDHeader, "republished-"+first)
	if _, err := h.js.PublishMsg(h.ctx(), renamed); err != nil {
		t.Fatal(err)
	}
	h.placementsApplied()
	if got := eps(h.history(id)); !reflect.DeepEqual(got, want) {
		t.Fatalf("episodes after a redelivery:\n got %v\nwant %v", got, want)
	}

	h.restart()
	if got := eps(h.history(id)); !reflect.DeepEqual(got, want) {
		t.Fatalf("episodes after a restart:\n got %v\nwant %v", got, want)
	}

	// Nothing was set aside, and the first event counts as applied once.
	h.stop()
	db, err := bolt.Open(filepath.Join(h.dir, app.Name+".db"), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dead, err := events.DeadLetters(db, app.PlacementDurable)
	if err != nil || len(dead) != 0 {
		t.Fatalf("dead letters %v, %v; want none", dead, err)
	}
	if ok, err := events.IsApplied(db, app.PlacementDurable, first); !ok || err != nil {
		t.Fatalf("first event applied: %v, %v", ok, err)
	}
}

// placementMessage is the stored PLACEMENT message with the event id.
func (h *harness) placementMessage(id string) *jetstream.RawStreamMsg {
	h.t.Helper()
	st, err := h.js.Stream(h.ctx(), events.StreamPlacement)
	if err != nil {
		h.t.Fatal(err)
	}
	info, err := st.Info(h.ctx())
	if err != nil {
		h.t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(h.ctx(), seq)
		if err != nil {
			h.t.Fatal(err)
		}
		var ev placementv1.PlacementEvent
		if err := proto.Unmarshal(m.Data, &ev); err != nil {
			h.t.Fatal(err)
		}
		if ev.GetEventId() == id && m.Header.Get(jetstream.MsgIDHeader) == id {
			return m
		}
	}
	h.t.Fatalf("no message %s on PLACEMENT", id)
	return nil
}

// Ending a period as an adoption (E11) needs the last placement to be a
// placement for adoption (rule 390): caseload reads it from its copy.
func TestEndPeriodReadsThePlacementCopy(t *testing.T) {
	h := newHarness(t)
	o := newPlacementOutbox(h)
	id := h.register("LA-ADOPT", "Ali", "Moss", "2018-02-01")
	h.startPeriod(id, "2025-01-10", "E1", "N1")
	u4, a4 := plFacts("p1", "U4", "carer-1"), plFacts("p2", "A4", "adopter-1")
	o.started(id, "2025-01-10", u4)
	h.placementsApplied()

	_, err := h.client.EndPeriodOfCare(h.ctx(), &caseloadv1.EndPeriodOfCareRequest{
		RequestId: h.rid(), ChildId: id, EndDate: "2026-01-31", ReasonCeased: "E11"})
	if _, vs := refusal(t, err); !slices.Contains(vs, violation{"reason_ceased", "903:390"}) {
		t.Fatalf("E11 from a U4 placement: %v, want reason_ceased 903:390", vs)
	}
	o.changed(id, "2025-10-01", "CARPL", u4, a4)
	o.ended(id, "2026-01-31", a4) // the placement ends first, the same day
	h.placementsApplied()
	h.endPeriod(id, "2026-01-31", "E11")
	want := []ep{
		{"2025-01-10", "S", "E1", "U4", "2025-10-01", "X1", "CARPL", "SCp1", "IN"},
		{"2025-10-01", "P", "E1", "A4", "2026-01-31", "E11", "", "SCp2", "IN"},
	}
	if got := eps(h.history(id)); !reflect.DeepEqual(got, want) {
		t.Fatalf("episodes:\n got %v\nwant %v", got, want)
	}
}
