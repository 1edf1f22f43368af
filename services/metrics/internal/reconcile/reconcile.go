// Package reconcile recounts every indicator from the source services' own
// records and compares the recount with the metrics service's figures.
// Zero differences is the invariant: the projection, built only from
// events, must agree with what the services that own the records say.
//
// The recount is source-neutral: a Source answers three questions as at a
// date (each the read side of one service), the answers are merged per
// child into projection.Facts, and projection.Count totals them exactly as
// the live projection does. GRPCSource asks the real services over gRPC;
// EventSource answers from a list of events by a deliberately simple fold
// written independently of the projection, so a test can run the live
// projection against a recount over the same events.
package reconcile

import (
	"context"
	"fmt"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// CareFacts are the caseload service's answer for one child on a date.
type CareFacts struct {
	Counted bool // looked after, not under V3/V4 short breaks
	UASC    bool
}

// LeaverFacts are the care-leaver service's answer for one open record.
type LeaverFacts struct {
	AgeBand string
	Contact projection.Contact // latest contact on or before the date
}

// Source is the source services' records as at a date, by child id.
type Source interface {
	// Care: caseload's legal category of every child it knows.
	Care(ctx context.Context, d clock.Date) (map[string]CareFacts, error)
	// Placements: the placement that counts for each placed child (a
	// temporary placement resolved to the one it interrupted).
	Placements(ctx context.Context, d clock.Date) (map[string]projection.Placement, error)
	// CareLeavers: the care-leaver records open on the date.
	CareLeavers(ctx context.Context, d clock.Date) (map[string]LeaverFacts, error)
}

// Facts merges the three answers into one projection.Facts per child.
func Facts(ctx context.Context, src Source, d clock.Date) (map[string]projection.Facts, error) {
	care, err := src.Care(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("reconcile: caseload: %w", err)
	}
	placements, err := src.Placements(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("reconcile: placement: %w", err)
	}
	leavers, err := src.CareLeavers(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("reconcile: careleaver: %w", err)
	}
	out := map[string]projection.Facts{}
	for id, c := range care {
		if !c.Counted {
			continue
		}
		out[id] = projection.Facts{Counted: true, UASC: c.UASC, Placement: placements[id]}
	}
	for id, l := range leavers {
		f := out[id]
		f.CareLeaver, f.AgeBand, f.Contact = true, l.AgeBand, l.Contact
		out[id] = f
	}
	return out, nil
}

// Values recounts every figure as at d from src.
func Values(ctx context.Context, src Source, d clock.Date) ([]projection.Value, error) {
	now, err := Facts(ctx, src, d)
	if err != nil {
		return nil, err
	}
	before, err := src.Care(ctx, d.AddMonths(-12))
	if err != nil {
		return nil, fmt.Errorf("reconcile: caseload a year earlier: %w", err)
	}
	var claBefore int64
	for _, c := range before {
		if c.Counted {
			claBefore++
		}
	}
	facts := make([]projection.Facts, 0, len(now))
	for _, f := range now {
		facts = append(facts, f)
	}
	return projection.Values(projection.Count(facts), claBefore, d), nil
}

// Difference is one figure that differs.
type Difference struct {
	Key    projection.Key
	Live   projection.Value
	Source projection.Value
}

// Compare matches live and recounted figures by key and returns how many
// were compared and those whose numerator or denominator differ.
func Compare(live, source []projection.Value) (int, []Difference) {
	bySource := map[projection.Key]projection.Value{}
	for _, v := range source {
		bySource[v.Key] = v
	}
	var diffs []Difference
	for _, l := range live {
		s := bySource[l.Key]
		if l.Numerator != s.Numerator || l.Denominator != s.Denominator {
			diffs = append(diffs, Difference{Key: l.Key, Live: l, Source: s})
		}
	}
	return len(live), diffs
}

// Report is the outcome of a reconciliation.
type Report struct {
	AsAt        clock.Date
	Compared    int
	Differences []Difference
}

// Reconcile recounts every figure as at d from src and compares it with
// the projection's figures for d (the live totals for today; the
// timelines for any other date).
func Reconcile(ctx context.Context, p *projection.Projection, src Source, d clock.Date) (Report, error) {
	source, err := Values(ctx, src, d)
	if err != nil {
		return Report{}, err
	}
	live, _ := p.At(d, false)
	n, diffs := Compare(live, source)
	return Report{AsAt: d, Compared: n, Differences: diffs}, nil
}
