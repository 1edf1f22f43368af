package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// The hand-written encoder writes exactly what json.Marshal writes for the
// record, so the format stays what childRecord's tags say and decodeChild
// (encoding/json) reads it back.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	check := func(c *caseload.Child) {
		t.Helper()
		want, err := json.Marshal(recordOf(c))
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendChildJSON(nil, c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("hand-written JSON differs from encoding/json's:\n got %s\nwant %s", got, want)
		}
		v, err := encodeChild(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(v[recordHeader:], want) {
			t.Fatal("encodeChild's JSON differs from appendChildJSON's")
		}
		if _, err := decodeChild(v); err != nil {
			t.Fatalf("the record does not decode: %v", err)
		}
	}
	check(fullChild("c1", "LA-1"))
	check(&caseload.Child{ID: "c2", LAChildID: "LA-2"}) // every optional field empty, zero dates and times
	withEmptySpells := fullChild("c3", "LA-3")
	withEmptySpells.Periods[0].Spells = nil
	check(withEmptySpells)

	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		check(randomChild(rng))
	}
}

// randomString draws from characters encoding/json treats specially
// (quotes, backslashes, control characters, HTML characters, U+2028/2029,
// invalid UTF-8) as well as ordinary ones.
func randomString(rng *rand.Rand) string {
	pieces := []string{"", "a", "Zoë", "O'Brien", `"`, `\`, "<", ">", "&", "\n", "\r", "\t", "\b", "\f",
		"\x00", "\x01", "\x1f", "\x7f", "\u2028", "\u2029", "\xff", "\xe2\x80", "é", "日本", "😀", " ", "/", "\u00a0"}
	n := rng.IntN(6)
	var b []byte
	for range n {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return string(b)
}

func randomDate(rng *rand.Rand) clock.Date {
	if rng.IntN(4) == 0 {
		return clock.Date{}
	}
	return clock.Date{Y: 1990 + rng.IntN(40), M: time.Month(1 + rng.IntN(12)), D: 1 + rng.IntN(28)}
}

func randomTime(rng *rand.Rand) time.Time {
	if rng.IntN(5) == 0 {
		return time.Time{}
	}
	zones := []*time.Location{time.UTC, clock.London, time.FixedZone("x", -5*3600)}
	nanos := []int{0, 1, 120, 123456789, 500000000, 999999999}
	return time.Date(2000+rng.IntN(30), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60),
		rng.IntN(60), nanos[rng.IntN(len(nanos))], zones[rng.IntN(len(zones))])
}

func randomChild(rng *rand.Rand) *caseload.Child {
	s := func() string { return randomString(rng) }
	c := &caseload.Child{ID: s(), LAChildID: s(), GivenName: s(), FamilyName: s(), DOB: randomDate(rng),
		Sex: s(), Ethnicity: s(), UPN: s(), UASC: caseload.UASC{IsUASC: rng.IntN(2) == 0, Ceased: randomDate(rng)},
		Created: randomTime(rng), Updated: randomTime(rng), Revision: rng.Uint64() >> rng.IntN(64)}
	for range rng.IntN(3) {
		p := caseload.Period{ID: s(), Start: randomDate(rng), End: randomDate(rng), ReasonCeased: s(), CategoryOfNeed: s()}
		for range rng.IntN(3) {
			p.Spells = append(p.Spells, caseload.Spell{ID: s(), LegalStatus: s(), Start: randomDate(rng), Corrected: rng.IntN(2) == 0})
		}
		c.Periods = append(c.Periods, p)
	}
	for range rng.IntN(3) {
		c.Corrections = append(c.Corrections, caseload.Correction{Kind: caseload.CorrectionKind(s()), TargetID: s(),
			PeriodID: s(), Reason: s(), At: randomTime(rng), PriorLegalStatus: s(), PriorDate: randomDate(rng), PriorReasonCeased: s()})
	}
	for range rng.IntN(3) {
		c.Allocations = append(c.Allocations, caseload.Allocation{WorkerID: s(), TeamID: s(), Start: randomDate(rng), End: randomDate(rng)})
	}
	for range rng.IntN(4) {
		c.Placements = append(c.Placements, caseload.Placement{ID: s(), Place: s(), Provider: s(), URN: s(), CarerID: s(),
			Location: s(), DistanceBand: s(), Start: randomDate(rng), End: randomDate(rng), ReasonChange: s()})
	}
	return c
}

// A time json.Marshal refuses (a year after 9999) is refused here too.
func TestEncodeRefusesWhatEncodingJSONRefuses(t *testing.T) {
	c := fullChild("c1", "LA-1")
	c.Updated = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := json.Marshal(recordOf(c)); err == nil {
		t.Fatal("encoding/json accepted the year 10000")
	}
	if _, err := encodeChild(c); err == nil {
		t.Fatal("encodeChild accepted the year 10000")
	}
}

func BenchmarkEncodeChild(b *testing.B) {
	c := fullChild("c1", "LA-1")
	for i := range 20 {
		p := c.Placements[1]
		p.ID = p.ID + string(rune('a'+i))
		c.Placements = append(c.Placements, p)
	}
	b.Run("hand-written", func(b *testing.B) {
		for b.Loop() {
			if _, err := encodeChild(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(recordOf(c)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
