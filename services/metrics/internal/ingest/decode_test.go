package ingest

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// nothingKnown is a state that knows nothing.
type nothingKnown struct{}

func (nothingKnown) MonthOfBirth(string) string          { return "" }
func (nothingKnown) AgeBandOn(string, clock.Date) string { return "" }

// allKnown already knows the month of birth and band 19_21.
type allKnown struct{}

func (allKnown) MonthOfBirth(string) string          { return eventstest.DefaultMonthOfBirth }
func (allKnown) AgeBandOn(string, clock.Date) string { return "19_21" }

func decode(t *testing.T, ev eventstest.Event, known Known) []projection.Point {
	t.Helper()
	data, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := Decode(eventstest.Subject(ev), data, known)
	if err != nil {
		t.Fatalf("decode %s: %v", eventstest.Subject(ev), err)
	}
	return pts
}

func kinds(pts []projection.Point) string {
	s := ""
	for _, p := range pts {
		s += string(rune(p.Kind))
	}
	return s
}

func TestDecodeEveryKind(t *testing.T) {
	inside := eventstest.Inside("pl1", "U2")
	tests := []struct {
		name  string
		ev    eventstest.Event
		known Known
		kinds string
		check func(t *testing.T, pts []projection.Point)
	}{
		{"child registered", eventstest.ChildRegistered("c", "2025-01-01", "2012-03"), nothingKnown{}, "M", func(t *testing.T, p []projection.Point) {
			if p[0].MonthOfBirth != "2012-03" {
				t.Fatal(p[0])
			}
		}},
		{"month already known", eventstest.AllocationChanged("c", "2025-01-01"), allKnown{}, "", nil},
		{"date of birth corrected", eventstest.ChildUpdated("c", "2025-01-01", "2011-12"), allKnown{}, "M", func(t *testing.T, p []projection.Point) {
			if p[0].MonthOfBirth != "2011-12" || p[0].Date != clock.MustParseDate("2025-01-01") {
				t.Fatal(p[0])
			}
		}},
		{"period started", eventstest.PeriodStarted("c", "2025-01-01", "C2", true), allKnown{}, "LU", func(t *testing.T, p []projection.Point) {
			if !p[0].Care.LookedAfter || p[0].Care.LegalStatus != "C2" || !p[1].UASC || p[0].Date != clock.MustParseDate("2025-01-01") {
				t.Fatal(p)
			}
		}},
		{"legal status changed", eventstest.LegalStatusChanged("c", "2025-02-01", "C2", "V3"), allKnown{}, "L", func(t *testing.T, p []projection.Point) {
			if p[0].Care != (projection.Care{LookedAfter: true, LegalStatus: "V3"}) {
				t.Fatal(p)
			}
		}},
		{"period ended", eventstest.PeriodEnded("c", "2025-03-01", "E5"), allKnown{}, "L", func(t *testing.T, p []projection.Point) {
			if p[0].Care.LookedAfter {
				t.Fatal(p)
			}
		}},
		{"uasc changed", eventstest.UascChanged("c", "2025-03-01", false), allKnown{}, "U", nil},
		{"period reopened", eventstest.CareCorrected("c", "2025-03-01", "reopen_period", "C2", true), allKnown{}, "L", func(t *testing.T, p []projection.Point) {
			if p[0].Care != (projection.Care{LookedAfter: true, LegalStatus: "C2"}) {
				t.Fatal(p)
			}
		}},
		{"placement started", eventstest.PlacementStarted("c", "2025-01-01", inside), nothingKnown{}, "P", func(t *testing.T, p []projection.Point) {
			want := projection.Placement{Present: true, Type: "U2", Group: codes.GroupFoster, Location: projection.LocationInside, Distance: codes.Distance20OrLess}
			if p[0].Placement != want {
				t.Fatalf("%+v", p[0].Placement)
			}
		}},
		{"placement changed", eventstest.PlacementChanged("c", "2025-02-01", inside, eventstest.Outside("pl2", "K2")), nothingKnown{}, "P", func(t *testing.T, p []projection.Point) {
			if p[0].Placement.Group != codes.GroupChildrensHomes || p[0].Placement.Location != projection.LocationOutside || p[0].Placement.Distance != codes.DistanceOver20 {
				t.Fatalf("%+v", p[0].Placement)
			}
		}},
		{"temporary started", eventstest.TemporaryStarted("c", "2025-02-01", "T2"), nothingKnown{}, "P", func(t *testing.T, p []projection.Point) {
			if !p[0].Placement.Temporary || p[0].Placement.Group != codes.GroupTemporary || p[0].Placement.Distance != codes.DistanceNotKnown {
				t.Fatalf("%+v", p[0].Placement)
			}
		}},
		{"temporary ended", eventstest.TemporaryEnded("c", "2025-02-05", "T2", inside), nothingKnown{}, "P", func(t *testing.T, p []projection.Point) {
			if p[0].Placement.Temporary || p[0].Placement.Type != "U2" {
				t.Fatalf("%+v", p[0].Placement)
			}
		}},
		{"placement ended", eventstest.PlacementEnded("c", "2025-03-01", inside), nothingKnown{}, "P", func(t *testing.T, p []projection.Point) {
			if p[0].Placement.Present {
				t.Fatalf("%+v", p[0].Placement)
			}
		}},
		{"care leaver registered", eventstest.CareLeaverRegistered("c", "2025-03-01", "17_18"), allKnown{}, "CB", func(t *testing.T, p []projection.Point) {
			if !p[0].CareLeaver.Open || p[0].CareLeaver.Category != "former_relevant" || p[1].AgeBand != "17_18" {
				t.Fatal(p)
			}
		}},
		{"contact, band known", eventstest.ContactRecorded("c", "2025-04-01", "19_21", "YES", "F2", "U1", true), allKnown{}, "T", func(t *testing.T, p []projection.Point) {
			if p[0].Contact != (projection.Contact{InTouch: "YES", Activity: "F2", Accommodation: "U1"}) || p[0].Rank != projection.RankNormal {
				t.Fatal(p)
			}
		}},
		{"older contact, band new", eventstest.ContactRecorded("c", "2025-04-01", "22_25", "NO", "0", "0", false), allKnown{}, "TB", func(t *testing.T, p []projection.Point) {
			if p[0].Rank != projection.RankSuperseded || p[1].AgeBand != "22_25" {
				t.Fatal(p)
			}
		}},
		{"age band changed", eventstest.AgeBandChanged("c", "2025-05-01", "22_25", "19_21"), allKnown{}, "B", nil},
		{"adviser changed", eventstest.AdviserChanged("c", "2025-05-01", "19_21"), allKnown{}, "", nil},
		{"closed", eventstest.CareLeaverClosed("c", "2025-06-01", "19_21", careleaverv1.ClosingReason_CLOSING_REASON_REACHED_25), allKnown{}, "C", func(t *testing.T, p []projection.Point) {
			if p[0].CareLeaver.Open {
				t.Fatal(p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts := decode(t, tt.ev, tt.known)
			if got := kinds(pts); got != tt.kinds {
				t.Fatalf("kinds %q, want %q", got, tt.kinds)
			}
			for _, p := range pts {
				if p.Child != "c" {
					t.Fatalf("child %q", p.Child)
				}
			}
			if tt.check != nil {
				tt.check(t, pts)
			}
		})
	}
}

func TestDecodeRefusesMalformedEvents(t *testing.T) {
	bad := eventstest.PeriodStarted("c", "2025-13-01", "C2", false)
	noChild := eventstest.PeriodStarted("", "2025-01-01", "C2", false)
	badBand := eventstest.ContactRecorded("c", "2025-01-01", "26_30", "YES", "F2", "U1", true)
	noFacts := &placementv1.PlacementEvent{EventId: "x", ChildId: "c", EffectiveDate: "2025-01-01", Kind: &placementv1.PlacementEvent_Started{Started: &placementv1.PlacementStarted{}}}
	for name, ev := range map[string]eventstest.Event{"bad date": bad, "no child": noChild, "bad band": badBand, "no facts": noFacts} {
		data, _ := proto.Marshal(ev)
		if _, err := Decode(eventstest.Subject(ev), data, nothingKnown{}); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Decode("caseload.period.started", []byte{0xff, 0xff}, nothingKnown{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := Decode("other.thing", nil, nothingKnown{}); !errors.Is(err, ErrMalformed) {
		t.Errorf("subject: %v", err)
	}
	// A kind this build does not know (no oneof set) is not an error.
	if pts, err := Decode("placement.started", mustMarshal(&placementv1.PlacementEvent{ChildId: "c", EffectiveDate: "2025-01-01"}), nothingKnown{}); err != nil || len(pts) != 0 {
		t.Errorf("unknown kind: %v %v", pts, err)
	}
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
