package codes

import (
	"math"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestYearOf(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	tests := []struct {
		t    time.Time
		want CollectionYear
	}{
		{date(2025, time.April, 1), 2025},
		{date(2026, time.March, 31), 2025},
		{date(2026, time.April, 1), 2026},
		{date(2025, time.January, 1), 2024},
		{date(2024, time.December, 31), 2024},
		{date(2019, time.June, 15), 2019},
		// The calendar date in t's own location counts: 00:30 BST on 1 April
		// is still 31 March in UTC, but it is 1 April in London.
		{time.Date(2025, time.April, 1, 0, 30, 0, 0, london), 2025},
	}
	for _, tt := range tests {
		if got := YearOf(tt.t); got != tt.want {
			t.Errorf("YearOf(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
}

func TestCollectionYearString(t *testing.T) {
	tests := []struct {
		y    CollectionYear
		want string
	}{
		{2025, "2025/26"}, {2024, "2024/25"}, {2099, "2099/00"}, {2009, "2009/10"}, {0, "open"},
	}
	for _, tt := range tests {
		if got := tt.y.String(); got != tt.want {
			t.Errorf("%d.String() = %q, want %q", int(tt.y), got, tt.want)
		}
	}
}

func TestCollectionYearBounds(t *testing.T) {
	y := CollectionYear(2025)
	if !y.Start().Equal(date(2025, time.April, 1)) || !y.End().Equal(date(2026, time.March, 31)) {
		t.Fatalf("2025 bounds = %v – %v", y.Start(), y.End())
	}
	if !y.Contains(y.Start()) || !y.Contains(y.End()) || y.Contains(y.End().AddDate(0, 0, 1)) || y.Contains(y.Start().AddDate(0, 0, -1)) {
		t.Fatal("Contains is wrong at the year's edges")
	}
}

func TestParseCollectionYear(t *testing.T) {
	for in, want := range map[string]CollectionYear{"2025/26": 2025, "2025": 2025, " 1999/00 ": 1999} {
		got, err := ParseCollectionYear(in)
		if err != nil || got != want {
			t.Errorf("ParseCollectionYear(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2025/27", "25/26", "abcd", "2025-26", "0000"} {
		if _, err := ParseCollectionYear(in); err == nil {
			t.Errorf("ParseCollectionYear(%q): want an error", in)
		}
	}
	// Round trip.
	for y := CollectionYear(2000); y < 2040; y++ {
		if got, err := ParseCollectionYear(y.String()); err != nil || got != y {
			t.Errorf("round trip %v: %v, %v", y, got, err)
		}
	}
}

func TestValidityByYear(t *testing.T) {
	tests := []struct {
		list *List
		code string
		year CollectionYear
		want bool
	}{
		// PLACE, rule 146 by ruleset (codes doc §4).
		{PlacementType, "K3", 2023, false},
		{PlacementType, "K3", 2024, true},
		{PlacementType, "K3", 2025, true},
		{PlacementType, "k3", 2024, false}, // the validator's lower-case bug is not copied
		{PlacementType, "H5", 2019, true},
		{PlacementType, "H5", 2024, true},
		{PlacementType, "H5", 2025, false},
		{PlacementType, "P2", 2024, true},
		{PlacementType, "P2", 2025, false},
		{PlacementType, "Z1", 2022, true},
		{PlacementType, "Z1", 2024, true},
		{PlacementType, "Z1", 2025, false},
		{PlacementType, "Z11", 2024, false},
		{PlacementType, "Z11", 2025, true},
		{PlacementType, "Z14", 2026, true},
		{PlacementType, "U1", 2015, true},
		{PlacementType, "U1", 2026, true},
		{PlacementType, "S1", 2025, true},
		{PlacementType, "T0", 2025, true},
		{PlacementType, "Q1", 2022, false},
		{PlacementType, "", 2025, false},
		// LS (codes doc §2).
		{LegalStatus, "D1", 2019, true},
		{LegalStatus, "D1", 2023, true},
		{LegalStatus, "D1", 2024, false},
		{LegalStatus, "E1", 2025, true},
		{LegalStatus, "V4", 2025, true},
		{LegalStatus, "c1", 2025, false},
		// REC (codes doc §5).
		{ReasonEpisodeCeased, "E43", 2019, false},
		{ReasonEpisodeCeased, "E44", 2025, false},
		{ReasonEpisodeCeased, "E99", 2025, false},
		{ReasonEpisodeCeased, "E45", 2025, true},
		{ReasonEpisodeCeased, "E4A", 2025, true},
		{ReasonEpisodeCeased, "X1", 2025, true},
		// ACCOM (codes doc §10).
		{Accommodation, "S1", 2025, false},
		{Accommodation, "X1", 2025, false},
		{Accommodation, "S2", 2025, true},
		{Accommodation, "X2", 2025, true},
		{Accommodation, "Z1", 2025, true},
		{Accommodation, "Z2", 2025, true},
		{Accommodation, "0", 2025, true},
		{Accommodation, "B3", 2025, false},
		{Accommodation, "A1", 2025, false},
		// ACTIV (codes doc §10).
		{Activity, "F3", 2021, true},
		{Activity, "F3", 2022, false},
		{Activity, "P3", 2022, false},
		{Activity, "F4", 2021, false},
		{Activity, "F4", 2022, true},
		{Activity, "P5", 2025, true},
		{Activity, "0", 2025, true},
		// SEX (codes doc §1).
		{Sex, "1", 2023, true},
		{Sex, "1", 2024, false},
		{Sex, "M", 2023, false},
		{Sex, "M", 2024, true},
		{Sex, "U", 2025, true},
		// Others.
		{PlacementProvider, "PR0", 2025, true},
		{PlacementProvider, "PR6", 2025, false},
		{ReasonPlaceChange, "CUSTOD", 2025, true},
		{ReasonPlaceChange, "LIIAF", 2025, false},
		{InTouch, "YES", 2025, true},
		{InTouch, "yes", 2025, false},
		{SWReason, "MANAGE", 2022, false},
		{SWReason, "MANAGE", 2023, true},
		{Missing, "M", 2025, true},
		{ReviewCode, "PN0", 2025, true},
		{ReviewCode, "PN8", 2025, false},
		{CategoryOfNeed, "N8", 2025, true},
		{CategoryOfNeed, "N9", 2025, false},
		{ReasonNewEpisode, "S", 2025, true},
	}
	for _, tt := range tests {
		if got := tt.list.Valid(tt.code, tt.year); got != tt.want {
			t.Errorf("%s.Valid(%q, %v) = %v, want %v", tt.list.Name, tt.code, tt.year, got, tt.want)
		}
	}
}

func codeSet(cs []Code) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Code)
	}
	return strings.Join(s, " ")
}

// The whole PLACE list per ruleset equals the codes doc §4 table.
func TestPlacementTypeRulesets(t *testing.T) {
	base := "U1 U2 U3 U4 U5 U6 A3 A4 A5 A6 P1 K1 K2 H5 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 Z1"
	with24 := "U1 U2 U3 U4 U5 U6 A3 A4 A5 A6 P1 K1 K2 K3 H5 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 Z1"
	from25 := "U1 U2 U3 U4 U5 U6 A3 A4 A5 A6 P1 K1 K2 K3 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 Z11 Z12 Z13 Z14"
	for y, want := range map[CollectionYear]string{2019: base, 2022: base, 2023: base, 2024: with24, 2025: from25, 2026: from25} {
		if got := codeSet(PlacementType.ValidIn(y)); got != want {
			t.Errorf("PLACE in %v:\n got %s\nwant %s", y, got, want)
		}
	}
	if n := len(PlacementType.All()); n != 32 {
		t.Errorf("PLACE has %d codes ever, want 32", n)
	}
}

func TestListSizes(t *testing.T) {
	tests := []struct {
		list *List
		year CollectionYear
		want int
	}{
		{ReasonEpisodeCeased, 2025, 22}, // rule 149
		{ReasonPlaceChange, 2025, 12},   // rule 1009
		{LegalStatus, 2023, 13},
		{LegalStatus, 2024, 12},
		{PlacementProvider, 2025, 6},
		{ReasonNewEpisode, 2025, 6},
		{CategoryOfNeed, 2025, 8},
		{InTouch, 2025, 6},
		{Activity, 2025, 12},
		{Activity, 2021, 10},
		{Accommodation, 2025, 31}, // 16 letters × 2 − S1 − X1 + "0"
		{SWReason, 2025, 10},
		{ReviewCode, 2025, 8},
	}
	for _, tt := range tests {
		if got := len(tt.list.ValidIn(tt.year)); got != tt.want {
			t.Errorf("%s in %v: %d codes, want %d", tt.list.Name, tt.year, got, tt.want)
		}
	}
}

func TestListsWellFormed(t *testing.T) {
	names := map[string]bool{}
	for _, l := range Lists() {
		if l.Name == "" || l.Field == "" {
			t.Errorf("list %+v has no name or field", l)
		}
		if names[l.Name] {
			t.Errorf("two lists named %s", l.Name)
		}
		names[l.Name] = true
		if l.Rule != "" && !strings.HasPrefix(l.Rule, "903:") {
			t.Errorf("%s: rule %q is not of the form 903:<id>", l.Name, l.Rule)
		}
		all := l.All()
		if len(all) == 0 {
			t.Errorf("%s is empty", l.Name)
		}
		seen := map[string]bool{}
		for _, c := range all {
			if seen[c.Code] {
				t.Errorf("%s: duplicate code %q", l.Name, c.Code)
			}
			seen[c.Code] = true
			if strings.TrimSpace(c.Description) == "" {
				t.Errorf("%s: code %q has no description", l.Name, c.Code)
			}
			if c.Code == "" || c.Code != strings.TrimSpace(c.Code) || c.Code != strings.ToUpper(c.Code) {
				t.Errorf("%s: code %q is not trimmed upper case", l.Name, c.Code)
			}
			if c.To != 0 && c.To < c.From {
				t.Errorf("%s: code %q valid %v–%v: To before From", l.Name, c.Code, c.From, c.To)
			}
			if got, ok := l.Lookup(c.Code); !ok || got != c {
				t.Errorf("%s: Lookup(%q) = %+v, %v", l.Name, c.Code, got, ok)
			}
			if l.Description(c.Code) != c.Description {
				t.Errorf("%s: Description(%q) mismatch", l.Name, c.Code)
			}
		}
		// Every list has something valid in every modelled year, except the
		// SW_REASON list before 2023/24.
		for y := EarliestModelled; y <= 2026; y++ {
			if len(l.ValidIn(y)) == 0 && (l != SWReason || y >= 2023) {
				t.Errorf("%s: nothing valid in %v", l.Name, y)
			}
		}
	}
	// All returns a copy.
	all := PlacementType.All()
	all[0].Code = "XX"
	if _, ok := PlacementType.Lookup("U1"); !ok {
		t.Fatal("All() exposed the list's backing array")
	}
}

func TestNewListPanicsOnDuplicate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("newList accepted a duplicate code")
		}
	}()
	newList("T", "T", "", always("A", "a"), always("A", "b"))
}

func TestCodeYears(t *testing.T) {
	k3, _ := PlacementType.Lookup("K3")
	h5, _ := PlacementType.Lookup("H5")
	if k3.Years() != "2024/25–" || h5.Years() != "open–2024/25" {
		t.Errorf("Years: K3 %q, H5 %q", k3.Years(), h5.Years())
	}
}

func TestPlacementPredicates(t *testing.T) {
	type preds struct{ temp, foster, connected, longTerm, adoption bool }
	tests := map[string]preds{
		"T0": {temp: true}, "T4": {temp: true}, "T5": {},
		"U1": {foster: true, connected: true, longTerm: true},
		"U2": {foster: true, connected: true},
		"U3": {foster: true, connected: true},
		"U4": {foster: true, longTerm: true},
		"U5": {foster: true}, "U6": {foster: true}, "U7": {},
		"A3": {adoption: true}, "A6": {adoption: true}, "A2": {},
		"K3": {}, "P1": {}, "Z11": {}, "": {}, "u1": {}, "t0": {},
	}
	for code, want := range tests {
		got := preds{IsTemporary(code), IsFoster(code), IsConnectedPersons(code), IsLongTermFoster(code), IsAdoption(code)}
		if got != want {
			t.Errorf("%q: got %+v, want %+v", code, got, want)
		}
	}
}

func TestLegalStatusPredicates(t *testing.T) {
	for _, ls := range []string{"V3", "V4"} {
		if !IsShortBreak(ls) {
			t.Errorf("IsShortBreak(%q) = false", ls)
		}
	}
	for _, ls := range []string{"V2", "C2", "", "v3", "J1"} {
		if IsShortBreak(ls) {
			t.Errorf("IsShortBreak(%q) = true", ls)
		}
	}
	for _, ls := range []string{"J1", "J2", "J3"} {
		if !IsYouthJustice(ls) {
			t.Errorf("IsYouthJustice(%q) = false", ls)
		}
	}
	for _, ls := range []string{"J4", "L1", "", "j1"} {
		if IsYouthJustice(ls) {
			t.Errorf("IsYouthJustice(%q) = true", ls)
		}
	}
}

func TestLegalStatusValidOn(t *testing.T) {
	tests := []struct {
		ls    string
		decom time.Time
		want  bool
	}{
		{"D1", date(2005, time.December, 31), true},  // 445: after 31/12/2005 invalid
		{"D1", date(2006, time.January, 1), false},   // 445
		{"E1", date(2005, time.November, 30), false}, // 446: before 01/12/2005 invalid
		{"E1", date(2005, time.December, 1), true},   // 446
		{"C2", date(1999, time.January, 1), true},
		{"C2", date(2025, time.January, 1), true},
		{"XX", date(2025, time.January, 1), false},
		{"", date(2025, time.January, 1), false},
	}
	for _, tt := range tests {
		if got := LegalStatusValidOn(tt.ls, tt.decom); got != tt.want {
			t.Errorf("LegalStatusValidOn(%q, %s) = %v, want %v", tt.ls, tt.decom.Format("2006-01-02"), got, tt.want)
		}
	}
}

func TestCareLeaverPredicates(t *testing.T) {
	for _, a := range Activity.All() {
		want := strings.HasPrefix(a.Code, "F") || strings.HasPrefix(a.Code, "P")
		if got := IsEET(a.Code); got != want {
			t.Errorf("IsEET(%q) = %v, want %v", a.Code, got, want)
		}
	}
	for _, a := range []string{"G4", "G5", "G6", "0", "", "f1"} {
		if IsEET(a) {
			t.Errorf("IsEET(%q) = true", a)
		}
	}

	suitable := map[string]bool{"B1": true, "Z1": true, "U1": true, "T1": true, "B2": false, "S2": false, "X2": false, "0": false, "S1": false, "X1": false, "A1": false, "": false, "1": false, "b1": false}
	for code, want := range suitable {
		if got := IsSuitableAccommodation(code); got != want {
			t.Errorf("IsSuitableAccommodation(%q) = %v, want %v", code, got, want)
		}
	}
	n := 0
	for _, c := range Accommodation.All() {
		if IsSuitableAccommodation(c.Code) {
			n++
		}
	}
	if n != 14 { // 16 types less S and X
		t.Errorf("%d suitable ACCOM codes, want 14", n)
	}
}

func TestEndsCare(t *testing.T) {
	n := 0
	for _, c := range ReasonEpisodeCeased.All() {
		if EndsCare(c.Code) {
			n++
		} else if c.Code != "X1" {
			t.Errorf("EndsCare(%q) = false", c.Code)
		}
	}
	if n != 21 {
		t.Errorf("%d ending codes, want 21 (every REC but X1)", n)
	}
	for _, rec := range []string{"X1", "", "E43", "E44", "E99", "e2", "E"} {
		if EndsCare(rec) {
			t.Errorf("EndsCare(%q) = true", rec)
		}
	}
}

func TestProviderRequired(t *testing.T) {
	tests := []struct {
		place string
		y     CollectionYear
		want  bool
	}{
		{"T0", 2022, false}, {"T4", 2025, false}, // 213
		{"Z11", 2025, false}, {"Z14", 2026, false}, // 2025/26 rule 213/526
		{"U1", 2025, true}, {"P1", 2025, true}, {"K3", 2024, true}, {"Z1", 2024, true}, {"H5", 2023, true},
	}
	for _, tt := range tests {
		if got := ProviderRequired(tt.place, tt.y); got != tt.want {
			t.Errorf("ProviderRequired(%q, %v) = %v, want %v", tt.place, tt.y, got, tt.want)
		}
	}
}

func TestURNExempt(t *testing.T) {
	always := []string{"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4"}
	for _, y := range []CollectionYear{2019, 2022, 2023, 2024, 2025, 2026} {
		for _, p := range always {
			if !URNExempt(p, y) {
				t.Errorf("URNExempt(%q, %v) = false", p, y)
			}
		}
		for _, p := range []string{"U1", "U6", "A3", "K1", "K2", "K3", "R3", "S1", ""} {
			if URNExempt(p, y) {
				t.Errorf("URNExempt(%q, %v) = true", p, y)
			}
		}
	}
	tests := []struct {
		place string
		y     CollectionYear
		want  bool
	}{
		{"H5", 2022, true}, {"H5", 2023, false}, {"H5", 2024, false},
		{"P2", 2022, true}, {"P2", 2023, false},
		{"Z1", 2022, true}, {"Z1", 2024, true}, {"Z1", 2025, false},
		{"Z11", 2024, false}, {"Z11", 2025, true}, {"Z13", 2026, true},
	}
	for _, tt := range tests {
		if got := URNExempt(tt.place, tt.y); got != tt.want {
			t.Errorf("URNExempt(%q, %v) = %v, want %v", tt.place, tt.y, got, tt.want)
		}
	}
	for la, want := range map[string]bool{"CON": true, "NIR": true, "SCO": true, "WAL": true, "NUK": true, "E09000001": false, "": false, "sco": false} {
		if got := URNExemptLA(la); got != want {
			t.Errorf("URNExemptLA(%q) = %v, want %v", la, got, want)
		}
	}
}

func TestGroupOf(t *testing.T) {
	want := map[string]PlacementGroup{
		"U1": GroupFoster, "U3": GroupFoster, "U6": GroupFoster,
		"K3": GroupSupportedAccommodation, "H5": GroupSupportedAccommodation, "P2": GroupSupportedAccommodation,
		"K1": GroupChildrensHomes, "K2": GroupChildrensHomes,
		"P1": GroupWithParents,
		"A3": GroupForAdoption, "A4": GroupForAdoption, "A5": GroupForAdoption, "A6": GroupForAdoption,
		"R1": GroupOther, "R2": GroupOther, "R3": GroupOther, "R5": GroupOther,
		"S1": GroupOther, "P3": GroupOther, "Z1": GroupOther, "Z11": GroupOther, "Z14": GroupOther,
		"T0": GroupTemporary, "T1": GroupTemporary, "T4": GroupTemporary,
		"": "",
	}
	for place, g := range want {
		if got := GroupOf(place); got != g {
			t.Errorf("GroupOf(%q) = %q, want %q", place, got, g)
		}
	}
	// Every PLACE code ever valid lands in exactly one reporting group or is temporary.
	for _, c := range PlacementType.All() {
		g := GroupOf(c.Code)
		if g == GroupTemporary {
			if !IsTemporary(c.Code) {
				t.Errorf("%s temporary but not IsTemporary", c.Code)
			}
			continue
		}
		if g.Indicator() == "" {
			t.Errorf("GroupOf(%q) = %q has no indicator", c.Code, g)
		}
		if (g == GroupFoster) != IsFoster(c.Code) || (g == GroupForAdoption) != IsAdoption(c.Code) {
			t.Errorf("GroupOf(%q) = %q disagrees with the predicates", c.Code, g)
		}
	}
}

func TestGroups(t *testing.T) {
	gs := Groups()
	wantOrder := []struct {
		g         PlacementGroup
		label, id string
	}{
		{"foster", "Foster care", "placement_foster"},
		{"supported_accommodation", "Supported accommodation", "placement_supported_accommodation"},
		{"childrens_homes", "Children's homes", "placement_childrens_homes"},
		{"with_parents", "Placed with parents", "placement_with_parents"},
		{"for_adoption", "Placed for adoption", "placement_for_adoption"},
		{"other", "Other placements", "placement_other"},
	}
	if len(gs) != len(wantOrder) {
		t.Fatalf("Groups() has %d groups, want %d", len(gs), len(wantOrder))
	}
	for i, w := range wantOrder {
		if gs[i].Group != w.g || gs[i].Label != w.label || gs[i].Indicator != w.id {
			t.Errorf("Groups()[%d] = %+v, want %+v", i, gs[i], w)
		}
		if w.g.Label() != w.label || w.g.Indicator() != w.id {
			t.Errorf("%q: Label %q Indicator %q", w.g, w.g.Label(), w.g.Indicator())
		}
	}
	if GroupTemporary.Label() != "" || GroupTemporary.Indicator() != "" {
		t.Error("GroupTemporary must have no label and no indicator")
	}
	gs[0].Label = "changed"
	if Groups()[0].Label != "Foster care" {
		t.Error("Groups() exposed its backing array")
	}
}

func TestDistanceMiles(t *testing.T) {
	tests := []struct {
		name                   string
		eHome, nHome, ePl, nPl float64
		want                   float64
	}{
		// Worked example: 3 km east and 4 km north is 5 km;
		// 5 / 1.6093 = 3.1069… → 3.1 miles.
		{"3-4-5", 530000, 180000, 533000, 184000, 3.1},
		{"same place", 530000, 180000, 530000, 180000, 0},
		{"order does not matter", 533000, 184000, 530000, 180000, 3.1},
		// 32.186 km is exactly 20 × 1.6093: 20.0 miles.
		{"exactly 20 miles", 400000, 300000, 432186, 300000, 20.0},
		// 32.2 km / 1.6093 = 20.0087… → 20.0; 32.3 km → 20.07… → 20.1.
		{"20.0087 rounds down", 400000, 300000, 400000, 332200, 20.0},
		{"20.07 rounds up", 400000, 300000, 400000, 332300, 20.1},
		// 100 km / 1.6093 = 62.138…
		{"100 km", 0, 0, 60000, 80000, 62.1},
	}
	for _, tt := range tests {
		got := DistanceMiles(tt.eHome, tt.nHome, tt.ePl, tt.nPl)
		if math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: DistanceMiles = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDistanceBand(t *testing.T) {
	tests := []struct {
		miles float64
		known bool
		want  string
	}{
		{0, true, "20_or_less"},
		{19.9, true, "20_or_less"},
		{20.0, true, "20_or_less"},
		{20.1, true, "over_20"},
		{20.0000001, true, "over_20"},
		{350, true, "over_20"},
		{999.9, true, "over_20"},
		{5, false, "not_known"},
		{0, false, "not_known"},
		{math.NaN(), true, "not_known"},
		{math.Inf(1), true, "not_known"},
		{-1, true, "not_known"},
		{DistanceMiles(400000, 300000, 432186, 300000), true, "20_or_less"},
	}
	for _, tt := range tests {
		if got := DistanceBand(tt.miles, tt.known); got != tt.want {
			t.Errorf("DistanceBand(%v, %v) = %q, want %q", tt.miles, tt.known, got, tt.want)
		}
	}
}

func TestAgeBand(t *testing.T) {
	tests := map[int]string{
		-1: "", 0: "", 15: "", 16: "",
		17: "17_18", 18: "17_18",
		19: "19_21", 20: "19_21", 21: "19_21",
		22: "22_25", 24: "22_25", 25: "22_25",
		26: "", 40: "",
	}
	for age, want := range tests {
		if got := AgeBand(age); got != want {
			t.Errorf("AgeBand(%d) = %q, want %q", age, got, want)
		}
	}
}

func TestConcurrentReads(t *testing.T) {
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for y := CollectionYear(2020); y < 2027; y++ {
				_ = PlacementType.Valid("K3", y)
				_ = PlacementType.ValidIn(y)
				_ = GroupOf("U1")
			}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
}
