package load

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Op is one kind of operation in the mix.
type Op int

// The operations of the mix.
const (
	// OpPlace starts a placement for a child with none, or ends a child's
	// placement (StartPlacement / EndPlacement, alternating per child).
	OpPlace Op = iota
	// OpMove moves a placed child to a new placement (ChangePlacement).
	OpMove
	// OpContact records a keeping-in-touch contact with a care leaver
	// (RecordContact).
	OpContact
	// OpRead reads one record: GetChild, GetCurrentPlacement or
	// GetCareLeaver, in turn.
	OpRead
	// OpIndicators reads the live indicators (GetIndicators).
	OpIndicators
	numOps
)

var opNames = [numOps]string{"place", "move", "contact", "read", "indicators"}

func (o Op) String() string {
	if o < 0 || o >= numOps {
		return "op(" + strconv.Itoa(int(o)) + ")"
	}
	return opNames[o]
}

// Write reports whether the operation is a write.
func (o Op) Write() bool { return o == OpPlace || o == OpMove || o == OpContact }

// Mix is the relative weight of each operation.
type Mix [numOps]int

// DefaultMix is the mix cpload runs unless told otherwise.
const DefaultMix = "place=40,move=20,contact=20,read=10,indicators=10"

// ParseMix reads a mix written name=weight,... (names place, move,
// contact, read, indicators; weights are whole numbers, any total; a name
// left out weighs 0).
func ParseMix(s string) (Mix, error) {
	var m Mix
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok {
			return Mix{}, fmt.Errorf("mix: %q: want name=weight", part)
		}
		op := Op(-1)
		for i, n := range opNames {
			if n == name {
				op = Op(i)
			}
		}
		if op < 0 {
			return Mix{}, fmt.Errorf("mix: unknown operation %q (place, move, contact, read, indicators)", name)
		}
		if seen[name] {
			return Mix{}, fmt.Errorf("mix: %s given twice", name)
		}
		seen[name] = true
		w, err := strconv.Atoi(strings.TrimSpace(val))
		if err != nil || w < 0 {
			return Mix{}, fmt.Errorf("mix: %s=%s: want a whole number, 0 or more", name, val)
		}
		m[op] = w
	}
	if m.total() == 0 {
		return Mix{}, fmt.Errorf("mix: %q has no operation with a weight above 0", s)
	}
	return m, nil
}

// MustParseMix is ParseMix for constants.
func MustParseMix(s string) Mix {
	m, err := ParseMix(s)
	if err != nil {
		panic(err)
	}
	return m
}

func (m Mix) total() int {
	t := 0
	for _, w := range m {
		t += w
	}
	return t
}

// WriteShare is the fraction of operations that are writes.
func (m Mix) WriteShare() float64 {
	t := m.total()
	if t == 0 {
		return 0
	}
	return float64(m[OpPlace]+m[OpMove]+m[OpContact]) / float64(t)
}

// String writes the mix as ParseMix reads it.
func (m Mix) String() string {
	var parts []string
	for i, w := range m {
		if w > 0 {
			parts = append(parts, opNames[i]+"="+strconv.Itoa(w))
		}
	}
	return strings.Join(parts, ",")
}

// pick draws an operation by weight.
func (m Mix) pick(r *rand.Rand) Op {
	n := r.IntN(m.total())
	for i, w := range m {
		if n < w {
			return Op(i)
		}
		n -= w
	}
	return OpRead // unreachable: total > 0
}
