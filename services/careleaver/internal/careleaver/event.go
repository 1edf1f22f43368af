package careleaver

import (
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
)

// EventKind names what happened; the store publishes kind K on the subject
// "careleaver." + K.
type EventKind string

// The events the service publishes (proto/careleaver/v1/events.proto).
const (
	Registered     EventKind = "registered"
	ContactAdded   EventKind = "contact.recorded"
	AdviserChanged EventKind = "adviser.changed"
	AgeBandChanged EventKind = "age_band.changed"
	Closed         EventKind = "closed"
)

// Event is one fact for the CARELEAVER stream: the pseudonymous child id,
// the date of effect, month of birth, age band on that date and codes;
// never a full date of birth.
type Event struct {
	Kind         EventKind
	ChildID      string
	Effective    clock.Date
	MonthOfBirth string
	AgeBand      string
	At           time.Time

	// registered
	Category         Category
	ReasonCareCeased string
	StayingPut       bool
	// contact.recorded
	Contact  Contact
	IsLatest bool
	// adviser.changed
	AdviserID string
	// age_band.changed
	PreviousAgeBand string
	// closed
	ClosingReason ClosingReason
}

func newEvent(kind EventKind, c *CareLeaver, eff clock.Date, at time.Time) Event {
	return Event{Kind: kind, ChildID: c.ChildID, Effective: eff, MonthOfBirth: c.MonthOfBirth(),
		AgeBand: c.AgeBandOn(eff), At: at}
}

// Tx is a write transaction as the domain sees it. The store implements it
// over one bbolt transaction, which group commit may run more than once, so
// a write must depend only on what it reads through Tx and its arguments.
type Tx interface {
	// ContactSource reads contacts as they stand in this transaction.
	ContactSource
	// CareLeaver returns the record as it stands in this transaction, as a
	// copy the caller may change; ok is false when there is none.
	CareLeaver(childID string) (c *CareLeaver, ok bool, err error)
	// PutCareLeaver writes the record.
	PutCareLeaver(c *CareLeaver) error
	// LatestContactKey returns the date and id of the young person's last
	// contact in Contact.After order (all RecordContact needs, without
	// decoding the contact).
	LatestContactKey(childID string) (date clock.Date, id string, ok bool, err error)
	// PutContact writes a contact.
	PutContact(childID string, c Contact) error
	// Entitlement returns an entitlement of the Local Offer.
	Entitlement(id string) (Entitlement, bool, error)
	// PutEntitlement adds or replaces an entitlement.
	PutEntitlement(e Entitlement) error
	// TakeUpExists reports whether the take-up is recorded.
	TakeUpExists(t TakeUp) (bool, error)
	// PutTakeUp records a take-up.
	PutTakeUp(t TakeUp) error
	// Emit appends an event to the outbox in this transaction.
	Emit(e Event) error
}
