package codes

// PlacementGroup is the placement category used by the placement indicators
// (architecture "Indicator ids": placement_<group>) and the seed scenario.
// The value is the indicator id suffix.
type PlacementGroup string

// The six reporting groups, in display order, plus GroupTemporary.
const (
	GroupFoster                 PlacementGroup = "foster"                  // U1–U6
	GroupSupportedAccommodation PlacementGroup = "supported_accommodation" // K3; H5 and P2 historic
	GroupChildrensHomes         PlacementGroup = "childrens_homes"         // K1, K2
	GroupWithParents            PlacementGroup = "with_parents"            // P1
	GroupForAdoption            PlacementGroup = "for_adoption"            // A3–A6
	GroupOther                  PlacementGroup = "other"                   // everything else

	// GroupTemporary is returned by GroupOf for T0–T4. It is not a
	// reporting group and has no indicator: a temporary placement does not
	// change the child's group. The child "returns to the normal placement"
	// (rule 383), so callers count the underlying (pre-temporary) placement
	// and must handle this value explicitly.
	GroupTemporary PlacementGroup = "temporary"
)

// GroupInfo describes one reporting group for display.
type GroupInfo struct {
	Group     PlacementGroup
	Label     string // plain English for a Corporate Parenting Board member
	Indicator string // indicator id, e.g. "placement_foster"
}

var groups = []GroupInfo{
	{GroupFoster, "Foster care", "placement_foster"},
	{GroupSupportedAccommodation, "Supported accommodation", "placement_supported_accommodation"},
	{GroupChildrensHomes, "Children's homes", "placement_childrens_homes"},
	{GroupWithParents, "Placed with parents", "placement_with_parents"},
	{GroupForAdoption, "Placed for adoption", "placement_for_adoption"},
	{GroupOther, "Other placements", "placement_other"},
}

// Groups returns the six reporting groups in display order (a copy).
// GroupTemporary is not among them.
func Groups() []GroupInfo { return append([]GroupInfo(nil), groups...) }

// Label returns the group's plain-English label, or "" for GroupTemporary
// and unknown values.
func (g PlacementGroup) Label() string {
	for _, gi := range groups {
		if gi.Group == g {
			return gi.Label
		}
	}
	return ""
}

// Indicator returns the group's indicator id ("placement_foster"), or ""
// for GroupTemporary and unknown values.
func (g PlacementGroup) Indicator() string {
	for _, gi := range groups {
		if gi.Group == g {
			return gi.Indicator
		}
	}
	return ""
}

// GroupOf returns the reporting group of a placement type (architecture
// "Indicator ids"; codes doc §4 seed categories):
//
//	U1–U6 foster; K3, H5, P2 supported accommodation; K1, K2 children's
//	homes; P1 with parents; A3–A6 for adoption; T0–T4 GroupTemporary;
//	"" → ""; every other code (R1–R5, S1, P3, Z1, Z11–Z14, and any
//	unrecognised code) other.
//
// GroupOf does not check that place is valid in any year; validate first.
func GroupOf(place string) PlacementGroup {
	switch {
	case place == "":
		return ""
	case IsTemporary(place):
		return GroupTemporary
	case IsFoster(place):
		return GroupFoster
	case place == "K3" || place == "H5" || place == "P2":
		return GroupSupportedAccommodation
	case place == "K1" || place == "K2":
		return GroupChildrensHomes
	case place == "P1":
		return GroupWithParents
	case IsAdoption(place):
		return GroupForAdoption
	}
	return GroupOther
}
