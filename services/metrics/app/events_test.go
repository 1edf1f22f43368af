package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/ingest"
	"github.com/corporate-parenting/suite/services/metrics/internal/reconcile"
)

// council is a small council, as the three producers would publish it,
// designed so that every figure is known (today is 31 March 2026).
func council() []eventstest.Event {
	e := eventstest.Inside
	o := eventstest.Outside
	return []eventstest.Event{
		// c1: foster with a relative (U1), inside, since January 2025.
		eventstest.ChildRegistered("c1", "2025-01-10", "2014-02"),
		eventstest.PeriodStarted("c1", "2025-01-10", "C2", false),
		eventstest.PlacementStarted("c1", "2025-01-10", e("c1-a", "U1")),
		// c2: UASC, supported accommodation outside, over 20 miles.
		eventstest.PeriodStarted("c2", "2024-06-01", "V2", true),
		eventstest.PlacementStarted("c2", "2024-06-01", o("c2-a", "K3")),
		// c3: foster inside, now in hospital (T1): still counts as foster, inside.
		eventstest.PeriodStarted("c3", "2025-11-01", "C2", false),
		eventstest.PlacementStarted("c3", "2025-11-01", e("c3-a", "U4")),
		eventstest.TemporaryStarted("c3", "2026-03-20", "T1"),
		// c4: children's home outside, distance not known; moved there from foster.
		eventstest.PeriodStarted("c4", "2025-02-01", "C1", false),
		eventstest.PlacementStarted("c4", "2025-02-01", e("c4-a", "U5")),
		eventstest.PlacementChanged("c4", "2025-09-01", e("c4-a", "U5"),
			eventstest.Facts("c4-b", "K2", placementv1.Location_LOCATION_OUTSIDE, placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN)),
		eventstest.LegalStatusChanged("c4", "2025-05-01", "C1", "C2"),
		// c5: placed for adoption; c6: with parents; c7: other (R1), far away.
		eventstest.PeriodStarted("c5", "2026-01-05", "E1", false),
		eventstest.PlacementStarted("c5", "2026-01-05", e("c5-a", "A4")),
		eventstest.PeriodStarted("c6", "2025-12-01", "C2", false),
		eventstest.PlacementStarted("c6", "2025-12-01", e("c6-a", "P1")),
		eventstest.PeriodStarted("c7", "2025-08-01", "C2", false),
		eventstest.PlacementStarted("c7", "2025-08-01", o("c7-a", "R1")),
		// c8: short breaks only (V3): not counted.
		eventstest.PeriodStarted("c8", "2025-05-05", "V3", false),
		eventstest.PlacementStarted("c8", "2025-05-05", e("c8-a", "U4")),
		// c9: looked after until 31 Dec 2025, then a care leaver (17-18), in touch, EET, suitable.
		eventstest.PeriodStarted("c9", "2023-01-01", "C2", false),
		eventstest.PlacementStarted("c9", "2023-01-01", e("c9-a", "U4")),
		eventstest.PlacementEnded("c9", "2025-12-31", e("c9-a", "U4")),
		eventstest.PeriodEnded("c9", "2025-12-31", "E5"),
		eventstest.CareLeaverRegistered("c9", "2025-12-31", "17_18"),
		eventstest.ContactRecorded("c9", "2026-02-01", "17_18", "YES", "F2", "U1", true),
		// c10: looked after, no placement recorded yet.
		eventstest.PeriodStarted("c10", "2025-03-01", "C2", false),
		eventstest.AllocationChanged("c10", "2025-03-02"),
		// Care leavers.
		eventstest.CareLeaverRegistered("l1", "2024-01-01", "19_21"),
		eventstest.ContactRecorded("l1", "2026-01-10", "19_21", "YES", "G5", "D2", true),
		eventstest.CareLeaverRegistered("l2", "2024-05-01", "22_25"),
		eventstest.ContactRecorded("l2", "2025-12-01", "22_25", "NO", "0", "0", true),
		eventstest.CareLeaverRegistered("l3", "2023-03-01", "19_21"),
		eventstest.ContactRecorded("l3", "2025-06-01", "19_21", "YES", "F1", "U1", true),
		eventstest.ContactRecorded("l3", "2026-02-02", "19_21", "RHOM", "0", "0", true),
		eventstest.CareLeaverRegistered("l4", "2025-06-01", "19_21"), // no contact yet
		eventstest.AdviserChanged("l4", "2025-07-01", "19_21"),
		eventstest.CareLeaverRegistered("l5", "2024-01-01", "22_25"),
		eventstest.ContactRecorded("l5", "2025-10-01", "22_25", "YES", "F5", "U1", true),
		eventstest.CareLeaverClosed("l5", "2026-03-01", "22_25", careleaverv1.ClosingReason_CLOSING_REASON_NO_LONGER_REQUIRES_SERVICES),
	}
}

// councilFigures are every figure of council() as at 31 March 2026.
var councilFigures = map[string]string{
	"cla_count.dfe.all":                               "8/0",
	"cla_change_12m.dfe.all":                          "3/0", // 5 on 31 March 2025: c1, c2, c4, c9, c10
	"placement_foster.dfe.all":                        "2/8", // c1, c3 (in hospital)
	"placement_supported_accommodation.dfe.all":       "1/8",
	"placement_childrens_homes.dfe.all":               "1/8",
	"placement_with_parents.dfe.all":                  "1/8",
	"placement_for_adoption.dfe.all":                  "1/8",
	"placement_other.dfe.all":                         "1/8", // c7; c10 has no placement
	"placed_inside_boundary.dfe.all":                  "4/8", // c1, c3, c5, c6
	"placed_over_20_miles.dfe.all":                    "2/8", // c2, c7; c4 not known stays in the denominator
	"uasc_count.dfe.all":                              "1/0",
	"connected_persons_count.dfe.all":                 "1/0",
	"care_leaver_count.dfe.all":                       "5/0", // c9, l1, l2, l3, l4 (l5 closed)
	"care_leaver_count.dfe.17_18":                     "1/0",
	"care_leaver_count.dfe.19_21":                     "3/0",
	"care_leaver_count.dfe.22_25":                     "1/0",
	"care_leavers_in_touch.dfe.all":                   "2/4", // l3 RHOM out of the base; l4 (no contact) in it
	"care_leavers_in_touch.dfe.17_18":                 "1/1",
	"care_leavers_in_touch.dfe.19_21":                 "1/2",
	"care_leavers_in_touch.dfe.22_25":                 "0/1",
	"care_leavers_in_touch.local.all":                 "2/4",
	"care_leavers_in_touch.local.17_18":               "1/1",
	"care_leavers_in_touch.local.19_21":               "1/2",
	"care_leavers_in_touch.local.22_25":               "0/1",
	"care_leavers_eet.dfe.all":                        "1/5",
	"care_leavers_eet.dfe.17_18":                      "1/1",
	"care_leavers_eet.dfe.19_21":                      "0/3",
	"care_leavers_eet.dfe.22_25":                      "0/1",
	"care_leavers_eet.local.all":                      "1/2",
	"care_leavers_eet.local.17_18":                    "1/1",
	"care_leavers_eet.local.19_21":                    "0/1",
	"care_leavers_eet.local.22_25":                    "0/0",
	"care_leavers_suitable_accommodation.dfe.all":     "1/5",
	"care_leavers_suitable_accommodation.dfe.17_18":   "1/1",
	"care_leavers_suitable_accommodation.dfe.19_21":   "0/3",
	"care_leavers_suitable_accommodation.dfe.22_25":   "0/1",
	"care_leavers_suitable_accommodation.local.all":   "1/2",
	"care_leavers_suitable_accommodation.local.17_18": "1/1",
	"care_leavers_suitable_accommodation.local.19_21": "0/1",
	"care_leavers_suitable_accommodation.local.22_25": "0/0",
}

const councilToday = "2026-03-31"

func sameFigures(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d figures, want %d", what, len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s = %s, want %s", what, k, got[k], w)
		}
	}
}

// TestEveryIndicatorFromTheProducersEvents drives the three producers'
// events through a real in-process JetStream into the running service and
// checks every figure's numerator and denominator; then delivers the same
// events again and restarts the service mid-stream, and checks nothing is
// counted twice.
func TestEveryIndicatorFromTheProducersEvents(t *testing.T) {
	e := newEnv(t)
	// A short duplicate window, so the same events can be delivered again
	// (as a relay re-publishing after its acknowledgement was lost).
	e.streams(t, 100*time.Millisecond)
	clk := clock.NewSettable(londonNoon(councilToday))
	evs := council()
	m := e.start(t, clk)
	e.publish(t, evs...)
	m.waitFigures(t, "", councilFigures)
	got, asAt, err := m.figures("")
	if err != nil || asAt != councilToday {
		t.Fatalf("as at %s: %v", asAt, err)
	}
	sameFigures(t, "live", got, councilFigures)

	// History: as at 31 March 2025 (c1, c2, c4, c9, c10 looked after; l1, l2,
	// l3, l5 care leavers).
	past, _, err := m.figures("2025-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if past["cla_count.dfe.all"] != "5/0" || past["placement_foster.dfe.all"] != "3/5" || past["care_leaver_count.dfe.all"] != "4/0" {
		t.Fatalf("as at 2025-03-31: cla %s foster %s leavers %s", past["cla_count.dfe.all"], past["placement_foster.dfe.all"], past["care_leaver_count.dfe.all"])
	}

	// The live totals agree with an independent recount over the same events.
	rep, err := reconcile.Reconcile(context.Background(), m.app.Projection(), reconcile.NewEventSource(evs...), clock.MustParseDate(councilToday))
	if err != nil || len(rep.Differences) != 0 {
		t.Fatalf("reconcile: %+v %v", rep.Differences, err)
	}

	// Prometheus gauges on the HTTP port.
	resp, err := http.Get("http://" + m.app.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{
		`cp_indicator_numerator{age_band="all",indicator="cla_count",variant="dfe"} 8`,
		`cp_indicator_denominator{age_band="all",indicator="placement_foster",variant="dfe"} 8`,
		`cp_indicator_value{age_band="all",indicator="placed_inside_boundary",variant="dfe"} 50`,
		`cp_metrics_events_applied_total{durable="metrics-placement"}`,
		`consumer_lag{durable="metrics-careleaver"} 0`,
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	seq := m.app.Projection().Seq()

	// The same events again, outside the duplicate window: JetStream stores
	// them again; the service applies none of them.
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		ack, err := e.js.PublishMsg(context.Background(), eventstest.Msg(evs[0]))
		if err != nil {
			return err
		}
		if ack.Duplicate {
			return fmt.Errorf("still within the duplicate window")
		}
		return nil
	})
	e.publish(t, evs[1:]...)
	waitCaughtUp(t, e, m)
	got, _, _ = m.figures("")
	sameFigures(t, "after redelivery", got, councilFigures)
	if m.app.Projection().Seq() != seq {
		t.Fatalf("redelivery changed figures: sequence %d -> %d", seq, m.app.Projection().Seq())
	}

	// Restart mid-stream: stop the service with new events published and
	// not yet consumed, publish more, start again.
	more := []eventstest.Event{
		eventstest.PeriodStarted("n1", "2026-03-02", "C2", false),
		eventstest.PlacementStarted("n1", "2026-03-02", eventstest.Inside("n1-a", "U4")),
		eventstest.PeriodStarted("n2", "2026-03-03", "C2", true),
	}
	e.publish(t, more[0])
	m.stop()
	e.publish(t, more[1:]...)
	e.publish(t, evs[5:9]...) // and some old ones again
	m2 := e.start(t, clk)
	want := map[string]string{}
	for k, v := range councilFigures {
		want[k] = v
	}
	want["cla_count.dfe.all"] = "10/0"
	want["cla_change_12m.dfe.all"] = "5/0"
	want["uasc_count.dfe.all"] = "2/0"
	want["placement_foster.dfe.all"] = "3/10"
	for _, g := range []string{"supported_accommodation", "childrens_homes", "with_parents", "for_adoption", "other"} {
		want["placement_"+g+".dfe.all"] = "1/10"
	}
	want["placed_inside_boundary.dfe.all"] = "5/10"
	want["placed_over_20_miles.dfe.all"] = "2/10"
	m2.waitFigures(t, "", want)
	waitCaughtUp(t, e, m2)
	got, _, _ = m2.figures("")
	sameFigures(t, "after restart", got, want)
	if m2.app.Projection().Seq() <= seq {
		t.Fatalf("sequence went back across the restart: %d then %d", seq, m2.app.Projection().Seq())
	}
}

// waitCaughtUp waits until the three durables have handled their streams.
func waitCaughtUp(t *testing.T, e *env, m *running) {
	t.Helper()
	checkFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		last, err := eventstest.LastSeqs(context.Background(), e.js)
		if err != nil {
			return err
		}
		for stream, durable := range map[string]string{events.StreamCaseload: ingest.DurableCaseload, events.StreamPlacement: ingest.DurablePlacement, events.StreamCareleaver: ingest.DurableCareleaver} {
			lag, err := events.ConsumerLagByName(context.Background(), e.js, stream, durable)
			if err != nil {
				return err
			}
			if lag != 0 {
				return fmt.Errorf("%s: %d of %d not yet applied", durable, lag, last[stream])
			}
		}
		return nil
	})
}
