// Package ingest turns the source services' events into the projection's
// change points and applies them exactly once: the points are appended to
// the store inside the transaction in which events.Consume records the
// event id, and reach the in-memory projection (and so the live totals)
// only once that transaction has committed.
package ingest

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// Known is what decoding asks of the current state, to avoid writing
// points that change nothing (the month of birth and age band that every
// event repeats).
type Known interface {
	MonthOfBirth(child string) string
	AgeBandOn(child string, d clock.Date) string
}

// ErrMalformed marks an event that cannot be decoded; it is dead-lettered
// by events.Consume rather than retried.
var ErrMalformed = errors.New("malformed event")

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// Decode returns the change points an event makes. Kinds of event that no
// indicator needs (allocations, age milestones of children in care,
// advisers) make no points except, when new, the month of birth; a kind
// this build does not know (a newer producer) is ignored likewise.
func Decode(subject string, data []byte, known Known) ([]projection.Point, error) {
	switch {
	case strings.HasPrefix(subject, "caseload."):
		var ev caseloadv1.CaseloadEvent
		if err := proto.Unmarshal(data, &ev); err != nil {
			return nil, malformed("%s: %v", subject, err)
		}
		return decodeCaseload(&ev, known)
	case strings.HasPrefix(subject, "placement."):
		var ev placementv1.PlacementEvent
		if err := proto.Unmarshal(data, &ev); err != nil {
			return nil, malformed("%s: %v", subject, err)
		}
		return decodePlacement(&ev)
	case strings.HasPrefix(subject, "careleaver."):
		var ev careleaverv1.CareLeaverEvent
		if err := proto.Unmarshal(data, &ev); err != nil {
			return nil, malformed("%s: %v", subject, err)
		}
		return decodeCareLeaver(&ev, known)
	}
	return nil, malformed("unexpected subject %q", subject)
}

func header(child, date string) (projection.Point, error) {
	if child == "" {
		return projection.Point{}, malformed("no child id")
	}
	d, err := clock.ParseDate(date)
	if err != nil {
		return projection.Point{}, malformed("effective date: %v", err)
	}
	return projection.Point{Child: child, Date: d, Rank: projection.RankNormal}, nil
}

func with(base projection.Point, kind projection.Kind, set func(*projection.Point)) projection.Point {
	p := base
	p.Kind = kind
	set(&p)
	return p
}

func monthPoint(base projection.Point, month string, known Known) []projection.Point {
	if month == "" || known.MonthOfBirth(base.Child) == month {
		return nil
	}
	return []projection.Point{with(base, projection.KindMonthOfBirth, func(p *projection.Point) { p.MonthOfBirth = month })}
}

func care(base projection.Point, looked bool, ls string) projection.Point {
	return with(base, projection.KindCare, func(p *projection.Point) { p.Care = projection.Care{LookedAfter: looked, LegalStatus: ls} })
}

func uasc(base projection.Point, v bool) projection.Point {
	return with(base, projection.KindUASC, func(p *projection.Point) { p.UASC = v })
}

func decodeCaseload(ev *caseloadv1.CaseloadEvent, known Known) ([]projection.Point, error) {
	base, err := header(ev.GetChildId(), ev.GetEffectiveDate())
	if err != nil {
		return nil, err
	}
	out := monthPoint(base, ev.GetMonthOfBirth(), known)
	switch k := ev.GetKind().(type) {
	case *caseloadv1.CaseloadEvent_PeriodStarted:
		out = append(out, care(base, true, k.PeriodStarted.GetLegalStatus()), uasc(base, k.PeriodStarted.GetUasc()))
	case *caseloadv1.CaseloadEvent_LegalStatusChanged:
		out = append(out, care(base, true, k.LegalStatusChanged.GetLegalStatus()))
	case *caseloadv1.CaseloadEvent_PeriodEnded:
		// "Looked after on d" means DEC > d: not looked after from DEC.
		out = append(out, care(base, false, ""))
	case *caseloadv1.CaseloadEvent_UascChanged:
		out = append(out, uasc(base, k.UascChanged.GetIsUasc()))
	case *caseloadv1.CaseloadEvent_CareCorrected:
		// The corrected state from the effective date: a struck legal status
		// spell gives way to the one before it; a reopened period is looked
		// after again. Same-date points: the later record wins.
		c := k.CareCorrected
		ls := c.GetLegalStatus()
		if !c.GetLookedAfter() {
			ls = ""
		}
		out = append(out, care(base, c.GetLookedAfter(), ls))
	}
	return out, nil
}

func placementFacts(f *placementv1.PlacementFacts, temporary bool) projection.Placement {
	typ := f.GetPlacementType()
	group := codes.GroupOf(typ)
	if typ == "" {
		group = codes.PlacementGroup(f.GetPlacementGroup())
	}
	p := projection.Placement{
		Present:   true,
		Type:      typ,
		Group:     group,
		Temporary: temporary || group == codes.GroupTemporary,
		Distance:  codes.DistanceNotKnown,
	}
	switch f.GetLocation() {
	case placementv1.Location_LOCATION_INSIDE:
		p.Location = projection.LocationInside
	case placementv1.Location_LOCATION_OUTSIDE:
		p.Location = projection.LocationOutside
	case placementv1.Location_LOCATION_NOT_KNOWN:
		p.Location = projection.LocationNotKnown
	}
	switch f.GetDistanceBand() {
	case placementv1.DistanceBand_DISTANCE_BAND_20_MILES_OR_LESS:
		p.Distance = codes.Distance20OrLess
	case placementv1.DistanceBand_DISTANCE_BAND_OVER_20_MILES:
		p.Distance = codes.DistanceOver20
	}
	return p
}

func decodePlacement(ev *placementv1.PlacementEvent) ([]projection.Point, error) {
	base, err := header(ev.GetChildId(), ev.GetEffectiveDate())
	if err != nil {
		return nil, err
	}
	placed := func(f *placementv1.PlacementFacts, temporary bool) ([]projection.Point, error) {
		if f == nil {
			return nil, malformed("placement event without the placement")
		}
		return []projection.Point{with(base, projection.KindPlacement, func(p *projection.Point) { p.Placement = placementFacts(f, temporary) })}, nil
	}
	switch k := ev.GetKind().(type) {
	case *placementv1.PlacementEvent_Started:
		return placed(k.Started.GetPlacement(), false)
	case *placementv1.PlacementEvent_Changed:
		return placed(k.Changed.GetPlacement(), false)
	case *placementv1.PlacementEvent_TemporaryStarted:
		// Counted as the placement it interrupts (the one in force before
		// it in the child's timeline): see projection.Child.placementOn.
		return placed(k.TemporaryStarted.GetPlacement(), true)
	case *placementv1.PlacementEvent_TemporaryEnded:
		// The child is back in the interrupted placement (a new record).
		return placed(k.TemporaryEnded.GetPlacement(), false)
	case *placementv1.PlacementEvent_Ended:
		return []projection.Point{with(base, projection.KindPlacement, func(p *projection.Point) { p.Placement = projection.Placement{} })}, nil
	}
	return nil, nil
}

func category(c careleaverv1.CareLeaverCategory) string {
	switch c {
	case careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_RELEVANT:
		return "relevant"
	case careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_FORMER_RELEVANT:
		return "former_relevant"
	}
	return ""
}

func validBand(b string) bool {
	switch b {
	case "", codes.AgeBand17To18, codes.AgeBand19To21, codes.AgeBand22To25:
		return true
	}
	return false
}

func decodeCareLeaver(ev *careleaverv1.CareLeaverEvent, known Known) ([]projection.Point, error) {
	base, err := header(ev.GetChildId(), ev.GetEffectiveDate())
	if err != nil {
		return nil, err
	}
	band := ev.GetAgeBand()
	if !validBand(band) {
		return nil, malformed("age band %q", band)
	}
	out := monthPoint(base, ev.GetMonthOfBirth(), known)
	bandPoint := with(base, projection.KindAgeBand, func(p *projection.Point) { p.AgeBand = band })
	switch k := ev.GetKind().(type) {
	case *careleaverv1.CareLeaverEvent_Registered:
		out = append(out,
			with(base, projection.KindCareLeaver, func(p *projection.Point) {
				p.CareLeaver = projection.CareLeaver{Open: true, Category: category(k.Registered.GetCategory())}
			}),
			bandPoint)
		return out, nil
	case *careleaverv1.CareLeaverEvent_AgeBandChanged:
		// Published by the care-leaver service on the birthday, from its
		// own clock: the metrics service needs no date of birth.
		return append(out, bandPoint), nil
	case *careleaverv1.CareLeaverEvent_ContactRecorded:
		c := k.ContactRecorded
		p := with(base, projection.KindContact, func(p *projection.Point) {
			p.Contact = projection.Contact{InTouch: c.GetInTouch(), Activity: c.GetActivity(), Accommodation: c.GetAccommodation()}
		})
		if !c.GetIsLatest() {
			// Older than the latest: placed by its date; on the latest's
			// own date it ranks below it.
			p.Rank = projection.RankSuperseded
		}
		out = append(out, p)
	case *careleaverv1.CareLeaverEvent_Closed:
		out = append(out, with(base, projection.KindCareLeaver, func(p *projection.Point) { p.CareLeaver = projection.CareLeaver{Open: false} }))
	}
	// Every care-leaver event states the band on its date; record it only
	// when it says something new.
	if band != "" && known.AgeBandOn(base.Child, base.Date) != band {
		out = append(out, bandPoint)
	}
	return out, nil
}
