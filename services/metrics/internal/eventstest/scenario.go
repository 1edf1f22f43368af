package eventstest

import (
	"fmt"
	"math/rand/v2"

	"github.com/corporate-parenting/suite/pkg/clock"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// Scenario generates a deterministic, plausible event history for n
// children up to asAt: periods of care with legal status changes (some
// short breaks), placements with moves and temporary placements, UASC,
// periods ending, care leavers with contacts, age-band changes and
// closures. Every child's events are in date order within each stream;
// some records are backdated (a placement move recorded after later
// events). It is a load and consistency corpus, not the seed scenario.
func Scenario(seed uint64, n int, asAt clock.Date) []Event {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []Event
	for i := range n {
		out = append(out, child(r, fmt.Sprintf("child-%06d", i), asAt)...)
	}
	return out
}

var placeTypes = []struct {
	typ    string
	weight int
}{{"U4", 40}, {"U5", 12}, {"U1", 6}, {"U2", 3}, {"K3", 10}, {"K2", 9}, {"K1", 1}, {"P1", 4}, {"A4", 2}, {"R1", 1}, {"Z1", 1}}

func pickType(r *rand.Rand) string {
	total := 0
	for _, p := range placeTypes {
		total += p.weight
	}
	n := r.IntN(total)
	for _, p := range placeTypes {
		if n < p.weight {
			return p.typ
		}
		n -= p.weight
	}
	return "U4"
}

func pickFacts(r *rand.Rand, id string) *placementv1.PlacementFacts {
	loc := placementv1.Location_LOCATION_INSIDE
	if r.IntN(100) < 45 {
		loc = placementv1.Location_LOCATION_OUTSIDE
	}
	band := placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS
	switch x := r.IntN(100); {
	case x < 18:
		band = placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES
	case x < 22:
		band = placementv1.DistanceBand_DISTANCE_BAND_NOT_KNOWN
	}
	return Facts(id, pickType(r), loc, band)
}

var bands = []string{"17_18", "19_21", "22_25"}

func child(r *rand.Rand, id string, asAt clock.Date) []Event {
	var evs []Event
	start := asAt.AddDays(-r.IntN(1500))
	ds := func(d clock.Date) string { return d.String() }
	evs = append(evs, ChildRegistered(id, ds(start), fmt.Sprintf("%04d-%02d", start.Y-1-r.IntN(16), 1+r.IntN(12))))
	ls := "C2"
	switch x := r.IntN(100); {
	case x < 8:
		ls = "V3"
	case x < 28:
		ls = "V2"
	case x < 35:
		ls = "C1"
	}
	evs = append(evs, PeriodStarted(id, ds(start), ls, r.IntN(100) < 9))
	placeN := 0
	cur := pickFacts(r, fmt.Sprintf("%s-pl%d", id, placeN))
	evs = append(evs, PlacementStarted(id, ds(start), cur))
	d := start
	var backdated []Event
	for range r.IntN(7) {
		next := d.AddDays(20 + r.IntN(200))
		if next.After(asAt) {
			break
		}
		d = next
		switch x := r.IntN(100); {
		case x < 40:
			placeN++
			nf := pickFacts(r, fmt.Sprintf("%s-pl%d", id, placeN))
			ev := PlacementChanged(id, ds(d), cur, nf)
			if r.IntN(10) == 0 {
				backdated = append(backdated, ev) // recorded late: published after the child's other events
			} else {
				evs = append(evs, ev)
			}
			cur = nf
		case x < 55:
			end := d.AddDays(2 + r.IntN(10))
			if end.After(asAt) {
				evs = append(evs, TemporaryStarted(id, ds(d), "T1"))
				d = asAt
				continue
			}
			placeN++
			resumed := Facts(fmt.Sprintf("%s-pl%d", id, placeN), cur.GetPlacementType(), cur.GetLocation(), cur.GetDistanceBand())
			evs = append(evs, TemporaryStarted(id, ds(d), "T"+fmt.Sprint(r.IntN(5))), TemporaryEnded(id, ds(end), "T1", resumed))
			cur = resumed
			d = end
		case x < 70:
			nls := []string{"C2", "E1", "V2", "J2"}[r.IntN(4)]
			evs = append(evs, LegalStatusChanged(id, ds(d), ls, nls))
			ls = nls
		case x < 76:
			evs = append(evs, UascChanged(id, ds(d), r.IntN(2) == 0))
		default:
			evs = append(evs, AllocationChanged(id, ds(d)))
		}
	}
	evs = append(evs, backdated...)
	if r.IntN(100) >= 35 {
		return evs
	}
	end := d.AddDays(1 + r.IntN(300))
	if end.After(asAt) {
		return evs
	}
	evs = append(evs, PlacementEnded(id, ds(end), cur), PeriodEnded(id, ds(end), "E5"))
	if r.IntN(100) < 45 {
		return evs
	}
	bi := r.IntN(len(bands))
	band := bands[bi]
	evs = append(evs, CareLeaverRegistered(id, ds(end), band))
	cd := end
	for range r.IntN(6) {
		cd = cd.AddDays(30 + r.IntN(120))
		if cd.After(asAt) {
			break
		}
		if bi < len(bands)-1 && r.IntN(5) == 0 {
			bi++
			evs = append(evs, AgeBandChanged(id, ds(cd), bands[bi], band))
			band = bands[bi]
			continue
		}
		in, act, acc := "YES", "F2", "U1"
		switch x := r.IntN(100); {
		case x < 5:
			in, act, acc = "NO", "0", "0"
		case x < 7:
			in, act, acc = "RHOM", "0", "0"
		case x < 8:
			in, act, acc = "DIED", "0", "0"
		case x < 12:
			in, act, acc = "REFU", "0", "0"
		case x < 45:
			act = "G5"
		}
		if in == "YES" && r.IntN(100) < 6 {
			acc = "S2"
		}
		evs = append(evs, ContactRecorded(id, ds(cd), band, in, act, acc, true))
	}
	if r.IntN(100) < 8 {
		closeOn := cd.AddDays(1 + r.IntN(60))
		if !closeOn.After(asAt) {
			evs = append(evs, CareLeaverClosed(id, ds(closeOn), band, careleaverv1.ClosingReason_CLOSING_REASON_NO_LONGER_REQUIRES_SERVICES))
		}
	}
	return evs
}
