package careleaver

import (
	"context"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Caseload is what the care-leaver service asks the caseload service, which
// owns children, their dates of birth and their care. The implementation
// (internal/caseloadclient) calls it over gRPC with a deadline and retries;
// it returns domain errors: NotFound for an unknown child, Unavailable when
// caseload cannot be reached or did not answer in time.
type Caseload interface {
	// CareHistory returns the child's date of birth and periods of care.
	CareHistory(ctx context.Context, childID string) (CareHistory, error)
	// LeavingCareStatus returns the child's leaving-care status on d.
	LeavingCareStatus(ctx context.Context, childID string, d clock.Date) (ssda903.LeavingCareStatus, error)
}

// CareHistory is the part of a child's care history this service uses.
type CareHistory struct {
	ChildID string
	DOB     clock.Date
	Periods []PeriodOfCare // oldest first
}

// PeriodOfCare is one period of care as caseload reports it.
type PeriodOfCare struct {
	ID           string
	Start, End   clock.Date // End zero while looked after
	ReasonCeased string     // 903 REC
}

// LastEndedBy returns the latest period that ended on or before d.
func (h CareHistory) LastEndedBy(d clock.Date) (PeriodOfCare, bool) {
	var best PeriodOfCare
	found := false
	for _, p := range h.Periods {
		if !p.End.IsZero() && !p.End.After(d) && (!found || p.End.After(best.End)) {
			best, found = p, true
		}
	}
	return best, found
}
