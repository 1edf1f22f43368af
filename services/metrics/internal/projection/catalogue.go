package projection

import (
	"github.com/corporate-parenting/suite/pkg/codes"
)

// Unit says how to read a value.
type Unit uint8

// Units.
const (
	UnitCount   Unit = iota + 1 // value = numerator
	UnitPercent                 // value = 100 × numerator ÷ denominator
	UnitChange                  // value = numerator, may be negative
)

// Polarity says which direction is better (as tagged in the DfE's LAIT).
type Polarity uint8

// Polarities.
const (
	PolarityHigherIsBetter Polarity = iota + 1
	PolarityLowerIsBetter
	PolarityContext
)

// Variants.
const (
	VariantDfE   = "dfe"   // the DfE's definition
	VariantLocal = "local" // the council's own (care leavers: over those in touch)
)

// Indicator ids that are not placement groups (those come from
// codes.Groups(): placement_foster, ...).
const (
	CLACount                         = "cla_count"
	CLAChange12m                     = "cla_change_12m"
	PlacedInsideBoundary             = "placed_inside_boundary"
	PlacedOver20Miles                = "placed_over_20_miles"
	UASCCount                        = "uasc_count"
	ConnectedPersonsCount            = "connected_persons_count"
	CareLeaverCount                  = "care_leaver_count"
	CareLeaversInTouch               = "care_leavers_in_touch"
	CareLeaversEET                   = "care_leavers_eet"
	CareLeaversSuitableAccommodation = "care_leavers_suitable_accommodation"
)

// Definition says what an indicator means.
type Definition struct {
	ID          string
	Title       string // a plain label for a Board member
	Description string
	Numerator   string
	Denominator string // "" for counts and changes
	Unit        Unit
	Polarity    Polarity
	Variants    []string
	AgeBands    []string
	Source      string
	// DefinitionID is the definition's version id; it changes when the
	// definition changes, and travels with every value.
	DefinitionID string
}

const claDenominator = "Children looked after on the date (excluding V3/V4 short breaks)"

// Plain titles of the placement groups' indicators; the groups and their
// codes are codes.Groups() and codes.GroupOf.
var groupTitles = map[codes.PlacementGroup]string{
	codes.GroupFoster:                 "Placed in foster care",
	codes.GroupSupportedAccommodation: "Placed in supported accommodation",
	codes.GroupChildrensHomes:         "Placed in children's homes",
	codes.GroupWithParents:            "Placed with parents",
	codes.GroupForAdoption:            "Placed for adoption",
	codes.GroupOther:                  "In other placements",
}

var groupCodes = map[codes.PlacementGroup]string{
	codes.GroupFoster:                 "U1–U6",
	codes.GroupSupportedAccommodation: "K3 (H5 and P2 before 2024/25)",
	codes.GroupChildrensHomes:         "K1, K2",
	codes.GroupWithParents:            "P1",
	codes.GroupForAdoption:            "A3–A6",
	codes.GroupOther:                  "any other placement type (R1–R5, S1, Z1, Z11–Z14, ...)",
}

var (
	allBand      = []string{codes.AgeBandAll}
	leaverBands  = AgeBands[:]
	dfeOnly      = []string{VariantDfE}
	bothVariants = []string{VariantDfE, VariantLocal}
)

// catalogue is every indicator, in the Board scorecard's order.
var catalogue = func() []Definition {
	defs := []Definition{
		{
			ID: CLACount, Title: "Children looked after",
			Description: "Children the council looks after on the date, not counting children looked after only under an agreed series of short breaks.",
			Numerator:   "Children looked after on the date: care started on or before it and not ended by it, legal status not V3/V4",
			Unit:        UnitCount, Polarity: PolarityContext,
			Source: "DfE SSDA903; LAIT 332",
		},
		{
			ID: CLAChange12m, Title: "Change in children looked after over 12 months",
			Description: "Children looked after on the date less those looked after twelve months earlier.",
			Numerator:   "cla_count on the date minus cla_count twelve months before",
			Unit:        UnitChange, Polarity: PolarityContext,
			Source: "Local (Corporate Parenting Board)",
		},
	}
	for _, g := range codes.Groups() {
		defs = append(defs, Definition{
			ID: g.Indicator, Title: groupTitles[g.Group],
			Description: "Share of children looked after whose placement on the date is " + lowerFirst(g.Label) + ". A child in a temporary placement (T0–T4) counts in the placement it interrupted.",
			Numerator:   "Children looked after placed in " + groupCodes[g.Group],
			Denominator: claDenominator,
			Unit:        UnitPercent, Polarity: groupPolarity(g.Group),
			Source: "DfE SSDA903 PLACE; LAIT 396–401",
		})
	}
	defs = append(defs,
		Definition{
			ID: PlacedInsideBoundary, Title: "Placed inside the council's area",
			Description: "Share of children looked after whose placement is inside the council's boundary.",
			Numerator:   "Children looked after placed inside the council boundary (PL_LOCATION IN)",
			Denominator: claDenominator,
			Unit:        UnitPercent, Polarity: PolarityHigherIsBetter,
			Source: "DfE SSDA903 PL_LOCATION (locality of placement)",
		},
		Definition{
			ID: PlacedOver20Miles, Title: "Placed more than 20 miles from home",
			Description: "Share of children looked after placed more than 20 miles from home, wherever that is; children whose distance is not known stay in the denominator.",
			Numerator:   "Children looked after placed more than 20 miles from home (PL_DISTANCE > 20)",
			Denominator: claDenominator + ", distance not known included",
			Unit:        UnitPercent, Polarity: PolarityLowerIsBetter,
			Source: "DfE CSC outcomes and enablers dashboard (not LAIT 87, which also requires outside the boundary)",
		},
		Definition{
			ID: UASCCount, Title: "Unaccompanied asylum-seeking children looked after",
			Description: "Children looked after on the date who are unaccompanied asylum-seeking children.",
			Numerator:   "Children looked after with UASC status on the date",
			Unit:        UnitCount, Polarity: PolarityContext,
			Source: "DfE SSDA903 UASC; LAIT 334",
		},
		Definition{
			ID: ConnectedPersonsCount, Title: "Placed with relatives or friends",
			Description: "Children looked after in foster care with relatives or friends (connected persons).",
			Numerator:   "Children looked after placed in U1–U3",
			Unit:        UnitCount, Polarity: PolarityContext,
			Source: "DfE SSDA903 PLACE U1–U3",
		},
		Definition{
			ID: CareLeaverCount, Title: "Care leavers",
			Description: "Young people with an open care-leaver record on the date: relevant (16–17) and former relevant (18–24) care leavers.",
			Numerator:   "Open care-leaver records (relevant and former relevant, under 25)",
			Unit:        UnitCount, Polarity: PolarityContext, AgeBands: leaverBands,
			Source: "Children Act 1989 s23A(2), s23C(1)",
		},
		Definition{
			ID: CareLeaversInTouch, Title: "Care leavers in touch",
			Description: "Share of care leavers whose latest keeping-in-touch contact says the council is in touch with them. Care leavers who have died or returned home for six months or more are left out of the base; those with no contact yet stay in it, as not in touch. Both variants use this definition.",
			Numerator:   "Open care leavers whose latest contact is IN_TOUCH YES",
			Denominator: "Open care leavers, less those whose latest contact is DIED or RHOM",
			Unit:        UnitPercent, Polarity: PolarityHigherIsBetter, Variants: bothVariants, AgeBands: leaverBands,
			Source: "DfE SSDA903 OC3 IN_TOUCH; LAIT 317",
		},
		Definition{
			ID: CareLeaversEET, Title: "Care leavers in education, employment or training",
			Description: "Share of care leavers in education, employment or training at their latest contact. DfE: over every care leaver, not known included. Local: over those in touch.",
			Numerator:   "Open care leavers in touch whose latest ACTIV is F1, P1, F2, P2, F4, P4, F5 or P5",
			Denominator: "dfe: every open care leaver in the band; local: those whose latest contact is IN_TOUCH YES",
			Unit:        UnitPercent, Polarity: PolarityHigherIsBetter, Variants: bothVariants, AgeBands: leaverBands,
			Source: "DfE SSDA903 OC3 ACTIV; LAIT 113, 221",
		},
		Definition{
			ID: CareLeaversSuitableAccommodation, Title: "Care leavers in suitable accommodation",
			Description: "Share of care leavers whose accommodation was judged suitable at their latest contact. DfE: over every care leaver, not known included. Local: over those in touch.",
			Numerator:   "Open care leavers in touch whose latest ACCOM ends in 1 (suitable)",
			Denominator: "dfe: every open care leaver in the band; local: those whose latest contact is IN_TOUCH YES",
			Unit:        UnitPercent, Polarity: PolarityHigherIsBetter, Variants: bothVariants, AgeBands: leaverBands,
			Source: "DfE SSDA903 OC3 ACCOM; LAIT 112",
		},
	)
	for i := range defs {
		d := &defs[i]
		if d.Variants == nil {
			d.Variants = dfeOnly
		}
		if d.AgeBands == nil {
			d.AgeBands = allBand
		}
		d.DefinitionID = d.ID + "/v1"
	}
	return defs
}()

func groupPolarity(g codes.PlacementGroup) Polarity {
	if g == codes.GroupFoster {
		return PolarityHigherIsBetter // LAIT tags the foster share "higher is better"
	}
	return PolarityContext
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// Definitions returns every indicator definition in the Board's order
// (a copy).
func Definitions() []Definition {
	out := make([]Definition, len(catalogue))
	for i, d := range catalogue {
		d.Variants = append([]string(nil), d.Variants...)
		d.AgeBands = append([]string(nil), d.AgeBands...)
		out[i] = d
	}
	return out
}

// Lookup returns the definition of an indicator id.
func Lookup(id string) (Definition, bool) {
	for _, d := range catalogue {
		if d.ID == id {
			return d, true
		}
	}
	return Definition{}, false
}
