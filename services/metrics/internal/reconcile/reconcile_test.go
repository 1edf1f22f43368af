package reconcile

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/ingest"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

var today = clock.MustParseDate("2026-03-31")

// live builds the projection from evs as the consumers would.
func live(t *testing.T, evs []proto.Message) *projection.Projection {
	t.Helper()
	p := projection.New(today, 0, nil)
	var arrival uint64
	for _, ev := range evs {
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		pts, err := ingest.Decode(eventstest.Subject(ev), data, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range pts {
			arrival++
			pts[i].Arrival = arrival
		}
		p.Apply(pts)
	}
	return p
}

var dates = []string{"2023-06-30", "2024-03-31", "2025-03-31", "2025-10-15", "2026-03-31"}

// TestRecountOverTheSameEventsAgrees runs the live projection against an
// independent recount over the same events, at today and at past dates.
func TestRecountOverTheSameEventsAgrees(t *testing.T) {
	evs := eventstest.Scenario(3, 300, today)
	p := live(t, evs)
	src := NewEventSource(evs...)
	for _, ds := range dates {
		rep, err := Reconcile(context.Background(), p, src, clock.MustParseDate(ds))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Compared != len(projection.Keys()) {
			t.Fatalf("%s: compared %d", ds, rep.Compared)
		}
		for _, d := range rep.Differences {
			t.Errorf("%s: %s live %d/%d, recount %d/%d", ds, d.Key, d.Live.Numerator, d.Live.Denominator, d.Source.Numerator, d.Source.Denominator)
		}
	}
	// The scenario is not trivial: something is counted everywhere.
	vs, _ := p.At(today, false)
	nonZero := 0
	for _, v := range vs {
		if v.Numerator != 0 {
			nonZero++
		}
	}
	if nonZero < 30 {
		t.Fatalf("only %d non-zero figures: scenario too thin", nonZero)
	}
}

func TestReconcileReportsWhatTheProjectionMissed(t *testing.T) {
	evs := []proto.Message{
		eventstest.PeriodStarted("a", "2026-01-10", "C2", false),
		eventstest.PlacementStarted("a", "2026-01-10", eventstest.Inside("a1", "U4")),
	}
	p := live(t, evs)
	missed := []proto.Message{
		eventstest.PeriodStarted("b", "2026-02-01", "C2", true),
		eventstest.PlacementStarted("b", "2026-02-01", eventstest.Outside("b1", "K2")),
	}
	src := NewEventSource(evs...)
	src.Add(missed...)
	rep, err := Reconcile(context.Background(), p, src, today)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][4]int64{}
	for _, d := range rep.Differences {
		got[d.Key.String()] = [4]int64{d.Live.Numerator, d.Live.Denominator, d.Source.Numerator, d.Source.Denominator}
	}
	want := map[string][4]int64{
		"cla_count.dfe.all":                         {1, 0, 2, 0},
		"cla_change_12m.dfe.all":                    {1, 0, 2, 0},
		"uasc_count.dfe.all":                        {0, 0, 1, 0},
		"placement_foster.dfe.all":                  {1, 1, 1, 2},
		"placement_childrens_homes.dfe.all":         {0, 1, 1, 2},
		"placement_supported_accommodation.dfe.all": {0, 1, 0, 2},
		"placement_with_parents.dfe.all":            {0, 1, 0, 2},
		"placement_for_adoption.dfe.all":            {0, 1, 0, 2},
		"placement_other.dfe.all":                   {0, 1, 0, 2},
		"placed_inside_boundary.dfe.all":            {1, 1, 1, 2},
		"placed_over_20_miles.dfe.all":              {0, 1, 1, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("differences %v", got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v, want %v", k, got[k], w)
		}
	}
}

func TestEventSourceResolvesTemporaryAndLatestContact(t *testing.T) {
	evs := []proto.Message{
		eventstest.PeriodStarted("a", "2025-01-10", "C2", false),
		eventstest.PlacementStarted("a", "2025-01-10", eventstest.Inside("a1", "U4")),
		eventstest.TemporaryStarted("a", "2025-02-01", "T1"),
		eventstest.CareLeaverRegistered("z", "2025-01-01", "19_21"),
		eventstest.ContactRecorded("z", "2025-03-01", "19_21", "YES", "F2", "U1", true),
		eventstest.ContactRecorded("z", "2025-02-01", "19_21", "NO", "0", "0", false), // backdated
	}
	src := NewEventSource(evs...)
	ctx := context.Background()
	pl, _ := src.Placements(ctx, clock.MustParseDate("2025-02-02"))
	if pl["a"].Type != "U4" || !pl["a"].Present {
		t.Fatalf("temporary not resolved: %+v", pl["a"])
	}
	cl, _ := src.CareLeavers(ctx, clock.MustParseDate("2025-03-05"))
	if cl["z"].Contact.InTouch != "YES" {
		t.Fatalf("latest contact %+v", cl["z"])
	}
	cl, _ = src.CareLeavers(ctx, clock.MustParseDate("2025-02-15"))
	if cl["z"].Contact.InTouch != "NO" {
		t.Fatalf("contact as at 15 Feb %+v", cl["z"])
	}
}
