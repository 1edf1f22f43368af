package caseload

import (
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
)

// EventKind names what happened; the store publishes kind K on the subject
// "caseload." + K.
type EventKind string

// The events caseload publishes (proto/caseload/v1/events.proto).
const (
	ChildRegistered    EventKind = "child.registered"
	ChildUpdated       EventKind = "child.updated"
	PeriodStarted      EventKind = "period.started"
	LegalStatusChanged EventKind = "legal_status.changed"
	PeriodEnded        EventKind = "period.ended"
	UASCChanged        EventKind = "uasc.changed"
	AllocationChanged  EventKind = "allocation.changed"
	AgeMilestone       EventKind = "age.milestone"
	CareCorrected      EventKind = "care.corrected"
)

// Event is one fact for the CASELOAD stream. It carries the pseudonymous
// child id, the date of effect, the month of birth and codes: never a name
// or a full date of birth (architecture "Ids, dates and time").
type Event struct {
	Kind         EventKind
	ChildID      string
	Effective    clock.Date
	MonthOfBirth string
	At           time.Time // when the write was made

	// Kind-specific fields; each kind uses the ones its message has.
	Sex, Ethnicity      string            // child.registered, child.updated
	PreviousMonth       string            // child.updated (month of birth before, when it changed)
	DOBCorrected        bool              // child.updated (the date of birth changed; the date is never carried)
	PeriodID            string            // period.*, legal_status.changed, care.corrected
	LegalStatus         string            // period.*, legal_status.changed, care.corrected
	PreviousLegalStatus string            // legal_status.changed
	CategoryOfNeed      string            // period.started
	UASC                bool              // period.started (UASC on the start date), uasc.changed
	ReasonCeased        string            // period.ended
	LeavingCare         LeavingCareStatus // period.ended
	Age                 int               // period.ended (age at end), age.milestone
	WorkerID, TeamID    string            // allocation.changed
	CorrectionKind      CorrectionKind    // care.corrected
	LookedAfter         bool              // care.corrected
}

func newEvent(kind EventKind, c *Child, eff clock.Date, at time.Time) Event {
	return Event{Kind: kind, ChildID: c.ID, Effective: eff, MonthOfBirth: c.MonthOfBirth(), At: at}
}

// Tx is a write transaction as the domain sees it. The store implements it
// over one bbolt transaction, which may be run more than once (group
// commit), so a write must depend on nothing but what it reads through Tx
// and its arguments.
type Tx interface {
	// Child returns the child's record as it stands in this transaction, as
	// a copy the caller may change, or a NotFound error.
	Child(id string) (*Child, error)
	// ChildIDByLAChildID looks the council's own child id up.
	ChildIDByLAChildID(laChildID string) (id string, ok bool, err error)
	// PutChild writes the child's record (and its index entries).
	PutChild(c *Child) error
	// Emit appends an event to the outbox in this transaction.
	Emit(e Event) error
}

// MilestoneTx is a Tx that also remembers which age milestones were
// published, so each is published once per child even across restarts.
type MilestoneTx interface {
	Tx
	MilestonePublished(childID string, age int) (bool, error)
	RecordMilestone(childID string, age int, on clock.Date) error
}
