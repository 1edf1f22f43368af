package codes

import "time"

// Predicates over codes, used by rules and metrics alike. They answer for the
// exact, upper-case code; any other string (including "" and lower case)
// gives false.

// IsTemporary reports a temporary placement, T0–T4 (codes doc §4). A
// T-placement interrupts the normal placement, to which the child returns
// (rule 383); it needs no provider (213) and cannot start or end a period of
// care (380/381).
func IsTemporary(place string) bool {
	switch place {
	case "T0", "T1", "T2", "T3", "T4":
		return true
	}
	return false
}

// IsFoster reports a foster placement, U1–U6 (codes doc §4).
func IsFoster(place string) bool {
	switch place {
	case "U1", "U2", "U3", "U4", "U5", "U6":
		return true
	}
	return false
}

// IsConnectedPersons reports foster care with relatives or friends, U1–U3
// (indicator connected_persons_count; codes doc §4 "kinship").
func IsConnectedPersons(place string) bool {
	switch place {
	case "U1", "U2", "U3":
		return true
	}
	return false
}

// IsLongTermFoster reports long-term fostering, U1 and U4 (rule 384: not
// with legal status V3/V4).
func IsLongTermFoster(place string) bool {
	return place == "U1" || place == "U4"
}

// IsAdoption reports a placement for adoption, A3–A6 (codes doc §4; rules
// 390, 1015, 529).
func IsAdoption(place string) bool {
	switch place {
	case "A3", "A4", "A5", "A6":
		return true
	}
	return false
}

// IsShortBreak reports the short-break (respite) legal statuses V3 and V4,
// which are excluded from the count of children looked after (codes doc §2;
// indicator cla_count) and limited by rules 365/367/382/384.
func IsShortBreak(ls string) bool {
	return ls == "V3" || ls == "V4"
}

// IsYouthJustice reports the youth justice legal statuses J1–J3 (codes doc
// §2; rule 358: child must be 10 or over).
func IsYouthJustice(ls string) bool {
	switch ls {
	case "J1", "J2", "J3":
		return true
	}
	return false
}

// IsEET reports an OC3 activity that counts as in education, employment or
// training (codes doc §10; indicator care_leavers_eet): higher education
// F1/P1, other education F2/P2, training or employment F4/P4/F5/P5. The
// legacy F3/P3 ("training or employment", valid up to 2021/22) also count,
// so historical records are classed as the DfE classed them then.
func IsEET(activ string) bool {
	switch activ {
	case "F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "F3", "P3":
		return true
	}
	return false
}

// IsSuitableAccommodation reports an OC3 accommodation code judged suitable:
// a valid ACCOM code ending in '1' (codes doc §10; indicator
// care_leavers_suitable_accommodation). S1 and X1 are not ACCOM codes
// (rule 133) and give false, as does "0".
func IsSuitableAccommodation(accom string) bool {
	if len(accom) != 2 || accom[1] != '1' {
		return false
	}
	_, ok := Accommodation.Lookup(accom)
	return ok
}

// EndsCare reports a reason episode ceased that ends the period of care:
// every E-code of the REC list (codes doc §5; rule 432). X1 (continuation)
// does not, and neither does any string outside the list.
func EndsCare(rec string) bool {
	if rec == "" || rec[0] != 'E' {
		return false
	}
	_, ok := ReasonEpisodeCeased.Lookup(rec)
	return ok
}

// isZ1x reports the 2025/26 "other placement" codes Z11–Z14.
func isZ1x(place string) bool {
	switch place {
	case "Z11", "Z12", "Z13", "Z14":
		return true
	}
	return false
}

// ProviderRequired reports whether a placement of type place must have a
// PLACE_PROVIDER in collection year y (rules 213/526; codes doc §7):
// required for every placement except T0–T4 and, from 2025/26, Z11–Z14, for
// which the provider must be blank. Whether a given provider suits the
// placement (550, 527–531) is a rule, not this function.
func ProviderRequired(place string, y CollectionYear) bool {
	if IsTemporary(place) {
		return false
	}
	if y >= 2025 && isZ1x(place) {
		return false
	}
	return true
}

// URNExempt reports whether placement type place needs no Ofsted URN in
// collection year y under rule 218 (rules doc row 34). The exempt types by
// ruleset, as in the open-source validator's rule_218.py for each year:
//
//	up to 2022/23:      H5 P1 P2 P3 R1 R2 R5 T0–T4 Z1
//	2023/24 and 2024/25: P1 P3 R1 R2 R5 T0–T4 Z1  (H5 and P2 lose the exemption
//	                    with the regulation of supported accommodation, Oct 2023;
//	                    see also rules 230 and 217t)
//	from 2025/26:       P1 P3 R1 R2 R5 T0–T4 Z11–Z14
//
// A child placed outside England is exempt whatever the type: [URNExemptLA].
func URNExempt(place string, y CollectionYear) bool {
	switch place {
	case "P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4":
		return true
	case "H5", "P2":
		return y <= 2022
	case "Z1":
		return y <= 2024
	case "Z11", "Z12", "Z13", "Z14":
		return y >= 2025
	}
	return false
}

// URNExemptLA reports a PL_LA value that exempts the placement from rule 218
// because the child is placed outside England: CON, NIR, SCO, WAL, NUK
// (2025/26 rule 218; codes doc §6 – CON and NUK presumably "confidential" and
// "not UK").
func URNExemptLA(plLA string) bool {
	switch plLA {
	case "CON", "NIR", "SCO", "WAL", "NUK":
		return true
	}
	return false
}

// LegalStatusValidOn reports whether legal status ls may be used on an
// episode that commenced on decom (DECOM): ls must be a legal status code
// (of any year) and, by rules 445/446, D1 is invalid for episodes starting
// after 31/12/2005 and E1 for episodes starting before 01/12/2005. Only the
// calendar date of decom counts. Whether the code is in the collection
// year's list is [List.Valid] on [LegalStatus].
func LegalStatusValidOn(ls string, decom time.Time) bool {
	if _, ok := LegalStatus.Lookup(ls); !ok {
		return false
	}
	y, m, d := decom.Date()
	day := y*10000 + int(m)*100 + d
	switch ls {
	case "D1":
		return day <= 2005_12_31 // rule 445
	case "E1":
		return day >= 2005_12_01 // rule 446
	}
	return true
}
