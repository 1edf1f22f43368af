package placement_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
	"github.com/corporate-parenting/suite/services/placement/internal/store"
)

// The domain runs against the real store over a bbolt file under
// t.TempDir(); the care timelines are what caseload would answer.

const council = "E08000026"

var now = clock.MustParseDate("2025-11-03").Midnight().Add(12 * time.Hour)

func d(s string) clock.Date { return clock.MustParseDate(s) }

func openStore(t *testing.T) *store.Store {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "placement.db"), store.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// care is a child born on dob, looked after from start under ls.
func care(dob, start, ls string) ssda903.CareTimeline {
	return ssda903.CareTimeline{DOB: d(dob), Periods: []ssda903.Period{{
		ID: "p1", Start: d(start), CIN: "N1", Statuses: []ssda903.StatusSpell{{ID: "s1", LS: ls, Start: d(start)}},
	}}}
}

type harness struct {
	t     *testing.T
	st    *store.Store
	svc   *placement.Service
	child string
	care  ssda903.CareTimeline
	n     int
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, st: openStore(t), svc: placement.NewService(council), child: "child-1",
		care: care("2015-06-01", "2025-04-01", "C2")}
}

func (h *harness) write(fn func(tx placement.Tx, w placement.Write) error) error {
	h.n++
	w := placement.Write{ChildID: h.child, Care: h.care, At: now, NewID: "pl-" + string(rune('a'+h.n-1))}
	return h.st.Write(context.Background(), "", nil, nil, func(tx placement.Tx) error { return fn(tx, w) })
}

func (h *harness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("write refused: %v (%v)", err, errs.ViolationsOf(err))
	}
}

func (h *harness) placements() []placement.Placement {
	h.t.Helper()
	c, err := h.st.Child(h.child)
	if err != nil {
		h.t.Fatal(err)
	}
	return c.Placements
}

func (h *harness) outbox() []*placementv1.PlacementEvent {
	h.t.Helper()
	var out []*placementv1.PlacementEvent
	err := h.st.DB().View(func(tx *bolt.Tx) error {
		evs, err := events.PendingEvents(tx, 0)
		for _, e := range evs {
			m := &placementv1.PlacementEvent{}
			if err := proto.Unmarshal(e.Data, m); err != nil {
				return err
			}
			if m.GetEventId() != e.ID {
				h.t.Errorf("event_id %q, Nats-Msg-Id %q", m.GetEventId(), e.ID)
			}
			out = append(out, m)
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func foster(carer string) placement.Details {
	return placement.Details{Place: "U4", Provider: "PR1", URN: "SC000001", CarerID: carer, PlacementLA: council,
		Home: &placement.GridReference{Easting: 530000, Northing: 180000},
		Grid: &placement.GridReference{Easting: 533000, Northing: 184000}}
}

func childrensHome() placement.Details {
	return placement.Details{Place: "K2", Provider: "PR4", URN: "SC000002", CarerID: "home-9", PlacementLA: "E09000001"}
}

func TestStartChangeEnd(t *testing.T) {
	h := newHarness(t)
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		p, err := h.svc.Start(tx, w, d("2025-04-01"), foster("carer-1"))
		if err == nil && (p.Location != "IN" || p.Distance == nil || *p.Distance != 3.1 || p.DistanceBand() != "20_or_less") {
			t.Errorf("started %+v: want IN, 3.1 miles, 20_or_less", p)
		}
		return err
	}))
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		ended, started, err := h.svc.Change(tx, w, d("2025-05-01"), "CARPL", childrensHome())
		if err == nil && (ended.End != d("2025-05-01") || ended.ReasonChange != "CARPL" || started.Location != "OUT" ||
			started.Distance != nil || started.DistanceBand() != "not_known" || started.Group() != "childrens_homes") {
			t.Errorf("change: ended %+v started %+v", ended, started)
		}
		return err
	}))
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		_, err := h.svc.End(tx, w, d("2025-06-01"))
		return err
	}))

	pl := h.placements()
	if len(pl) != 2 || pl[0].Place != "U4" || pl[0].End != d("2025-05-01") || pl[1].Place != "K2" ||
		pl[1].Start != d("2025-05-01") || pl[1].End != d("2025-06-01") || pl[1].ReasonChange != "" {
		t.Fatalf("timeline %+v", pl)
	}
	c := &placement.Child{Placements: pl}
	if p, ok := c.On(d("2025-04-30")); !ok || p.Place != "U4" {
		t.Errorf("On 2025-04-30 = %+v, %v", p, ok)
	}
	if p, ok := c.On(d("2025-05-01")); !ok || p.Place != "K2" {
		t.Errorf("On 2025-05-01 = %+v, %v", p, ok)
	}
	if _, ok := c.On(d("2025-06-01")); ok {
		t.Error("a placement is in force on its end date")
	}

	evs := h.outbox()
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	if s := evs[0].GetStarted().GetPlacement(); s.GetPlacementType() != "U4" || s.GetPlacementGroup() != "foster" ||
		s.GetLocation() != placementv1.Location_LOCATION_INSIDE || s.GetDistanceBand() != placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS ||
		s.GetCarerId() != "carer-1" || s.GetUrn() != "SC000001" || s.GetProvider() != "PR1" || evs[0].GetEffectiveDate() != "2025-04-01" {
		t.Errorf("started event %v", evs[0])
	}
	if c := evs[1].GetChanged(); c.GetPrevious().GetPlacementType() != "U4" || c.GetPlacement().GetPlacementType() != "K2" ||
		c.GetReasonForChange() != "CARPL" || c.GetPlacement().GetLocation() != placementv1.Location_LOCATION_OUTSIDE ||
		c.GetPlacement().GetDistanceBand() != placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN {
		t.Errorf("changed event %v", evs[1])
	}
	if e := evs[2].GetEnded().GetPlacement(); e.GetPlacementType() != "K2" || evs[2].GetEffectiveDate() != "2025-06-01" {
		t.Errorf("ended event %v", evs[2])
	}
	for _, e := range evs {
		if e.GetChildId() != h.child || e.GetOccurTime() == nil {
			t.Errorf("event header %v", e)
		}
	}
}

func TestTemporaryPlacementReturnsToTheInterruptedOne(t *testing.T) {
	h := newHarness(t)
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		_, err := h.svc.Start(tx, w, d("2025-04-01"), foster("carer-1"))
		return err
	}))
	first := h.placements()[0]
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		p, err := h.svc.StartTemporary(tx, w, d("2025-07-01"), "T2", "WAL")
		if err == nil && (p.InterruptedID != first.ID || p.Location != "OUT" || p.Group() != "temporary") {
			t.Errorf("temporary %+v", p)
		}
		return err
	}))
	// A second temporary placement straight after the first still
	// interrupts the foster placement.
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		p, err := h.svc.StartTemporary(tx, w, d("2025-07-05"), "T4", "")
		if err == nil && (p.InterruptedID != first.ID || p.Location != "") {
			t.Errorf("second temporary %+v", p)
		}
		return err
	}))
	h.must(h.write(func(tx placement.Tx, w placement.Write) error {
		ended, resumed, err := h.svc.EndTemporary(tx, w, d("2025-07-08"))
		if err != nil {
			return err
		}
		if ended.Place != "T4" || ended.End != d("2025-07-08") {
			t.Errorf("ended %+v", ended)
		}
		want := first
		want.ID, want.Start, want.End, want.Created = w.NewID, d("2025-07-08"), clock.Date{}, now
		if resumed.Distance == nil || *resumed.Distance != *first.Distance || resumed.Distance == first.Distance {
			t.Errorf("resumed distance %v, want a copy of %v", resumed.Distance, *first.Distance)
		}
		resumed.Distance, want.Distance = nil, nil
		if resumed != want {
			t.Errorf("resumed %+v\nwant    %+v", resumed, want)
		}
		return nil
	}))
	pl := h.placements()
	var places []string
	for _, p := range pl {
		places = append(places, p.Place+":"+p.Start.String()+"-"+p.End.String())
	}
	if want := []string{"U4:2025-04-01-2025-07-01", "T2:2025-07-01-2025-07-05", "T4:2025-07-05-2025-07-08", "U4:2025-07-08-"}; !slices.Equal(places, want) {
		t.Errorf("timeline %v, want %v", places, want)
	}
	evs := h.outbox()
	if len(evs) != 4 || evs[1].GetTemporaryStarted().GetPlacement().GetPlacementType() != "T2" ||
		evs[2].GetTemporaryStarted().GetPlacement().GetPlacementType() != "T4" ||
		evs[3].GetTemporaryEnded().GetPrevious().GetPlacementType() != "T4" ||
		evs[3].GetTemporaryEnded().GetPlacement().GetPlacementType() != "U4" ||
		evs[3].GetTemporaryEnded().GetPlacement().GetCarerId() != "carer-1" {
		t.Errorf("events %v", evs)
	}
}

// A refused write names the DfE rule, changes nothing and emits nothing.
func TestRefusedWritesChangeNothing(t *testing.T) {
	type step func(h *harness, tx placement.Tx, w placement.Write) error
	start := func(det placement.Details, on string) step {
		return func(h *harness, tx placement.Tx, w placement.Write) error {
			_, err := h.svc.Start(tx, w, d(on), det)
			return err
		}
	}
	tests := []struct {
		name  string
		care  ssda903.CareTimeline
		setup []step
		write step
		kind  errs.Kind
		field string
		rule  string
	}{
		{"provider PR0 only with P1", care("2015-06-01", "2025-04-01", "C2"), nil,
			start(placement.Details{Place: "U4", Provider: "PR0", URN: "SC1", PlacementLA: council}, "2025-04-01"),
			errs.KindInvalid, "details.provider", "903:550"},
		{"not looked after on the start date", care("2015-06-01", "2025-04-01", "C2"), nil,
			start(foster("c"), "2025-03-01"),
			errs.KindFailedPrecondition, "start_date", ssda903.RuleLookedAfter},
		{"already placed", care("2015-06-01", "2025-04-01", "C2"), []step{start(foster("c"), "2025-04-01")},
			start(foster("c"), "2025-05-01"),
			errs.KindFailedPrecondition, "start_date", "903:501"},
		{"no current placement to change", care("2015-06-01", "2025-04-01", "C2"), nil,
			func(h *harness, tx placement.Tx, w placement.Write) error {
				_, _, err := h.svc.Change(tx, w, d("2025-05-01"), "CARPL", childrensHome())
				return err
			},
			errs.KindFailedPrecondition, "change_date", ssda903.RuleCurrentPlacement},
		{"no placement to end", care("2015-06-01", "2025-04-01", "C2"), nil,
			func(h *harness, tx placement.Tx, w placement.Write) error {
				_, err := h.svc.End(tx, w, d("2025-05-01"))
				return err
			},
			errs.KindFailedPrecondition, "end_date", ssda903.RuleCurrentPlacement},
		{"temporary with nothing to interrupt", care("2015-06-01", "2025-04-01", "C2"), nil,
			func(h *harness, tx placement.Tx, w placement.Write) error {
				_, err := h.svc.StartTemporary(tx, w, d("2025-05-01"), "T1", "")
				return err
			},
			errs.KindFailedPrecondition, "start_date", "903:380"},
		{"no temporary placement to end", care("2015-06-01", "2025-04-01", "C2"), []step{start(foster("c"), "2025-04-01")},
			func(h *harness, tx placement.Tx, w placement.Write) error {
				_, _, err := h.svc.EndTemporary(tx, w, d("2025-05-01"))
				return err
			},
			errs.KindFailedPrecondition, "end_date", ssda903.RuleCurrentPlacement},
		{"distance for a UASC", func() ssda903.CareTimeline {
			c := care("2010-06-01", "2025-04-01", "V2")
			c.UASC = true
			return c
		}(), nil,
			start(foster("c"), "2025-04-01"),
			errs.KindInvalid, "details.home_grid", "903:406"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.care = tt.care
			for _, s := range tt.setup {
				h.must(h.write(func(tx placement.Tx, w placement.Write) error { return s(h, tx, w) }))
			}
			before, evsBefore := h.placements(), len(h.outbox())
			err := h.write(func(tx placement.Tx, w placement.Write) error { return tt.write(h, tx, w) })
			if errs.KindOf(err) != tt.kind {
				t.Fatalf("got %v (%v), want kind %v", err, errs.KindOf(err), tt.kind)
			}
			found := false
			for _, v := range errs.ViolationsOf(err) {
				found = found || (v.Field == tt.field && v.Rule == tt.rule)
			}
			if !found {
				t.Errorf("violations %v: want %s on %s", errs.ViolationsOf(err), tt.rule, tt.field)
			}
			if after := h.placements(); !reflect.DeepEqual(after, before) && !(len(after) == 0 && len(before) == 0) {
				t.Errorf("placements changed: %+v -> %+v", before, after)
			}
			if n := len(h.outbox()); n != evsBefore {
				t.Errorf("%d events after a refused write, want %d", n, evsBefore)
			}
		})
	}
}

func TestEventKindSubjects(t *testing.T) {
	want := map[placement.EventKind]string{
		placement.EventStarted: "placement.started", placement.EventChanged: "placement.changed",
		placement.EventEnded: "placement.ended", placement.EventTemporaryStarted: "placement.temporary.started",
		placement.EventTemporaryEnded: "placement.temporary.ended", 0: "",
	}
	for k, s := range want {
		if got := k.Subject(); got != s {
			t.Errorf("%d.Subject() = %q, want %q", k, got, s)
		}
	}
}

func TestPlacementDerivations(t *testing.T) {
	far := 25.0
	tests := []struct {
		p     placement.Placement
		band  string
		group string
		temp  bool
	}{
		{placement.Placement{Place: "U1"}, "not_known", "foster", false},
		{placement.Placement{Place: "K3", Distance: &far}, "over_20", "supported_accommodation", false},
		{placement.Placement{Place: "T1"}, "not_known", "temporary", true},
		{placement.Placement{Place: "Z11"}, "not_known", "other", false},
	}
	for _, tt := range tests {
		if tt.p.DistanceBand() != tt.band || string(tt.p.Group()) != tt.group || tt.p.Temporary() != tt.temp {
			t.Errorf("%s: band %s group %s temporary %v", tt.p.Place, tt.p.DistanceBand(), tt.p.Group(), tt.p.Temporary())
		}
	}
	if placement.NewService(council).CouncilLA() != council {
		t.Error("CouncilLA")
	}
}
