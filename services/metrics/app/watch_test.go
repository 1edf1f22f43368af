package app

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/server"
)

// TestOnePlacementEventReachesWatchersAndNATS: a WatchIndicators client
// (real gRPC over loopback) and a core-NATS subscriber each receive the
// change one placement event causes, under the same sequence.
func TestOnePlacementEventReachesWatchersAndNATS(t *testing.T) {
	e := newEnv(t)
	e.streams(t, 0)
	m := e.start(t, clock.NewSettable(londonNoon(councilToday)))
	e.publish(t, council()...)
	m.waitFigures(t, "", councilFigures)

	// The NATS subscriber.
	natsMsgs := make(chan *nats.Msg, 256)
	sub, err := e.nc.ChanSubscribe(server.SubjectPrefix+".>", natsMsgs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := e.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	// The gRPC watcher.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := m.client.WatchIndicators(ctx, &metricsv1.WatchIndicatorsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if !snap.GetSnapshot() || len(snap.GetValues()) != 40 {
		t.Fatalf("snapshot: %v, %d values", snap.GetSnapshot(), len(snap.GetValues()))
	}

	// c1 moves from foster with a relative, inside, to a children's home outside.
	e.publish(t, eventstest.PlacementChanged("c1", councilToday, eventstest.Inside("c1-a", "U1"), eventstest.Outside("c1-b", "K2")))

	change, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if change.GetSnapshot() || change.GetSequence() != snap.GetSequence()+1 {
		t.Fatalf("change %d (snapshot %v) after snapshot %d", change.GetSequence(), change.GetSnapshot(), snap.GetSequence())
	}
	gotWatch := map[string]string{}
	for _, v := range change.GetValues() {
		gotWatch[v.GetIndicatorId()] = fmt.Sprintf("%d/%d", v.GetNumerator(), v.GetDenominator())
	}
	wantChange := map[string]string{
		"placement_foster":          "1/8",
		"placement_childrens_homes": "2/8",
		"placed_inside_boundary":    "3/8",
		"placed_over_20_miles":      "3/8",
		"connected_persons_count":   "0/0",
	}
	if fmt.Sprint(gotWatch) != fmt.Sprint(wantChange) {
		t.Fatalf("watch change %v, want %v", gotWatch, wantChange)
	}

	// The NATS subscriber gets the same figures, under the same sequence.
	gotNATS := map[string]string{}
	deadline := time.After(10 * time.Second)
	for len(gotNATS) < len(wantChange) {
		select {
		case msg := <-natsMsgs:
			seq, _ := strconv.ParseUint(msg.Header.Get(server.HeaderSequence), 10, 64)
			if msg.Header.Get(server.HeaderSnapshot) == "true" || seq < change.GetSequence() {
				continue // the broadcaster's start-up snapshot, or earlier changes it was still sending
			}
			if seq != change.GetSequence() {
				t.Fatalf("NATS message %s with sequence %d, want %d", msg.Subject, seq, change.GetSequence())
			}
			var v metricsv1.IndicatorValue
			if err := proto.Unmarshal(msg.Data, &v); err != nil {
				t.Fatal(err)
			}
			if msg.Subject != server.SubjectPrefix+"."+v.GetIndicatorId()+".dfe.all" {
				t.Fatalf("subject %s for %s", msg.Subject, v.GetIndicatorId())
			}
			gotNATS[v.GetIndicatorId()] = fmt.Sprintf("%d/%d", v.GetNumerator(), v.GetDenominator())
		case <-deadline:
			t.Fatalf("NATS subscriber got %v", gotNATS)
		}
	}
	if fmt.Sprint(gotNATS) != fmt.Sprint(wantChange) {
		t.Fatalf("NATS change %v, want %v", gotNATS, wantChange)
	}

	// A watcher resuming after the snapshot's sequence gets just that change.
	resumed, err := m.client.WatchIndicators(ctx, &metricsv1.WatchIndicatorsRequest{AfterSequence: snap.GetSequence(), IndicatorIds: []string{"placement_foster"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := resumed.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if r.GetSnapshot() || r.GetSequence() != change.GetSequence() || len(r.GetValues()) != 1 || r.GetValues()[0].GetNumerator() != 1 {
		t.Fatalf("resumed %+v", r)
	}
}
