package codes

import "fmt"

// Code is one value of a code list with the collection years in which it is
// valid. From and To are inclusive; From 0 means valid since before any
// modelled year and To 0 means still valid.
type Code struct {
	Code        string         // exactly as the DfE writes it, e.g. "K3"
	Description string         // DfE wording, shortened where long
	From        CollectionYear // first valid year; 0 = open
	To          CollectionYear // last valid year; 0 = still valid
}

// ValidIn reports whether the code is valid in collection year y.
func (c Code) ValidIn(y CollectionYear) bool {
	return c.From <= y && (c.To == 0 || y <= c.To)
}

// Years renders the validity span, e.g. "2024/25–" or "open–2024/25".
func (c Code) Years() string {
	to := ""
	if c.To != 0 {
		to = c.To.String()
	}
	return c.From.String() + "–" + to
}

// List is one SSDA903 code list. Lists are package-level values built once
// at start-up and read-only afterwards, so they are safe for concurrent use.
type List struct {
	Name  string // short name of the list, e.g. "PLACE"
	Field string // the 903 item it fills, e.g. "PLACE" (XML tag PL)
	Rule  string // DfE rule that enforces the list, e.g. "903:146"; "" when none is known

	codes []Code
	index map[string]int
}

func newList(name, field, rule string, codes ...Code) *List {
	l := &List{Name: name, Field: field, Rule: rule, codes: codes, index: make(map[string]int, len(codes))}
	for i, c := range codes {
		if _, dup := l.index[c.Code]; dup {
			// A programming error in this package's data; the tests catch it too.
			panic(fmt.Sprintf("codes: list %s: duplicate code %q", name, c.Code))
		}
		l.index[c.Code] = i
	}
	return l
}

// Valid reports whether code is in the list and valid in collection year y.
// The comparison is exact and case-sensitive: "k3" is never valid.
func (l *List) Valid(code string, y CollectionYear) bool {
	c, ok := l.Lookup(code)
	return ok && c.ValidIn(y)
}

// Lookup returns the code whatever its years, and whether the list has it.
func (l *List) Lookup(code string) (Code, bool) {
	i, ok := l.index[code]
	if !ok {
		return Code{}, false
	}
	return l.codes[i], true
}

// Description returns the code's description, or "" when the list lacks it.
func (l *List) Description(code string) string {
	c, _ := l.Lookup(code)
	return c.Description
}

// ValidIn returns the codes valid in collection year y, in list order.
func (l *List) ValidIn(y CollectionYear) []Code {
	out := make([]Code, 0, len(l.codes))
	for _, c := range l.codes {
		if c.ValidIn(y) {
			out = append(out, c)
		}
	}
	return out
}

// All returns every code the list has ever held, in list order (a copy).
func (l *List) All() []Code {
	return append([]Code(nil), l.codes...)
}

// Lists returns every list in this package, in a stable order.
func Lists() []*List {
	return []*List{
		Sex, LegalStatus, ReasonNewEpisode, CategoryOfNeed, PlacementType,
		PlacementProvider, ReasonEpisodeCeased, ReasonPlaceChange, PlacementLocation,
		InTouch, Activity, Accommodation, Missing, ReviewCode, PreviousPermanence,
		ReasonPlacedCeased, SWReason,
	}
}
