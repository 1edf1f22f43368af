package codes

// Constructors for the data below.

// always: valid since before any modelled year and still valid.
func always(code, desc string) Code { return Code{Code: code, Description: desc} }

// since: valid from collection year y (inclusive) and still valid.
func since(y CollectionYear, code, desc string) Code {
	return Code{Code: code, Description: desc, From: y}
}

// until: valid since before any modelled year up to y inclusive.
func until(y CollectionYear, code, desc string) Code {
	return Code{Code: code, Description: desc, To: y}
}

// Sex (Header and UASC tables, item SEX). Codes doc §1: 1/2 in older years;
// M/F/U from the 2024/25 ruleset (lac2024_25 rule 101).
var Sex = newList("SEX", "SEX", "903:101",
	until(2023, "1", "Male"),
	until(2023, "2", "Female"),
	since(2024, "M", "Male"),
	since(2024, "F", "Female"),
	since(2024, "U", "Unknown"),
)

// LegalStatus (LS), codes doc §2, rule 144.
//
// D1 (freeing order) is valid up to 2023/24 only: the codes doc says
// "deleted from the 2024/25 ruleset" (the open-source validator keeps D1 in
// rule 144; read literally the deletion may be of rule 445, but since rule 445
// already bars D1 on any episode starting after 31/12/2005, no looked-after
// child can carry it in 2024/25 either way). The date windows of rules
// 445/446 are [LegalStatusValidOn].
var LegalStatus = newList("LS", "LS", "903:144",
	always("C1", "Interim care order"),
	always("C2", "Full care order"),
	until(2023, "D1", "Freeing order granted"),
	always("E1", "Placement order granted"),
	always("V2", "Single period of accommodation under section 20 (Children Act 1989)"),
	always("V3", "Accommodated under an agreed series of short-term breaks, when individual episodes of care are recorded"),
	always("V4", "Accommodated under an agreed series of short-term breaks, when agreements are recorded (NOT individual episodes of care)"),
	always("L1", "Under police protection and in local authority accommodation"),
	always("L2", "Emergency protection order (EPO)"),
	always("L3", "Under child assessment order and in local authority accommodation"),
	always("J1", "Remanded to local authority accommodation or to youth detention accommodation"),
	always("J2", "Placed in local authority accommodation under the Police and Criminal Evidence Act 1984, including secure accommodation"),
	always("J3", "Sentenced to Youth Rehabilitation Order (Criminal Justice and Immigration Act 2008 as amended by LASPOA 2012) with residence or intensive fostering requirement"),
)

// ReasonNewEpisode (RNE), codes doc §3, rule 143. The episode merge computes
// it; nobody types it in (architecture "903 episodes are derived").
var ReasonNewEpisode = newList("RNE", "RNE", "903:143",
	always("S", "Started to be looked after"),
	always("L", "Change of legal status only"),
	always("P", "Change of placement and carer(s) only"),
	always("T", "Change of placement (but same carer(s)) only"),
	always("B", "Change of legal status and placement and carer(s) at the same time"),
	always("U", "Change of legal status and change of placement (but same carer(s)) at the same time"),
)

// CategoryOfNeed (CIN), codes doc §9, rule 145.
var CategoryOfNeed = newList("CIN", "CIN", "903:145",
	always("N1", "Abuse or neglect"),
	always("N2", "Child's disability"),
	always("N3", "Parental illness or disability"),
	always("N4", "Family in acute stress"),
	always("N5", "Family dysfunction"),
	always("N6", "Socially unacceptable behaviour"),
	always("N7", "Low income"),
	always("N8", "Absent parenting"),
)

// PlacementType (PLACE, XML tag PL), codes doc §4, rule 146 per ruleset:
//
//	2022/23, 2023/24: A3–A6 H5 K1 K2 P1 P2 P3 R1 R2 R3 R5 S1 T0–T4 U1–U6 Z1
//	2024/25:          as above plus K3
//	2025/26, 2026/27: H5, P2, Z1 removed; Z11–Z14 added
//
// Historic codes from before the modelled years (Q1/Q2 foster, M1–M3
// missing; codes doc §4) are not listed: they are valid in no year we model.
var PlacementType = newList("PLACE", "PLACE", "903:146",
	always("U1", "Foster placement with relative(s) or friend(s) – long term fostering"),
	always("U2", "Fostering placement with relative(s) or friend(s) who is/are also an approved adopter(s) – fostering for adoption / concurrent planning"),
	always("U3", "Fostering placement with relative(s) or friend(s) who is/are not long-term or fostering for adoption / concurrent planning"),
	always("U4", "Foster placement with other foster carer(s) – long term fostering"),
	always("U5", "Foster placement with other foster carer(s) who is/are also an approved adopter(s) – fostering for adoption / concurrent planning"),
	always("U6", "Foster placement with other foster carer(s) – not long term or fostering for adoption / concurrent planning"),
	always("A3", "Placed for adoption with parental/guardian consent with current foster carer(s) (s19 ACA 2002) or with a freeing order where consent given (s18(1)(a) AA 1976)"),
	always("A4", "Placed for adoption with parental/guardian consent not with current foster carer(s) (s19 ACA 2002 / s18(1)(a) AA 1976)"),
	always("A5", "Placed for adoption with placement order with current foster carer(s) (s21 ACA 2002) or freeing order where consent dispensed with (s18(1)(b) AA 1976)"),
	always("A6", "Placed for adoption with placement order not with current foster carer(s) (s21 ACA 2002 / s18(1)(b) AA 1976)"),
	always("P1", "Placed with own parent(s) or other person(s) with parental responsibility"),
	always("K1", "Secure children's homes"),
	always("K2", "Children's Homes subject to Children's Homes Regulations"),
	// K3 first appears in the 2024/25 ruleset (written "k3" by the open-source
	// validator: a bug not copied here).
	since(2024, "K3", "Registered supported accommodation"),
	// H5 and P2 are in every list up to 2024/25 and removed from 2025/26.
	until(2024, "H5", "Semi-independent living accommodation not subject to children's homes regulations"),
	until(2024, "P2", "Independent living, for example in a flat, lodgings, bedsit, bed and breakfast (B&B) or with friends, with or without formal support"),
	always("P3", "Residential employment"),
	always("R1", "Residential care home"),
	always("R2", "NHS/health trust or other establishment providing medical or nursing care"),
	always("R3", "Family centre or mother and baby unit"),
	always("R5", "Young offender institution (YOI)"),
	always("S1", "All residential schools, except where dual-registered as a school and children's home"),
	always("T0", "All types of temporary move"),
	always("T1", "Temporary periods in hospital"),
	always("T2", "Temporary absences of the child on holiday"),
	always("T3", "Temporary accommodation whilst normal foster carer(s) is/are on holiday"),
	always("T4", "Temporary accommodation of seven days or less, for any reason, not covered by codes T1 to T3"),
	until(2024, "Z1", "Other placements (must be listed on a schedule sent to DfE with annual submission)"),
	// Z11–Z14 from 2025/26. Their DfE descriptions were not found in any
	// source (codes doc §4); only their behaviour is known: no URN (218/222),
	// no provider (178/213), and DoLO rules 709/710.
	since(2025, "Z11", "Other placement (Z11, from 2025/26; DfE description not yet sourced)"),
	since(2025, "Z12", "Other placement (Z12, from 2025/26; DfE description not yet sourced)"),
	since(2025, "Z13", "Other placement (Z13, from 2025/26; DfE description not yet sourced)"),
	since(2025, "Z14", "Other placement (Z14, from 2025/26; DfE description not yet sourced)"),
)

// PlacementProvider (PLACE_PROVIDER), codes doc §7, rule 178. Blank is
// required for T0–T4 and (from 2025/26) Z11–Z14: see [ProviderRequired].
var PlacementProvider = newList("PLACE_PROVIDER", "PLACE_PROVIDER", "903:178",
	always("PR0", "Parent(s) or other person(s) with parental responsibility"),
	always("PR1", "Own provision (by the local authority) including a regional adoption agency where the child's responsible local authority is the host authority"),
	always("PR2", "Other local authority provision, including a regional adoption agency where another local authority is the host authority"),
	always("PR3", "Other public provision (for example, a primary care trust)"),
	always("PR4", "Private provision"),
	always("PR5", "Voluntary/third sector provision"),
)

// ReasonEpisodeCeased (REC), codes doc §5, rule 149: 22 codes. E43 and E44
// (replaced by E45–E48 in the 2019 schema) and the LIIA-internal E99 are not
// codes in any modelled year and are not listed.
var ReasonEpisodeCeased = newList("REC", "REC", "903:149",
	always("X1", "Episode ceases, and new episode begins on same day, for any reason"),
	always("E11", "Adopted – application for an adoption order unopposed"),
	always("E12", "Adopted – consent dispensed with by the court"),
	always("E2", "Died"),
	always("E3", "Care taken over by another local authority in the UK"),
	always("E4A", "Returned home to live with parent(s), relative(s), or other person(s) with parental responsibility as part of the care planning process (not under a special guardianship order or residence order or (from 22 April 2014) a child arrangement order)"),
	always("E4B", "Returned home to live with parent(s), relative(s), or other person(s) with parental responsibility which was not part of the current care planning process (not under a special guardianship order or residence order or (from 22 April 2014) a child arrangement order)"),
	always("E13", "Left care to live with parent(s), relative(s), or other person(s) with no parental responsibility"),
	always("E41", "Residence order (or, from 22 April 2014, a child arrangement order which sets out with whom the child is to live) granted"),
	always("E45", "Special guardianship order made to former foster carer(s), who was/are a relative(s) or friend(s)"),
	always("E46", "Special guardianship order made to former foster carer(s), other than relative(s) or friend(s)"),
	always("E47", "Special guardianship order made to carer(s), other than former foster carer(s), who was/are a relative(s) or friend(s)"),
	always("E48", "Special guardianship order made to carer(s), other than former foster carer(s), other than relative(s) or friend(s)"),
	always("E5", "Moved into independent living arrangement and no longer looked-after: supportive accommodation providing formalised advice/support arrangements"),
	always("E6", "Moved into independent living arrangement and no longer looked-after: accommodation providing no formalised advice/support arrangements"),
	always("E7", "Transferred to residential care funded by adult social care services"),
	always("E8", "Period of being looked-after ceased for any other reason (where none of the other reasons apply)"),
	always("E9", "Sentenced to custody"),
	always("E14", "Accommodation on remand ended"),
	always("E15", "Age assessment determined child is aged 18 or over and E5, E6 and E7 do not apply, such as a UASC whose age has been disputed"),
	always("E16", "Child moved abroad"),
	always("E17", "Aged 18 (or over) and remained with current carers (inc. under staying put arrangements)"),
)

// ReasonPlaceChange (REASON_PLACE_CHANGE), codes doc §8, rule 1009. The
// LIIA-internal LIIAF is not listed. Rule 234 (2025/26): CUSTOD not under 10.
var ReasonPlaceChange = newList("REASON_PLACE_CHANGE", "REASON_PLACE_CHANGE", "903:1009",
	always("CARPL", "Change to/implementing care plan"),
	always("CLOSE", "Resignation/closure of provision"),
	always("ALLEG", "Allegation (s47)"),
	always("STAND", "Standards of care concern"),
	always("APPRR", "Approval removed"),
	always("CREQB", "Carer(s) request placement end due to child's behaviour"),
	always("CREQO", "Carer(s) request placement end for other reasons"),
	always("CHILD", "Child requests placement end"),
	always("LAREQ", "Responsible/area authority requests placement end"),
	always("PLACE", "Change in the status of placement only"),
	always("CUSTOD", "Custody arrangement"),
	always("OTHER", "Other reasons not captured above"),
)

// PlacementLocation (PL_LOCATION), codes doc §6: derived from PL_LA, never
// typed in. No code-list rule id is given (rule 411 checks that IN agrees
// with PL_LA; it is not a list rule).
var PlacementLocation = newList("PL_LOCATION", "PL_LOCATION", "",
	always("IN", "Placed inside the responsible local authority's boundary"),
	always("OUT", "Placed outside the responsible local authority's boundary"),
)

// InTouch (OC3 IN_TOUCH), codes doc §10, rule 131.
var InTouch = newList("IN_TOUCH", "IN_TOUCH", "903:131",
	always("YES", "Yes – in touch"),
	always("NO", "No – not in touch"),
	always("DIED", "Died after leaving care"),
	always("REFU", "Young person refuses contact"),
	always("NREQ", "Young person no longer requires children's social care services"),
	always("RHOM", "Young person returned to live with parents or someone with parental responsibility for a continuous period of 6 months or more"),
)

// Activity (OC3 ACTIV), codes doc §10, rule 132. F4/P4/F5/P5 from the 2022
// schema (2022/23); F3/P3 ("training or employment") up to the 2021 schema
// (2021/22), replaced by F4/P4/F5/P5.
var Activity = newList("ACTIV", "ACTIV", "903:132",
	always("F1", "Young person engaged full time in higher education (e.g. studies beyond A level)"),
	always("P1", "Young person engaged part time in higher education (e.g. studies beyond A level)"),
	always("F2", "Young person engaged full time in education other than higher education"),
	always("P2", "Young person engaged part time in education other than higher education"),
	until(2021, "F3", "Young person engaged full time in training or employment"),
	until(2021, "P3", "Young person engaged part time in training or employment"),
	since(2022, "F4", "Young person engaged full time in an apprenticeship"),
	since(2022, "P4", "Young person engaged part time in an apprenticeship"),
	since(2022, "F5", "Young person engaged full time in training or employment (not apprenticeship)"),
	since(2022, "P5", "Young person engaged part time in training or employment (not apprenticeship)"),
	always("G4", "Not in education, employment or training because of illness or disability"),
	always("G5", "Not in education, employment or training: other circumstances"),
	always("G6", "Not in education, employment or training due to pregnancy or parenting"),
	always("0", "Not in touch and activity not known, or died, or returned home (RHOM)"),
)

// accomTypes are the OC3 ACCOM letters (codes doc §10). The digit gives
// suitability: 1 suitable, 2 not suitable. S (homeless) and X (custody) have
// only the "not suitable" code: rule 133 rejects S1 and X1 (the LIIA schemas
// accept them; codes doc "Discrepancy").
var accomTypes = []struct {
	letter, desc string
	only2        bool
}{
	{"B", "With parent(s) or relative(s)", false},
	{"C", "Community home or other form of residential care such as an NHS establishment", false},
	{"D", "Semi-independent, transitional accommodation (supported hostel, trainer flats, self-contained accommodation with specialist personal assistance or floating support)", false},
	{"E", "Supported lodgings (usually in a family home, where adult(s) in the \"host family\" provide formal advice and support)", false},
	{"G", "Gone abroad", false},
	{"H", "Deported", false},
	{"K", "Ordinary lodgings, without formal support", false},
	{"R", "Residence not known", false},
	{"S", "No fixed abode / homeless", true},
	{"T", "Foyers and similar supported accommodation which combines the accommodation with opportunities for education, training or employment", false},
	{"U", "Independent living, e.g. independent tenancy of flat, house or bedsit, including LA/housing association tenancy, or college/university accommodation; includes flat sharing", false},
	{"V", "Emergency accommodation (night shelter, direct access or emergency hostel)", false},
	{"W", "Bed and breakfast", false},
	{"X", "In custody", true},
	{"Y", "Other accommodation", false},
	// Z1/Z2 not for the 17th-birthday return (rule 3001): a cohort rule, not
	// a code-list one.
	{"Z", "With former foster carer(s): fostered and, on turning 18, remains with the same carer(s)", false},
}

func accommodationCodes() []Code {
	var cs []Code
	for _, t := range accomTypes {
		if !t.only2 {
			cs = append(cs, always(t.letter+"1", t.desc+" – suitable"))
		}
		cs = append(cs, always(t.letter+"2", t.desc+" – not suitable"))
	}
	return append(cs, always("0", "Not known, or died, or returned home (RHOM)"))
}

// Accommodation (OC3 ACCOM), codes doc §10, rule 133: a letter for the type
// and a digit for suitability (1 suitable, 2 not suitable), or "0".
var Accommodation = newList("ACCOM", "ACCOM", "903:133", accommodationCodes()...)

// Missing (Missing table, item MISSING), codes doc §11. No code-list rule id
// is given in the sources.
var Missing = newList("MISSING", "MISSING", "",
	always("M", "Missing from care: whereabouts not known"),
	always("A", "Away from placement without authorisation: whereabouts known"),
)

// ReviewCode (Reviews table, REVIEW_CODE): participation of the child in the
// review, PN0–PN7 (codes doc §11 gives only PN0 = under 4). The PN1–PN7
// descriptions follow the DfE 903 guidance wording as we know it; they are
// not in the reference doc.
var ReviewCode = newList("REVIEW_CODE", "REVIEW_CODE", "",
	always("PN0", "Child aged under 4 at the time of the review"),
	always("PN1", "Child physically attends and speaks for themselves"),
	always("PN2", "Child physically attends and an advocate speaks on their behalf"),
	always("PN3", "Child attends and conveys their view symbolically (non-verbally)"),
	always("PN4", "Child physically attends but does not speak for themselves, does not convey their view symbolically and does not ask an advocate to speak for them"),
	always("PN5", "Child does not attend physically but briefs an advocate to speak for them"),
	always("PN6", "Child does not attend but conveys their feelings to the review by a facilitative medium"),
	always("PN7", "Child does not attend nor are their views conveyed to the review"),
)

// PreviousPermanence (PrevPerm table, PREV_PERM), codes doc §11.
var PreviousPermanence = newList("PREV_PERM", "PREV_PERM", "",
	always("P1", "Adoption"),
	always("P2", "Special guardianship order (SGO)"),
	always("P3", "Residence order (RO) or child arrangements order (CAO)"),
	always("P4", "Unknown"),
	always("Z1", "No previous permanence"),
)

// ReasonPlacedCeased (PlacedAdoption table, REASON_PLACED_CEASED), codes
// doc §11.
var ReasonPlacedCeased = newList("REASON_PLACED_CEASED", "REASON_PLACED_CEASED", "",
	always("RD1", "Child's needs changed"),
	always("RD2", "Court did not make placement order"),
	always("RD3", "Prospective adopters could not be found"),
	always("RD4", "Any other reason"),
)

// SWReason (SWEpisodes table, SW_REASON): reason for a change of social
// worker, from 2023/24 (codes doc §11; validator rule SW13STG1). The codes
// are DfE's; the descriptions spell out the code names and are not DfE
// wording (none was found in the sources).
var SWReason = newList("SW_REASON", "SW_REASON", "903:SW13STG1",
	since(2023, "MANAGE", "Management decision"),
	since(2023, "FCONTA", "Fixed-term contract ended"),
	since(2023, "LEFTRL", "Social worker left the role"),
	since(2023, "ORGRST", "Organisational restructure"),
	since(2023, "TSPROC", "Transfer between teams as part of the standard process"),
	since(2023, "ABSENC", "Social worker absence"),
	since(2023, "CHCHAN", "Child requested a change"),
	since(2023, "PCCHAN", "Parent or carer requested a change"),
	since(2023, "SWDIED", "Social worker died"),
	since(2023, "OTHERS", "Other reason"),
)
