package codes

import "math"

// Distance bands for the placed_over_20_miles indicator (architecture
// "Indicator ids": unknown distance stays in the denominator).
const (
	Distance20OrLess   = "20_or_less"
	DistanceOver20     = "over_20"
	DistanceNotKnown   = "not_known"
	distanceThreshold  = 20.0   // miles
	metresPerKilometre = 1000.0 // codes doc §6
	kilometresPerMile  = 1.6093 // codes doc §6, as the DfE / validator uses it
)

// DistanceBand returns the distance band of a placement: "not_known" when
// the distance is not known (or is NaN, infinite or negative), "20_or_less"
// for up to and including 20.0 miles, otherwise "over_20". Pass the distance
// as stored, i.e. already rounded to 1 dp by [DistanceMiles], so that 20.04
// miles (stored 20.0) is "20_or_less". The 999.9 sentinel (rule 454) is a
// known distance here and falls in "over_20".
func DistanceBand(miles float64, known bool) string {
	if !known || math.IsNaN(miles) || math.IsInf(miles, 0) || miles < 0 {
		return DistanceNotKnown
	}
	if miles <= distanceThreshold {
		return Distance20OrLess
	}
	return DistanceOver20
}

// DistanceMiles is the DfE PL_DISTANCE formula (codes doc §6): the straight
// line between the home and placement postcode centroids, from their
// Ordnance Survey eastings and northings in metres,
//
//	√((E_home−E_pl)² + (N_home−N_pl)²) / 1000 / 1.6093
//
// rounded to 1 decimal place (halves away from zero; the Python validator
// rounds halves to even, which differs only on exact binary ties). The
// result is not capped: rule 164 limits PL_DISTANCE to 0.0–999.9, and that
// check belongs to the caller.
func DistanceMiles(eHome, nHome, ePl, nPl float64) float64 {
	km := math.Hypot(eHome-ePl, nHome-nPl) / metresPerKilometre
	return math.Round(km/kilometresPerMile*10) / 10
}

// Care-leaver age bands (architecture "Ids, dates and time" and "Indicator
// ids"). AgeBandAll is the variant covering every age.
const (
	AgeBandAll     = "all"
	AgeBand17To18  = "17_18"
	AgeBand19To21  = "19_21"
	AgeBand22To25  = "22_25"
	careLeaverMinA = 17
	careLeaverMaxA = 25
)

// AgeBand returns the care-leaver age band of an age in whole years: 17–18
// "17_18", 19–21 "19_21", 22–25 "22_25"; "" outside 17–25 (a relevant child
// of 16 counts only in "all"). A record closes on the 25th birthday, so 25
// normally never occurs; it is kept in "22_25" to match the band's name and
// rule 351 ("not over 25").
func AgeBand(age int) string {
	switch {
	case age < careLeaverMinA || age > careLeaverMaxA:
		return ""
	case age <= 18:
		return AgeBand17To18
	case age <= 21:
		return AgeBand19To21
	default:
		return AgeBand22To25
	}
}
