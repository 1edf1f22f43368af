package caseload_test

import (
	"reflect"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// applyPlacement applies ev the way the PLACEMENT consumer does: in a bbolt
// transaction of its own, through the store's InTx.
func (f *fixture) applyPlacement(ev caseload.PlacementEvent) error {
	return f.db.Update(func(btx *bolt.Tx) error {
		_, err := f.svc.ApplyPlacement(f.store.InTx(btx), ev)
		return err
	})
}

func facts(id, place, carer string) caseload.PlacementFacts {
	return caseload.PlacementFacts{ID: id, Place: place, Provider: "PR1", URN: "SC" + id, CarerID: carer,
		Location: "IN", DistanceBand: "20_or_less"}
}

func started(child, date string, p caseload.PlacementFacts) caseload.PlacementEvent {
	return caseload.PlacementEvent{Kind: caseload.PlacementStarted, ChildID: child, Date: d(date), Placement: p}
}

func changed(child, date, reason string, prev, p caseload.PlacementFacts) caseload.PlacementEvent {
	return caseload.PlacementEvent{Kind: caseload.PlacementChanged, ChildID: child, Date: d(date),
		Previous: &prev, Placement: p, Reason: reason}
}

func ended(child, date string, p caseload.PlacementFacts) caseload.PlacementEvent {
	return caseload.PlacementEvent{Kind: caseload.PlacementEnded, ChildID: child, Date: d(date), Placement: p}
}

func tempStarted(child, date string, p caseload.PlacementFacts) caseload.PlacementEvent {
	return caseload.PlacementEvent{Kind: caseload.TemporaryPlacementStarted, ChildID: child, Date: d(date), Placement: p}
}

func tempEnded(child, date string, prev, p caseload.PlacementFacts) caseload.PlacementEvent {
	return caseload.PlacementEvent{Kind: caseload.TemporaryPlacementEnded, ChildID: child, Date: d(date),
		Previous: &prev, Placement: p}
}

// spell is a placement spell as the tests compare them.
type spell struct{ ID, Place, Start, End, Reason string }

func spells(pl ssda903.PlacementTimeline) []spell {
	out := make([]spell, len(pl))
	for i, s := range pl {
		out[i] = spell{s.ID, s.Place, s.Start.String(), s.End.String(), s.ReasonChange}
	}
	return out
}

// The copy is built by effective date: every order of arrival, and any
// event applied twice, gives the same timeline. A temporary placement ends
// the one it interrupts (with no reason); its end resumes a new one.
func TestPlacementCopyIsOrderIndependent(t *testing.T) {
	p1, p2 := facts("p1", "U4", "carer-1"), facts("p2", "U4", "carer-2")
	tmp := caseload.PlacementFacts{ID: "t1", Place: "T1", Location: "OUT", DistanceBand: "not_known"}
	p3 := facts("p3", "U4", "carer-2")
	evs := func(child string) []caseload.PlacementEvent {
		return []caseload.PlacementEvent{
			started(child, "2025-01-10", p1),
			changed(child, "2025-03-01", "CARPL", p1, p2),
			tempStarted(child, "2025-05-01", tmp),
			tempEnded(child, "2025-05-08", tmp, p3),
			ended(child, "2026-01-31", p3),
		}
	}
	want := []spell{
		{"p1", "U4", "2025-01-10", "2025-03-01", "CARPL"},
		{"p2", "U4", "2025-03-01", "2025-05-01", ""},
		{"t1", "T1", "2025-05-01", "2025-05-08", ""},
		{"p3", "U4", "2025-05-08", "2026-01-31", ""},
	}
	orders := map[string][]int{
		"as written":            {0, 1, 2, 3, 4},
		"reversed":              {4, 3, 2, 1, 0},
		"backdated start last":  {1, 2, 3, 4, 0},
		"temporary before move": {0, 2, 3, 1, 4},
		"twice over":            {0, 1, 1, 2, 3, 0, 4, 4, 2},
	}
	f := newFixture(t)
	for name, order := range orders {
		t.Run(name, func(t *testing.T) {
			c := f.register("LA-"+name, "2015-05-01")
			all := evs(c.ID)
			for _, i := range order {
				f.must(f.applyPlacement(all[i]))
			}
			if got := spells(f.child(c.ID).PlacementTimeline()); !reflect.DeepEqual(got, want) {
				t.Fatalf("timeline:\n got %v\nwant %v", got, want)
			}
		})
	}
	// Only the copy changes: no event is emitted, the update time is the
	// registration's.
	c := f.register("LA-only-copy", "2015-05-01")
	before := len(f.outbox())
	f.must(f.applyPlacement(started(c.ID, "2025-01-10", p1)))
	if got := f.child(c.ID); len(f.outbox()) != before || !got.Updated.Equal(c.Updated) || got.Revision != c.Revision+1 {
		t.Fatalf("outbox %d → %d, updated %v → %v, revision %d → %d", before, len(f.outbox()),
			c.Updated, got.Updated, c.Revision, got.Revision)
	}
}

func TestApplyPlacementRefusals(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2015-05-01")
	for name, tc := range map[string]struct {
		ev   caseload.PlacementEvent
		kind errs.Kind
	}{
		"unknown child": {started("no-such-child", "2025-01-10", facts("p1", "U4", "k")), errs.KindNotFound},
		"no date":       {caseload.PlacementEvent{Kind: caseload.PlacementStarted, ChildID: c.ID, Placement: facts("p1", "U4", "k")}, errs.KindInvalid},
		"no id":         {started(c.ID, "2025-01-10", caseload.PlacementFacts{Place: "U4"}), errs.KindInvalid},
		"no previous":   {caseload.PlacementEvent{Kind: caseload.PlacementChanged, ChildID: c.ID, Date: d("2025-01-10"), Placement: facts("p1", "U4", "k")}, errs.KindInvalid},
		"unknown kind":  {caseload.PlacementEvent{ChildID: c.ID, Date: d("2025-01-10"), Placement: facts("p1", "U4", "k")}, errs.KindInvalid},
	} {
		if err := f.applyPlacement(tc.ev); errs.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %v", name, err, tc.kind)
		}
	}
	if got := f.child(c.ID); len(got.Placements) != 0 || got.Revision != c.Revision {
		t.Fatalf("refused events changed the child: %+v", got.Placements)
	}
}

// episode is an episode as the tests compare them.
type episode struct{ DECOM, RNE, LS, Place, DEC, REC, ReasonPlaceChange string }

func episodes(c *caseload.Child) []episode {
	var out []episode
	for _, e := range caseload.Episodes(c) {
		out = append(out, episode{e.DECOM.String(), e.RNE, e.LS, e.Place, e.DEC.String(), e.REC, e.ReasonPlaceChange})
	}
	return out
}

// The episode list is the merge of caseload's legal statuses and the copy
// of the placements: S to start, P on a move to a new carer, L on a change
// of legal status alone, B (new carer) and U (same carer) when both change
// the same day, X1 on every episode but the last, which carries the E-code.
func TestEpisodesMergeLegalStatusesAndPlacements(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2015-05-01").ID
	f.start(c, "2025-01-10", "C2")
	p1, p2, p3, p4 := facts("p1", "U4", "carer-1"), facts("p2", "U4", "carer-2"), facts("p3", "U6", "carer-2"), facts("p4", "U4", "carer-4")
	f.must(f.applyPlacement(started(c, "2025-01-10", p1)))
	f.must(f.applyPlacement(changed(c, "2025-03-01", "CARPL", p1, p2)))
	f.change(c, "2025-06-01", "C1")
	f.must(f.applyPlacement(changed(c, "2025-09-01", "CREQB", p2, p3))) // same carer
	f.change(c, "2025-09-01", "V2")
	f.change(c, "2025-11-01", "C1")
	f.must(f.applyPlacement(changed(c, "2025-11-01", "CARPL", p3, p4))) // new carer
	f.must(f.applyPlacement(ended(c, "2026-01-31", p4)))
	f.end(c, "2026-01-31", "E8")

	want := []episode{
		{"2025-01-10", "S", "C2", "U4", "2025-03-01", "X1", "CARPL"},
		{"2025-03-01", "P", "C2", "U4", "2025-06-01", "X1", ""},
		{"2025-06-01", "L", "C1", "U4", "2025-09-01", "X1", "CREQB"},
		{"2025-09-01", "U", "V2", "U6", "2025-11-01", "X1", "CARPL"},
		{"2025-11-01", "B", "C1", "U4", "2026-01-31", "E8", ""},
	}
	if got := episodes(f.child(c)); !reflect.DeepEqual(got, want) {
		t.Fatalf("episodes:\n got %v\nwant %v", got, want)
	}
}

// The checks of caseload's writes read the copy: 390 (adoption needs an
// A3–A6 last placement), 378 (placed with parents cannot be under V2) and
// the minimum ages of a corrected date of birth (371).
func TestChecksReadThePlacementCopy(t *testing.T) {
	f := newFixture(t)
	c := f.register("LA-1", "2015-05-01").ID
	f.start(c, "2025-01-10", "C2")
	u4, a4 := facts("p1", "U4", "carer-1"), facts("p2", "A4", "adopter-1")
	f.must(f.applyPlacement(started(c, "2025-01-10", u4)))

	rules := func(err error) []string {
		var out []string
		for _, v := range errs.ViolationsOf(err) {
			out = append(out, v.Rule)
		}
		return out
	}
	endE11 := func() error {
		return f.write(func(tx caseload.MilestoneTx) error {
			_, _, _, err := f.svc.EndPeriod(tx, c, d("2026-01-31"), "E11")
			return err
		})
	}
	if err := endE11(); !slices.Contains(rules(err), "903:390") {
		t.Fatalf("E11 from a U4 placement: %v, want 903:390", err)
	}
	f.must(f.applyPlacement(changed(c, "2025-10-01", "CARPL", u4, a4)))
	f.must(endE11())

	// Placed with parents (P1) cannot be under V2.
	c2 := f.register("LA-2", "2015-05-01").ID
	f.start(c2, "2025-01-10", "C2")
	f.must(f.applyPlacement(started(c2, "2025-01-10", facts("q1", "P1", "parent"))))
	err := f.write(func(tx caseload.MilestoneTx) error {
		_, _, err := f.svc.ChangeLegalStatus(tx, c2, d("2025-04-01"), "V2")
		return err
	})
	if !slices.Contains(rules(err), "903:378") {
		t.Fatalf("V2 while placed with parents: %v, want 903:378", err)
	}

	// A semi-independent placement (K3) needs the child to be 16; a date of
	// birth that makes them younger when it started is refused.
	c3 := f.register("LA-3", "2008-05-01").ID
	f.start(c3, "2025-01-10", "C2")
	f.must(f.applyPlacement(started(c3, "2025-01-10", facts("r1", "K3", "prov-1"))))
	err = f.write(func(tx caseload.MilestoneTx) error {
		_, err := f.svc.UpdateDetails(tx, c3, caseload.DetailsUpdate{DOB: d("2010-05-01")})
		return err
	})
	if !slices.Contains(rules(err), "903:371") {
		t.Fatalf("date of birth making a K3 placement under age: %v, want 903:371", err)
	}
}
