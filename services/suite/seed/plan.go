// Package seed is the seed scenario: a deterministic generator that builds a
// plausible council's history — children, periods of care, legal statuses,
// placements, UASC, care leavers and their keeping-in-touch contacts — and
// loads it through the services' own gRPC APIs, so that on its as-at date
// the metrics service reports exactly the figures of the council's note to
// its scrutiny board (shared/reference/seed-scenario.md): 662 children
// looked after (622 twelve months earlier), 502 in foster care, 65 in
// supported accommodation, 58 in children's homes, 25 placed with parents,
// 12 placed for adoption, 369 inside the city boundary, 290 care leavers of
// whom 275 of 287 in touch, 171 in education, employment or training and 264
// in suitable accommodation.
//
// [Plan] is pure: the same as-at date and seed give the same plan, byte for
// byte. [Load] writes a plan through the caseload, placement and care-leaver
// services, child by child in date order, with request ids derived from the
// plan so that a second run (after a crash, say) changes nothing.
//
// # How the figures come out exactly
//
// The generator does not simulate a council and hope: it decides first who
// is counted where, then writes each child's history to fit. Every child
// belongs to one cohort, named by where they stand on the two dates the note
// compares — the as-at date A and twelve months before it, B:
//
//   - stayers: looked after on B and on A;
//   - joiners: looked after on A, not on B (came into care after B, a few of
//     them for the second time);
//   - leavers: looked after on B, not on A (left care after B, a care leaver
//     when they left at 16 or over);
//   - in and out: came into care after B and left before A;
//   - care leavers who left before B, with their record open on A, or closed
//     by hand before it;
//   - children whose care ended before B for other reasons (adoption,
//     special guardianship, returned home);
//   - children with disabilities who have short breaks (V3), which never
//     count.
//
// The cohort sizes are fixed so that stayers + joiners = 662 and stayers +
// leavers = 622, and within them the placement group, inside/outside the
// boundary, UASC status and kinship of each child on A (and on B) are dealt
// out to the exact counts before any date is drawn. Care leavers are dealt
// the category of their latest contact the same way. Dates, names, carers
// and the rest are then drawn from the seeded generator within the windows
// each cohort allows, and the builder refuses (panics on) any history that
// would not put the child where the cohort says on A and B, or would break a
// 903 rule the builder knows about; the tests replay every plan through
// pkg/ssda903's checks and count it with an independent oracle.
package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/corporate-parenting/suite/pkg/clock"
)

// Scenario is a plan: a council's history up to AsAt, as the writes that record
// it. ([Plan] draws one; the type cannot share the function's name.)
type Scenario struct {
	// AsAt is the date the figures hold on: the last date written.
	AsAt clock.Date `json:"as_at"`
	// Seed is the random seed the plan was drawn with.
	Seed int64 `json:"seed"`
	// CouncilLA is the council's local authority code (inside the boundary).
	CouncilLA string `json:"council_la"`
	// Entitlements are the Local Offer, published before anything else.
	Entitlements []Entitlement `json:"entitlements"`
	// Children are every child and young person, each with their writes in
	// date order.
	Children []*Child `json:"children"`
}

// Entitlement is one item of the Local Offer to care leavers.
type Entitlement struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	MinAge      int    `json:"min_age"`
	MaxAge      int    `json:"max_age"`
}

// Child is one child or young person and every write about them.
type Child struct {
	// Key is the child's stable key in the plan ("c0001"); request ids
	// are made from it.
	Key string `json:"key"`
	// Cohort names the child's part in the story (see the package doc).
	Cohort     string     `json:"cohort"`
	LAChildID  string     `json:"la_child_id"`
	GivenName  string     `json:"given_name"`
	FamilyName string     `json:"family_name"`
	DOB        clock.Date `json:"dob"`
	Sex        string     `json:"sex"`
	Ethnicity  string     `json:"ethnicity"`
	// Steps are the writes, in the order they are made (date order).
	Steps []Step `json:"steps"`
}

// Op names a write.
type Op string

// The writes a plan is made of, one per gRPC call.
const (
	OpRegister          Op = "register"            // CaseloadService.RegisterChild
	OpSetUASC           Op = "set_uasc"            // CaseloadService.SetUascStatus
	OpAllocateWorker    Op = "allocate_worker"     // CaseloadService.AllocateWorker
	OpStartPeriod       Op = "start_period"        // CaseloadService.StartPeriodOfCare
	OpChangeLegalStatus Op = "change_legal_status" // CaseloadService.ChangeLegalStatus
	OpEndPeriod         Op = "end_period"          // CaseloadService.EndPeriodOfCare
	OpStartPlacement    Op = "start_placement"     // PlacementService.StartPlacement
	OpChangePlacement   Op = "change_placement"    // PlacementService.ChangePlacement
	OpEndPlacement      Op = "end_placement"       // PlacementService.EndPlacement
	OpStartTemporary    Op = "start_temporary"     // PlacementService.StartTemporaryPlacement
	OpEndTemporary      Op = "end_temporary"       // PlacementService.EndTemporaryPlacement
	OpAllocateAdviser   Op = "allocate_adviser"    // CareLeaverService.AllocatePersonalAdviser
	OpPathwayReview     Op = "pathway_review"      // CareLeaverService.RecordPathwayPlanReview
	OpContact           Op = "contact"             // CareLeaverService.RecordContact
	OpCloseCareLeaver   Op = "close_care_leaver"   // CareLeaverService.CloseCareLeaver
	OpTakeUp            Op = "take_up"             // CareLeaverService.RecordEntitlementTakeUp
)

// CareLeaverOp reports whether op is a write to the care-leaver service,
// which needs the young person's record to be open (it opens by itself when
// caseload reports that an eligible young person's care ended).
func (op Op) CareLeaverOp() bool {
	switch op {
	case OpAllocateAdviser, OpPathwayReview, OpContact, OpCloseCareLeaver, OpTakeUp:
		return true
	}
	return false
}

// Step is one write. Date is its date of effect (the register step carries
// the date of the child's first other step, for ordering only); the other
// fields are those its Op uses.
type Step struct {
	Op   Op         `json:"op"`
	Date clock.Date `json:"date"`

	// start_period, change_legal_status.
	LegalStatus    string `json:"ls,omitempty"`
	CategoryOfNeed string `json:"cin,omitempty"`
	// end_period: the 903 REC, and whether the services must say the young
	// person leaves care eligible (a care-leaver record then opens).
	ReasonCeased     string `json:"rec,omitempty"`
	ExpectCareLeaver bool   `json:"expect_care_leaver,omitempty"`
	// start_placement, change_placement: the new placement; and the 903
	// REASON_PLACE_CHANGE of a change.
	Placement       *Placement `json:"placement,omitempty"`
	ReasonForChange string     `json:"reason_change,omitempty"`
	// start_temporary: T0–T4 and the local authority of the address.
	TemporaryType string `json:"temporary_type,omitempty"`
	TemporaryLA   string `json:"temporary_la,omitempty"`
	// set_uasc: the date UASC status ceased (903 DUC); zero while it
	// continues. The child is UASC either way.
	UASCCeased clock.Date `json:"uasc_ceased,omitzero"`
	// allocate_worker.
	WorkerID string `json:"worker_id,omitempty"`
	TeamID   string `json:"team_id,omitempty"`
	// allocate_adviser.
	AdviserID string `json:"adviser_id,omitempty"`
	// contact.
	Contact *Contact `json:"contact,omitempty"`
	// close_care_leaver: NO_LONGER_REQUIRES_SERVICES or MOVED_AWAY.
	ClosingReason string `json:"closing_reason,omitempty"`
	// take_up.
	EntitlementID string `json:"entitlement_id,omitempty"`
}

// Placement is a placement's 903 details as PlacementService takes them.
type Placement struct {
	Type     string `json:"type"`
	Provider string `json:"provider,omitempty"`
	URN      string `json:"urn,omitempty"`
	CarerID  string `json:"carer_id,omitempty"`
	LA       string `json:"la"`
	// Home and Grid are the child's home and the placement's grid
	// references, for the distance; both nil when it is not recorded
	// (UASC, short breaks).
	Home *Grid `json:"home,omitempty"`
	Grid *Grid `json:"grid,omitempty"`
}

// Grid is an Ordnance Survey grid reference in metres.
type Grid struct {
	Easting  float64 `json:"e"`
	Northing float64 `json:"n"`
}

// Contact is a keeping-in-touch contact's 903 OC3 codes.
type Contact struct {
	InTouch       string `json:"in_touch"`
	Activity      string `json:"activity"`
	Accommodation string `json:"accommodation"`
}

// Writes is the number of gRPC writes loading the plan makes.
func (p *Scenario) Writes() int {
	n := len(p.Entitlements)
	for _, c := range p.Children {
		n += len(c.Steps)
	}
	return n
}

// JSON is the plan's canonical encoding.
func (p *Scenario) JSON() []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic("seed: encode plan: " + err.Error())
	}
	return b
}

// Hash is the SHA-256 of the plan's canonical encoding, in hex: two plans
// with the same hash make the same writes.
func (p *Scenario) Hash() string {
	h := sha256.Sum256(p.JSON())
	return hex.EncodeToString(h[:])
}

// CheckAsAt says whether a plan as at asAt can be loaded into services
// whose today is today: its history must be in the past, on or after
// 1 April 2024 (the first year of registered supported accommodation, K3),
// and less than a year ago — the plan keeps every care leaver open on asAt
// clear of their 25th birthday for a year, after which the care-leaver
// service's birthday clock could close a record before the load has
// recorded its contacts.
func CheckAsAt(asAt, today clock.Date) error {
	switch {
	case asAt.After(today):
		return fmt.Errorf("%s is in the future (today is %s): the services refuse future dates", asAt, today)
	case !asAt.AddYears(1).After(today):
		return fmt.Errorf("%s is a year or more before today (%s): the scenario is drawn for an as-at date within the last year", asAt, today)
	case asAt.Before(k3From):
		return fmt.Errorf("%s is before 2024/25, the first year of registered supported accommodation (K3)", asAt)
	}
	return nil
}

// Draw is Plan, with a failure of the generator (a bug: it panics rather
// than draw a plan that would not give the figures) returned as an error.
func Draw(asAt clock.Date, seed int64) (plan *Scenario, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing the seed scenario as at %s with seed %d: %v", asAt, seed, r)
		}
	}()
	return Plan(asAt, seed), nil
}
