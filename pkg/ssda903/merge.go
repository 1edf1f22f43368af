package ssda903

import (
	"slices"

	"github.com/corporate-parenting/suite/pkg/clock"
)

// Episode is one SSDA903 episode: a (legal status, placement) pair. The
// first eleven fields are the 903 columns; the rest link the episode back to
// the records it was derived from.
type Episode struct {
	DECOM             clock.Date // date episode commenced
	RNE               string     // reason for new episode: S, L, P, T, B, U
	LS                string     // legal status
	CIN               string     // category of need
	Place             string     // PLACE; "" when no placement is known
	PlaceProvider     string     // PLACE_PROVIDER
	DEC               clock.Date // date episode ceased; zero while open
	REC               string     // X1 within a period, the period's E-code on its last episode
	ReasonPlaceChange string     // REASON_PLACE_CHANGE, on the episode that ends with a move
	URN               string     // Ofsted URN
	PLLocation        string     // PL_LOCATION: IN, OUT or ""

	PeriodID    string
	StatusID    string // the legal status spell
	PlacementID string // "" when no placement
	CarerID     string
	PlacementLA string
	Distance    *float64
}

// Merge derives the 903 episode list from the care timeline and the
// placement timeline (architecture "903 episodes are derived, not typed
// in"). Within each period of care a new episode starts whenever the legal
// status or the placement changes:
//
//   - RNE S on the first episode of a period; L when only the legal status
//     changes; P when only the placement changes and the carer changes, T
//     when the carer stays the same; B (new carer) or U (same carer) when
//     both change on the same day. "Same carer" means both placements carry
//     the same non-empty CarerID. A different placement record is a change
//     of placement even if its details are equal: a move happened.
//   - REC X1 on every episode but the last of a period; the last carries the
//     period's REC (empty while the period is open), DEC the period's end.
//   - REASON_PLACE_CHANGE on the episode that ends with a move: the ended
//     placement's ReasonChange.
//   - PLACE (and provider, URN, PL_LOCATION) empty where no placement is in
//     force, e.g. before the first placement of a period; a placement that
//     ends mid-period without a successor starts an episode with an empty
//     PLACE (RNE P), so the gap is visible rather than hidden.
//
// Placements are clipped to the period: only days on which the child is
// looked after make episodes. By construction the result satisfies rules
// 142, 357, 388, 431–436 and 501 for well-formed input (non-overlapping
// periods and placements, statuses in date order).
func Merge(care CareTimeline, pl PlacementTimeline) []Episode {
	eps, _ := merge(care, pl, false)
	return eps
}

// merge is Merge that also returns, when withIdx, the index in pl of each
// episode's placement (-1 for none), which the placement rules need.
func merge(care CareTimeline, pl PlacementTimeline, withIdx bool) ([]Episode, []int) {
	periods := periodsInOrder(care.Periods)
	n := 0 // an upper bound on the number of episodes
	for i := range periods {
		n += 1 + len(periods[i].Statuses)
	}
	if len(periods) > 0 {
		n += 2 * len(pl)
	}
	out := make([]Episode, 0, n)
	var idx []int
	if withIdx {
		idx = make([]int, 0, n)
	}
	var buf [32]clock.Date
	bounds := buf[:0]
	for i := range periods {
		out, idx, bounds = mergePeriod(&periods[i], pl, out, idx, withIdx, bounds)
	}
	return out, idx
}

func mergePeriod(p *Period, pl PlacementTimeline, out []Episode, idx []int, withIdx bool, bounds []clock.Date) ([]Episode, []int, []clock.Date) {
	inside := func(d clock.Date) bool {
		return d.After(p.Start) && (p.End.IsZero() || d.Before(p.End))
	}
	bounds = append(bounds[:0], p.Start)
	for i := range p.Statuses {
		if inside(p.Statuses[i].Start) {
			bounds = append(bounds, p.Statuses[i].Start)
		}
	}
	// The placements in force on some day of the period.
	var buf [16]int
	cand := buf[:0]
	for i := range pl {
		s := &pl[i]
		if (p.End.IsZero() || s.Start.Before(p.End)) && (s.End.IsZero() || s.End.After(p.Start)) {
			cand = append(cand, i)
		}
	}
	for _, i := range cand {
		if inside(pl[i].Start) {
			bounds = append(bounds, pl[i].Start)
		}
		if !pl[i].End.IsZero() && inside(pl[i].End) {
			bounds = append(bounds, pl[i].End)
		}
	}
	slices.SortFunc(bounds, func(a, b clock.Date) int { return a.Compare(b) })
	bounds = slices.Compact(bounds)

	first := len(out)
	prevLS, prevPl := "", -1
	for _, b := range bounds {
		si := p.statusOn(b)
		ls, statusID := "", ""
		if si >= 0 {
			ls, statusID = p.Statuses[si].LS, p.Statuses[si].ID
		}
		pi := -1 // the placement in force on b: the latest starting, if they overlap
		for _, i := range cand {
			if pl[i].covers(b) && (pi < 0 || !pl[i].Start.Before(pl[pi].Start)) {
				pi = i
			}
		}
		if len(out) > first && ls == prevLS && pi == prevPl {
			continue // nothing the 903 records changed (e.g. a repeated status)
		}
		var e Episode
		e.DECOM, e.LS, e.CIN, e.PeriodID, e.StatusID = b, ls, p.CIN, p.ID, statusID
		if pi >= 0 {
			s := &pl[pi]
			e.Place, e.PlaceProvider, e.URN, e.PLLocation = s.Place, s.Provider, s.URN, s.Location
			e.PlacementID, e.CarerID, e.PlacementLA, e.Distance = s.ID, s.CarerID, s.PlacementLA, s.Distance
		}
		if len(out) == first {
			e.RNE = "S"
		} else {
			lsChanged, plChanged := ls != prevLS, pi != prevPl
			sameCarer := plChanged && pi >= 0 && prevPl >= 0 &&
				pl[pi].CarerID != "" && pl[pi].CarerID == pl[prevPl].CarerID
			switch {
			case lsChanged && plChanged && sameCarer:
				e.RNE = "U"
			case lsChanged && plChanged:
				e.RNE = "B"
			case lsChanged:
				e.RNE = "L"
			case sameCarer:
				e.RNE = "T"
			default:
				e.RNE = "P"
			}
			prev := &out[len(out)-1]
			prev.DEC, prev.REC = b, "X1"
			if plChanged && prevPl >= 0 && pl[prevPl].End == b {
				prev.ReasonPlaceChange = pl[prevPl].ReasonChange
			}
		}
		out = append(out, e)
		if withIdx {
			idx = append(idx, pi)
		}
		prevLS, prevPl = ls, pi
	}
	if len(out) > first {
		last := &out[len(out)-1]
		last.DEC, last.REC = p.End, p.ReasonCeased
	}
	return out, idx, bounds
}
