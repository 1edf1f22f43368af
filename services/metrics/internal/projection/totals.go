package projection

import "github.com/corporate-parenting/suite/pkg/codes"

// Facts are what the indicators need to know about one child as at one
// date. The live projection resolves them from its timelines
// (Child.FactsOn); a reconciliation builds them from the source services'
// records; both count them with the same Count.
type Facts struct {
	// Counted: looked after on the date under any legal status other than
	// the V3/V4 short breaks (children looked after, cla_count).
	Counted bool
	// UASC on the date (meaningful when Counted).
	UASC bool
	// Placement is the placement that counts on the date (a temporary one
	// resolved to the placement it interrupted); Present false if none.
	Placement Placement
	// CareLeaver: the care-leaver record is open on the date.
	CareLeaver bool
	// AgeBand is the care-leaver age band on the date ("" under 17).
	AgeBand string
	// Contact is the latest keeping-in-touch contact on or before the date
	// (InTouch "" when there is none yet).
	Contact Contact
}

// 903 OC3 IN_TOUCH codes the care-leaver indicators single out (the code
// list itself is codes.InTouch).
const (
	inTouchYes  = "YES"  // in touch
	inTouchDied = "DIED" // died: excluded from the in-touch denominator
	inTouchRHOM = "RHOM" // returned home for 6 months or more: excluded likewise
)

// BandTotals are the care-leaver counts of one age band.
type BandTotals struct {
	Open     int64 // open care-leaver records
	Excluded int64 // of which the latest contact is DIED or RHOM
	InTouch  int64 // of which the latest contact is IN_TOUCH YES
	EET      int64 // of which in touch and ACTIV is EET (codes.IsEET)
	Suitable int64 // of which in touch and ACCOM is suitable (codes.IsSuitableAccommodation)
}

// Totals are every count the indicators are computed from, as at one
// date. It is a plain comparable value.
type Totals struct {
	CLA       int64
	UASC      int64
	Connected int64 // in foster care with relatives or friends (U1–U3)
	Inside    int64 // placed inside the council boundary
	Over20    int64 // placed more than 20 miles from home
	// Group counts by placement group, in codes.Groups() order.
	Group [6]int64
	// Leavers by age band, in AgeBands order (all first).
	Leavers [4]BandTotals
}

// AgeBands are the care-leaver bands, "all" first.
var AgeBands = [4]string{codes.AgeBandAll, codes.AgeBand17To18, codes.AgeBand19To21, codes.AgeBand22To25}

var groupIndex = func() map[codes.PlacementGroup]int {
	m := map[codes.PlacementGroup]int{}
	for i, g := range codes.Groups() {
		m[g.Group] = i
	}
	if len(m) != len(Totals{}.Group) {
		panic("projection: codes.Groups() no longer has six groups")
	}
	return m
}()

func bandIndex(b string) int {
	for i, x := range AgeBands {
		if i > 0 && x == b {
			return i
		}
	}
	return -1
}

// add adds (n = 1) or removes (n = -1) the child's facts to t.
func (f Facts) add(t *Totals, n int64) {
	if f.Counted {
		t.CLA += n
		if f.UASC {
			t.UASC += n
		}
		if p := f.Placement; p.Present {
			if i, ok := groupIndex[p.Group]; ok {
				t.Group[i] += n
			}
			if codes.IsConnectedPersons(p.Type) {
				t.Connected += n
			}
			if p.Location == LocationInside {
				t.Inside += n
			}
			if p.Distance == codes.DistanceOver20 {
				t.Over20 += n
			}
		}
	}
	if f.CareLeaver {
		f.addBand(&t.Leavers[0], n)
		if i := bandIndex(f.AgeBand); i > 0 {
			f.addBand(&t.Leavers[i], n)
		}
	}
}

func (f Facts) addBand(b *BandTotals, n int64) {
	b.Open += n
	switch f.Contact.InTouch {
	case inTouchYes:
		b.InTouch += n
		if codes.IsEET(f.Contact.Activity) {
			b.EET += n
		}
		if codes.IsSuitableAccommodation(f.Contact.Accommodation) {
			b.Suitable += n
		}
	case inTouchDied, inTouchRHOM:
		b.Excluded += n
	}
}

// Count totals a set of facts.
func Count(facts []Facts) Totals {
	var t Totals
	for _, f := range facts {
		f.add(&t, 1)
	}
	return t
}
