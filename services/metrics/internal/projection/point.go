package projection

import (
	"fmt"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

// Kind says which of a child's timelines a Point belongs to.
type Kind uint8

// The kinds of change point. The byte values are stored (internal/store):
// never renumber them.
const (
	KindCare         Kind = 'L' // looked after or not, and the legal status (caseload)
	KindUASC         Kind = 'U' // unaccompanied asylum-seeking child or not (caseload)
	KindPlacement    Kind = 'P' // the placement, or none (placement)
	KindCareLeaver   Kind = 'C' // care-leaver record open or closed (careleaver)
	KindAgeBand      Kind = 'B' // care-leaver age band (careleaver)
	KindContact      Kind = 'T' // latest keeping-in-touch contact (careleaver)
	KindMonthOfBirth Kind = 'M' // month of birth, YYYY-MM (any source)
)

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	switch k {
	case KindCare, KindUASC, KindPlacement, KindCareLeaver, KindAgeBand, KindContact, KindMonthOfBirth:
		return true
	}
	return false
}

func (k Kind) String() string {
	switch k {
	case KindCare:
		return "care"
	case KindUASC:
		return "uasc"
	case KindPlacement:
		return "placement"
	case KindCareLeaver:
		return "care_leaver"
	case KindAgeBand:
		return "age_band"
	case KindContact:
		return "contact"
	case KindMonthOfBirth:
		return "month_of_birth"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Rank orders points of one kind that share an effective date: lower
// first, so the highest rank (then the latest arrival) is in force on the
// day.
const (
	// RankSuperseded is for a contact recorded on the same date as an
	// existing one but not made the latest by the care-leaver service.
	RankSuperseded uint8 = 0
	// RankNormal is every other point.
	RankNormal uint8 = 1
)

// Location is where a placement is, against the council's boundary.
type Location uint8

// Locations (903 PL_LOCATION, with "not known").
const (
	LocationUnspecified Location = iota
	LocationInside
	LocationOutside
	LocationNotKnown
)

// Care is the caseload side of a child on a date.
type Care struct {
	LookedAfter bool
	LegalStatus string // 903 LS while looked after
}

// Placement is the placement side of a child on a date.
type Placement struct {
	Present   bool                 // false: no placement from this date
	Type      string               // 903 PLACE
	Group     codes.PlacementGroup // codes.GroupOf(Type); GroupTemporary for T0–T4
	Location  Location
	Distance  string // codes.Distance20OrLess, DistanceOver20 or DistanceNotKnown
	Temporary bool   // T0–T4: counts as the placement it interrupted
}

// CareLeaver is the care-leaver record of a young person on a date.
type CareLeaver struct {
	Open     bool
	Category string // "relevant" or "former_relevant" (kept for reporting)
}

// Contact is a keeping-in-touch contact's 903 OC3 codes.
type Contact struct {
	InTouch       string // IN_TOUCH: YES, NO, DIED, REFU, NREQ, RHOM
	Activity      string // ACTIV
	Accommodation string // ACCOM
}

// Point is one dated change to one of a child's timelines. Exactly the
// field named by Kind is meaningful.
type Point struct {
	Child string
	Kind  Kind
	Date  clock.Date // the effective date
	Rank  uint8
	// Arrival is the store's sequence for the point: it orders points of
	// the same kind, date and rank (a later record wins). Set by the store.
	Arrival uint64

	Care         Care
	UASC         bool
	Placement    Placement
	CareLeaver   CareLeaver
	AgeBand      string // codes.AgeBand17To18, 19To21, 22To25, or "" (under 17)
	Contact      Contact
	MonthOfBirth string
}

// Day is a date as the integer YYYYMMDD: cheap to compare and to store.
type Day int32

// DayOf converts a date.
func DayOf(d clock.Date) Day { return Day(d.Y*10000 + int(d.M)*100 + d.D) }

// Date converts back.
func (d Day) Date() clock.Date {
	return clock.Date{Y: int(d) / 10000, M: time.Month(int(d) / 100 % 100), D: int(d) % 100}
}
