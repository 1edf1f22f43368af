package projection

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
)

var update = flag.Bool("update", false, "rewrite golden files")

func d(s string) clock.Date { return clock.MustParseDate(s) }

// pb builds points with increasing arrivals.
type pb struct{ arrival uint64 }

func (b *pb) next() uint64 { b.arrival++; return b.arrival }

func (b *pb) care(child, date string, looked bool, ls string) Point {
	return Point{Child: child, Kind: KindCare, Date: d(date), Rank: RankNormal, Arrival: b.next(), Care: Care{LookedAfter: looked, LegalStatus: ls}}
}

func (b *pb) uasc(child, date string, v bool) Point {
	return Point{Child: child, Kind: KindUASC, Date: d(date), Rank: RankNormal, Arrival: b.next(), UASC: v}
}

func (b *pb) place(child, date, typ string, loc Location, dist string) Point {
	return Point{Child: child, Kind: KindPlacement, Date: d(date), Rank: RankNormal, Arrival: b.next(),
		Placement: Placement{Present: typ != "", Type: typ, Group: codes.GroupOf(typ), Location: loc, Distance: dist, Temporary: codes.IsTemporary(typ)}}
}

func (b *pb) leaver(child, date string, open bool) Point {
	return Point{Child: child, Kind: KindCareLeaver, Date: d(date), Rank: RankNormal, Arrival: b.next(), CareLeaver: CareLeaver{Open: open}}
}

func (b *pb) band(child, date, band string) Point {
	return Point{Child: child, Kind: KindAgeBand, Date: d(date), Rank: RankNormal, Arrival: b.next(), AgeBand: band}
}

func (b *pb) contact(child, date, in, act, acc string) Point {
	return Point{Child: child, Kind: KindContact, Date: d(date), Rank: RankNormal, Arrival: b.next(), Contact: Contact{in, act, acc}}
}

func value(t *testing.T, vs []Value, k string) Value {
	t.Helper()
	for _, v := range vs {
		if v.Key.String() == k {
			return v
		}
	}
	t.Fatalf("no value %s", k)
	return Value{}
}

func TestTimelineOrdersByDateRankArrival(t *testing.T) {
	var tl timeline[string]
	tl.insert(key{20260110, RankNormal, 3}, "c")
	tl.insert(key{20260101, RankNormal, 1}, "a")
	tl.insert(key{20260110, RankNormal, 2}, "b")          // same day, earlier arrival: before c
	tl.insert(key{20260110, RankSuperseded, 9}, "late")   // same day, lower rank: before b and c
	tl.insert(key{20260105, RankNormal, 4}, "backdated")  // between a and b
	tl.insert(key{20260105, RankNormal, 4}, "backdated2") // same key again: replaced, not added
	var got []string
	for _, s := range tl {
		got = append(got, s.v)
	}
	if strings.Join(got, ",") != "a,backdated2,late,b,c" {
		t.Fatalf("order %v", got)
	}
	for _, tt := range []struct {
		day  Day
		want string
		ok   bool
	}{{20251231, "", false}, {20260101, "a", true}, {20260104, "a", true}, {20260105, "backdated2", true}, {20260110, "c", true}, {20991231, "c", true}} {
		if got, ok := tl.at(tt.day); got != tt.want || ok != tt.ok {
			t.Errorf("at(%d) = %q,%v want %q,%v", tt.day, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDayRoundTrip(t *testing.T) {
	for _, s := range []string{"2026-03-31", "0001-01-01", "2024-02-29", "9999-12-31"} {
		if got := DayOf(d(s)).Date(); got != d(s) {
			t.Errorf("%s -> %v", s, got)
		}
	}
	if DayOf(d("2026-02-28")) >= DayOf(d("2026-10-01")) {
		t.Fatal("days do not order as dates")
	}
}

func TestFactsOn(t *testing.T) {
	var b pb
	c := &Child{ID: "x"}
	for _, p := range []Point{
		b.care("x", "2025-01-10", true, "C2"),
		b.uasc("x", "2025-01-10", true),
		b.place("x", "2025-01-10", "U1", LocationInside, codes.Distance20OrLess),
		b.place("x", "2025-03-01", "T1", LocationOutside, codes.DistanceOver20),  // hospital
		b.place("x", "2025-03-08", "U1", LocationInside, codes.Distance20OrLess), // back
		b.place("x", "2025-06-01", "K2", LocationOutside, codes.DistanceOver20),
		b.care("x", "2025-09-01", true, "V3"), // short breaks only: not counted
		b.care("x", "2025-10-01", false, ""),
		b.leaver("x", "2025-10-01", true),
		b.band("x", "2025-10-01", codes.AgeBand17To18),
		b.contact("x", "2025-11-01", "YES", "F2", "U1"),
	} {
		c.add(p)
	}
	tests := []struct {
		on   string
		want Facts
	}{
		{"2025-01-09", Facts{}},
		{"2025-01-10", Facts{Counted: true, UASC: true, Placement: Placement{true, "U1", codes.GroupFoster, LocationInside, codes.Distance20OrLess, false}}},
		{"2025-03-05", Facts{Counted: true, UASC: true, Placement: Placement{true, "U1", codes.GroupFoster, LocationInside, codes.Distance20OrLess, false}}},
		{"2025-07-01", Facts{Counted: true, UASC: true, Placement: Placement{true, "K2", codes.GroupChildrensHomes, LocationOutside, codes.DistanceOver20, false}}},
		{"2025-09-15", Facts{}},
		{"2025-10-15", Facts{CareLeaver: true, AgeBand: codes.AgeBand17To18}},
		{"2025-11-01", Facts{CareLeaver: true, AgeBand: codes.AgeBand17To18, Contact: Contact{"YES", "F2", "U1"}}},
	}
	for _, tt := range tests {
		if got := c.FactsOn(DayOf(d(tt.on))); got != tt.want {
			t.Errorf("on %s:\n got %+v\nwant %+v", tt.on, got, tt.want)
		}
	}
}

func TestTemporaryWithoutInterruptedPlacementCountsInNoGroup(t *testing.T) {
	var b pb
	c := &Child{}
	c.add(b.care("x", "2025-01-10", true, "C2"))
	c.add(b.place("x", "2025-01-10", "T4", LocationInside, codes.Distance20OrLess))
	f := c.FactsOn(DayOf(d("2025-01-11")))
	if !f.Counted || f.Placement.Present {
		t.Fatalf("facts %+v", f)
	}
}

// seedFacts reproduces the note's figures (seed-scenario.md).
func seedFacts() []Facts {
	var fs []Facts
	add := func(n int, f Facts) {
		for range n {
			fs = append(fs, f)
		}
	}
	pl := func(typ string, loc Location) Placement {
		return Placement{Present: true, Type: typ, Group: codes.GroupOf(typ), Location: loc, Distance: codes.Distance20OrLess}
	}
	// 662 looked after: foster 502 (of which 40 with relatives), supported 65,
	// homes 58, with parents 25, adoption 12; 369 inside the boundary.
	add(300, Facts{Counted: true, Placement: pl("U4", LocationInside)})
	add(40, Facts{Counted: true, Placement: pl("U1", LocationInside)})
	add(162, Facts{Counted: true, Placement: pl("U5", LocationOutside)})
	add(29, Facts{Counted: true, Placement: pl("K3", LocationInside)})
	add(36, Facts{Counted: true, UASC: true, Placement: pl("K3", LocationOutside)})
	add(58, Facts{Counted: true, Placement: pl("K2", LocationOutside)})
	add(25, Facts{Counted: true, Placement: pl("P1", LocationOutside)})
	add(12, Facts{Counted: true, Placement: pl("A4", LocationOutside)})
	// 290 care leavers: 275 in touch (171 EET, 264 suitable), 3 died or
	// RHOM, 12 not in touch or no contact yet.
	cl := func(band, in, act, acc string) Facts {
		return Facts{CareLeaver: true, AgeBand: band, Contact: Contact{in, act, acc}}
	}
	add(160, cl("19_21", "YES", "F2", "U1"))
	add(11, cl("22_25", "YES", "F5", "U1"))
	add(93, cl("17_18", "YES", "G5", "D1"))
	add(11, cl("19_21", "YES", "G6", "D2"))
	add(2, cl("19_21", "DIED", "0", "0"))
	add(1, cl("22_25", "RHOM", "0", "0"))
	add(7, cl("19_21", "NO", "0", "0"))
	add(5, cl("17_18", "", "", ""))
	return fs
}

func TestSeedFiguresReproduceTheNote(t *testing.T) {
	vs := Values(Count(seedFacts()), 622, d("2026-03-31"))
	for _, tt := range []struct {
		key      string
		num, den int64
		pct      float64 // to one decimal place; -1 for counts
	}{
		{"cla_count.dfe.all", 662, 0, -1},
		{"cla_change_12m.dfe.all", 40, 0, -1},
		{"placement_foster.dfe.all", 502, 662, 75.8},
		{"placement_supported_accommodation.dfe.all", 65, 662, 9.8},
		{"placement_childrens_homes.dfe.all", 58, 662, 8.8},
		{"placement_with_parents.dfe.all", 25, 662, 3.8},
		{"placement_for_adoption.dfe.all", 12, 662, 1.8},
		{"placement_other.dfe.all", 0, 662, 0},
		{"placed_inside_boundary.dfe.all", 369, 662, 55.7},
		{"care_leaver_count.dfe.all", 290, 0, -1},
		{"care_leavers_in_touch.local.all", 275, 287, 95.8},
		{"care_leavers_in_touch.dfe.all", 275, 287, 95.8},
		{"care_leavers_eet.local.all", 171, 275, 62.2},
		{"care_leavers_eet.dfe.all", 171, 290, 59.0},
		{"care_leavers_suitable_accommodation.local.all", 264, 275, 96.0},
		{"care_leavers_suitable_accommodation.dfe.all", 264, 290, 91.0},
		{"uasc_count.dfe.all", 36, 0, -1},
		{"connected_persons_count.dfe.all", 40, 0, -1},
	} {
		v := value(t, vs, tt.key)
		if v.Numerator != tt.num || v.Denominator != tt.den {
			t.Errorf("%s = %d/%d, want %d/%d", tt.key, v.Numerator, v.Denominator, tt.num, tt.den)
		}
		if tt.pct >= 0 && math.Round(v.Number()*10)/10 != tt.pct {
			t.Errorf("%s = %.3f%%, want %.1f%%", tt.key, v.Number(), tt.pct)
		}
	}
}

func TestValuesGolden(t *testing.T) {
	vs := Values(Count(seedFacts()), 622, d("2026-03-31"))
	var sb strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&sb, "%-52s %s %5d %5d %8.3f %s\n", v.Key, v.AsAt, v.Numerator, v.Denominator, v.Number(), v.DefinitionID)
	}
	golden := filepath.Join("testdata", "seed_values.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if sb.String() != string(want) {
		t.Fatalf("values differ from %s (rerun with -update if intended):\n%s", golden, sb.String())
	}
}

func TestKeysAndDefinitions(t *testing.T) {
	ks := Keys()
	if len(ks) != 40 {
		t.Fatalf("%d keys, want 40", len(ks))
	}
	seen := map[Key]bool{}
	for _, k := range ks {
		if seen[k] {
			t.Fatalf("duplicate key %v", k)
		}
		seen[k] = true
		if !HasKey(k) {
			t.Fatalf("HasKey(%v) false", k)
		}
	}
	defs := Definitions()
	if defs[0].ID != CLACount || defs[0].Title != "Children looked after" {
		t.Fatalf("first definition %+v", defs[0])
	}
	foster, ok := Lookup("placement_foster")
	if !ok || foster.Title != "Placed in foster care" || foster.Unit != UnitPercent || foster.Denominator == "" {
		t.Fatalf("placement_foster %+v", foster)
	}
	for _, def := range defs {
		if def.Title == "" || def.Description == "" || def.Numerator == "" || def.DefinitionID == "" || def.Source == "" {
			t.Errorf("incomplete definition %+v", def)
		}
		if (def.Unit == UnitPercent) != (def.Denominator != "") {
			t.Errorf("%s: unit %v with denominator %q", def.ID, def.Unit, def.Denominator)
		}
	}
	defs[0].Variants[0] = "changed"
	if Definitions()[0].Variants[0] != VariantDfE {
		t.Fatal("Definitions does not return a copy")
	}
}

func TestApplyUpdatesLiveTotalsAndPublishesChanges(t *testing.T) {
	type change struct {
		seq    uint64
		values []Value
	}
	var got []change
	p := New(d("2026-03-31"), 100, func(seq uint64, vs []Value) { got = append(got, change{seq, vs}) })
	var b pb
	p.Apply([]Point{b.care("a", "2026-03-01", true, "C2"), b.place("a", "2026-03-01", "U4", LocationInside, codes.Distance20OrLess)})
	if len(got) != 1 || got[0].seq != 101 {
		t.Fatalf("changes %+v", got)
	}
	keysChanged := map[string]int64{}
	for _, v := range got[0].values {
		keysChanged[v.Key.String()] = v.Numerator
	}
	if keysChanged["cla_count.dfe.all"] != 1 || keysChanged["placement_foster.dfe.all"] != 1 || keysChanged["cla_change_12m.dfe.all"] != 1 {
		t.Fatalf("changed %v", keysChanged)
	}
	if _, ok := keysChanged["care_leaver_count.dfe.all"]; ok {
		t.Fatal("unchanged value published")
	}
	// A point that changes no figure (a future date) publishes nothing.
	p.Apply([]Point{b.uasc("a", "2026-04-10", true)})
	if len(got) != 1 || p.Seq() != 101 {
		t.Fatalf("change published for a future point: %+v", got)
	}
	// The date moves: the UASC point is now in force; every value's as-at moved.
	if !p.SetToday(d("2026-04-10")) || p.SetToday(d("2026-04-10")) {
		t.Fatal("SetToday")
	}
	if len(got) != 2 || got[1].seq != 102 || len(got[1].values) != len(Keys()) {
		t.Fatalf("day change published %d values at seq %d", len(got[1].values), got[1].seq)
	}
	if v := value(t, p.Live().Values, "uasc_count.dfe.all"); v.Numerator != 1 || v.AsAt != d("2026-04-10") {
		t.Fatalf("uasc %+v", v)
	}
}

func TestBackdatedPointChangesHistoryOnce(t *testing.T) {
	p := New(d("2026-03-31"), 0, nil)
	var b pb
	p.Apply([]Point{b.care("a", "2025-06-01", true, "C2")})
	at := func(date string) int64 {
		vs, _ := p.At(d(date), false)
		return value(t, vs, "cla_count.dfe.all").Numerator
	}
	if at("2025-03-31") != 0 || at("2026-03-31") != 1 {
		t.Fatal("before backdating")
	}
	late := b.care("b", "2025-01-10", true, "V2") // recorded today, effective last January
	p.Apply([]Point{late})
	p.Apply([]Point{late}) // the same point again (a reload or a redelivery the store let through)
	if at("2025-03-31") != 1 || at("2026-03-31") != 2 || at("2025-01-09") != 0 {
		t.Fatalf("after backdating: %d %d", at("2025-03-31"), at("2026-03-31"))
	}
	if got := p.LiveTotals().CLA; got != 2 {
		t.Fatalf("live cla %d", got)
	}
	// The year-earlier live figures see it too (31 March 2025).
	if v := value(t, p.Live().YearEarlier, "cla_count.dfe.all"); v.Numerator != 1 || v.AsAt != d("2025-03-31") {
		t.Fatalf("year earlier %+v", v)
	}
	if v := value(t, p.Live().Values, "cla_change_12m.dfe.all"); v.Numerator != 1 {
		t.Fatalf("change %+v", v)
	}
}

// TestLiveTotalsMatchAScan applies random points, in random order and with
// random backdating, and checks the incrementally kept totals against a
// full recomputation at each tracked date.
func TestLiveTotalsMatchAScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	today := d("2026-03-31")
	p := New(today, 0, nil)
	var b pb
	types := []string{"U1", "U4", "K2", "K3", "P1", "A4", "R1", "T1", "T4", ""}
	lss := []string{"C2", "V2", "V3", "E1"}
	ins := []string{"YES", "NO", "DIED", "RHOM", "REFU"}
	date := func() string { return today.AddDays(-r.IntN(1200) + 30).String() }
	for round := range 300 {
		var pts []Point
		for range 1 + r.IntN(20) {
			c := fmt.Sprintf("c%d", r.IntN(40))
			switch r.IntN(6) {
			case 0:
				pts = append(pts, b.care(c, date(), r.IntN(3) > 0, lss[r.IntN(len(lss))]))
			case 1:
				pts = append(pts, b.uasc(c, date(), r.IntN(2) == 0))
			case 2:
				pts = append(pts, b.place(c, date(), types[r.IntN(len(types))], Location(r.IntN(4)), []string{codes.DistanceOver20, codes.Distance20OrLess, codes.DistanceNotKnown}[r.IntN(3)]))
			case 3:
				pts = append(pts, b.leaver(c, date(), r.IntN(3) > 0))
			case 4:
				pts = append(pts, b.band(c, date(), AgeBands[r.IntN(4)]))
			case 5:
				pts = append(pts, b.contact(c, date(), ins[r.IntN(len(ins))], "F2", "U1"))
			}
		}
		p.Apply(pts)
		if round%50 == 49 {
			today = today.AddDays(17)
			p.SetToday(today)
		}
		for k := range nTracked {
			if got, want := p.totals[k], p.totalsOn(p.days[k]); got != want {
				t.Fatalf("round %d, tracked %v:\n live %+v\n scan %+v", round, p.dates[k], got, want)
			}
		}
	}
	if p.Stats().Children == 0 || p.Stats().Points == 0 {
		t.Fatal("no state")
	}
}

func TestLoadRebuildsTheSameTotals(t *testing.T) {
	var b pb
	pts := []Point{
		b.care("a", "2025-01-01", true, "C2"), b.place("a", "2025-01-01", "U4", LocationInside, codes.Distance20OrLess),
		b.leaver("z", "2025-02-01", true), b.band("z", "2025-02-01", "19_21"), b.contact("z", "2025-03-01", "YES", "F1", "U1"),
		{Child: "z", Kind: KindMonthOfBirth, MonthOfBirth: "2005-04"},
	}
	live := New(d("2026-03-31"), 7, nil)
	live.Apply(pts)
	loaded := New(d("2026-03-31"), 7, nil)
	loaded.Load(pts)
	if live.LiveTotals() != loaded.LiveTotals() {
		t.Fatalf("live %+v loaded %+v", live.LiveTotals(), loaded.LiveTotals())
	}
	if loaded.Seq() != 7 {
		t.Fatalf("Load raised the sequence to %d", loaded.Seq())
	}
	if loaded.MonthOfBirth("z") != "2005-04" || loaded.AgeBandOn("z", d("2026-01-01")) != "19_21" {
		t.Fatal("child details")
	}
}

func TestTrend(t *testing.T) {
	dates := TrendDates(d("2026-03-15"), 4)
	var got []string
	for _, x := range dates {
		got = append(got, x.String())
	}
	if strings.Join(got, ",") != "2025-12-31,2026-01-31,2026-02-28,2026-03-15" {
		t.Fatalf("dates %v", got)
	}
	if TrendDates(d("2026-03-15"), 0) != nil {
		t.Fatal("zero months")
	}
	p := New(d("2026-03-31"), 0, nil)
	var b pb
	p.Apply([]Point{b.care("a", "2025-11-15", true, "C2"), b.care("b", "2026-01-15", true, "C2"), b.care("a", "2026-03-01", false, "")})
	tr := p.Trend(Key{CLACount, VariantDfE, codes.AgeBandAll}, d("2026-03-31"), 6)
	var counts []int64
	for _, v := range tr {
		counts = append(counts, v.Numerator)
	}
	if fmt.Sprint(counts) != "[0 1 1 2 2 1]" {
		t.Fatalf("trend %v", counts)
	}
	if tr[5].AsAt != d("2026-03-31") || tr[0].AsAt != d("2025-10-31") {
		t.Fatalf("trend dates %v .. %v", tr[0].AsAt, tr[5].AsAt)
	}
	ch := p.Trend(Key{CLAChange12m, VariantDfE, codes.AgeBandAll}, d("2026-02-28"), 1)
	if ch[0].Numerator != 2 {
		t.Fatalf("change %+v", ch[0])
	}
}

func TestValueNumber(t *testing.T) {
	if (Value{Unit: UnitPercent, Numerator: 1, Denominator: 0}).Number() != 0 {
		t.Fatal("zero denominator")
	}
	if (Value{Unit: UnitChange, Numerator: -3}).Number() != -3 {
		t.Fatal("change")
	}
	if (Value{Unit: UnitPercent, Numerator: 1, Denominator: 4}).Number() != 25 {
		t.Fatal("percent")
	}
}

func TestKindNames(t *testing.T) {
	for _, k := range []Kind{KindCare, KindUASC, KindPlacement, KindCareLeaver, KindAgeBand, KindContact, KindMonthOfBirth} {
		if !k.Valid() || strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %c", k)
		}
	}
	if Kind('?').Valid() {
		t.Fatal("invalid kind valid")
	}
}
