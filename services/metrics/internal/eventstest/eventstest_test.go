package eventstest

import (
	"context"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
)

func TestSubjectsAndHeadersAreTheProducers(t *testing.T) {
	in := Inside("p", "U4")
	for ev, want := range map[Event]string{
		ChildRegistered("c", "2025-01-01", "2010-01"):                                                "caseload.child.registered",
		PeriodStarted("c", "2025-01-01", "C2", false):                                                "caseload.period.started",
		LegalStatusChanged("c", "2025-01-01", "C2", "V2"):                                            "caseload.legal_status.changed",
		PeriodEnded("c", "2025-01-01", "E5"):                                                         "caseload.period.ended",
		UascChanged("c", "2025-01-01", true):                                                         "caseload.uasc.changed",
		AllocationChanged("c", "2025-01-01"):                                                         "caseload.allocation.changed",
		CareCorrected("c", "2025-01-01", "reopen_period", "C2", true):                                "caseload.care.corrected",
		&caseloadv1.CaseloadEvent{Kind: &caseloadv1.CaseloadEvent_AgeMilestone{}}:                    "caseload.age.milestone",
		PlacementStarted("c", "2025-01-01", in):                                                      "placement.started",
		PlacementChanged("c", "2025-01-01", in, in):                                                  "placement.changed",
		PlacementEnded("c", "2025-01-01", in):                                                        "placement.ended",
		TemporaryStarted("c", "2025-01-01", "T1"):                                                    "placement.temporary.started",
		TemporaryEnded("c", "2025-01-01", "T1", in):                                                  "placement.temporary.ended",
		CareLeaverRegistered("c", "2025-01-01", "19_21"):                                             "careleaver.registered",
		ContactRecorded("c", "2025-01-01", "19_21", "YES", "F2", "U1", true):                         "careleaver.contact.recorded",
		AdviserChanged("c", "2025-01-01", "19_21"):                                                   "careleaver.adviser.changed",
		AgeBandChanged("c", "2025-01-01", "22_25", "19_21"):                                          "careleaver.age_band.changed",
		CareLeaverClosed("c", "2025-01-01", "19_21", careleaverv1.ClosingReason_CLOSING_REASON_DIED): "careleaver.closed",
	} {
		if got := Subject(ev); got != want {
			t.Errorf("Subject = %s, want %s", got, want)
		}
		m := Msg(ev)
		if m.Header.Get(jetstream.MsgIDHeader) != ID(ev) || m.Header.Get(events.HeaderType) == "" || m.Header.Get(events.HeaderCreated) == "" {
			t.Errorf("%s headers %v", want, m.Header)
		}
	}
	if ID(&placementv1.PlacementEvent{EventId: "x"}) != "x" || ID(nil) != "" {
		t.Fatal("ID")
	}
}

func TestScenarioIsDeterministicAndDated(t *testing.T) {
	asAt := clock.MustParseDate("2026-03-31")
	a, b := Scenario(9, 50, asAt), Scenario(9, 50, asAt)
	if len(a) != len(b) || len(a) < 300 {
		t.Fatalf("%d and %d events", len(a), len(b))
	}
	kinds := map[string]int{}
	for i := range a {
		if Subject(a[i]) != Subject(b[i]) {
			t.Fatalf("event %d differs: %s %s", i, Subject(a[i]), Subject(b[i]))
		}
		kinds[Subject(a[i])]++
		var date string
		switch e := a[i].(type) {
		case *caseloadv1.CaseloadEvent:
			date = e.GetEffectiveDate()
		case *placementv1.PlacementEvent:
			date = e.GetEffectiveDate()
		case *careleaverv1.CareLeaverEvent:
			date = e.GetEffectiveDate()
		}
		if d := clock.MustParseDate(date); d.After(asAt) {
			t.Fatalf("event %d dated %s after %s", i, d, asAt)
		}
	}
	for _, s := range []string{"caseload.period.started", "caseload.period.ended", "placement.changed", "placement.temporary.started", "careleaver.contact.recorded", "careleaver.age_band.changed"} {
		if kinds[s] == 0 {
			t.Errorf("no %s in the scenario", s)
		}
	}
}

func TestPublishToTheProducersStreams(t *testing.T) {
	ns := natsembed.StartForTest(t)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	evs := Scenario(1, 10, clock.MustParseDate("2026-03-31"))
	if err := PublishAsync(ctx, js, evs); err != nil {
		t.Fatal(err)
	}
	if err := Publish(ctx, js, evs[0]); err != nil { // a duplicate: acknowledged, not stored
		t.Fatal(err)
	}
	last, err := LastSeqs(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{}
	for _, ev := range evs {
		want[strings.ToUpper(strings.SplitN(Subject(ev), ".", 2)[0])]++
	}
	for stream, n := range want {
		if last[stream] != n {
			t.Errorf("%s holds %d, want %d", stream, last[stream], n)
		}
	}
}
