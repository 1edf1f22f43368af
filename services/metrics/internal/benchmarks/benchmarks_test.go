package benchmarks

import (
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

func TestEmbeddedTable(t *testing.T) {
	tb, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 47 {
		t.Fatalf("%d rows", tb.Len())
	}
	eet := tb.For(projection.Key{Indicator: "care_leavers_eet", Variant: "dfe", AgeBand: "19_21"})
	if len(eet) != 4 {
		t.Fatalf("%d EET rows", len(eet))
	}
	var coventry *Row
	for i := range eet {
		if eet[i].GeographyCode == "E08000026" {
			coventry = &eet[i]
		}
	}
	if coventry == nil || coventry.Value != 56 || coventry.Numerator != 198 || coventry.Denominator != 353 || coventry.YearEnding.String() != "2025-03-31" {
		t.Fatalf("Coventry EET %+v", coventry)
	}
	cla := tb.For(projection.Key{Indicator: "cla_count", Variant: "dfe", AgeBand: "all"})
	if len(cla) == 0 || cla[0].YearEnding.String() != "2025-03-31" || cla[len(cla)-1].YearEnding.String() != "2018-03-31" {
		t.Fatalf("cla rows not newest first: %+v", cla)
	}
	if tb.For(projection.Key{Indicator: "nope", Variant: "dfe", AgeBand: "all"}) != nil {
		t.Fatal("rows for an unknown key")
	}
	// Every key in the file that names one of our indicators is a figure we compute.
	for k := range tb.byKey {
		if _, ok := projection.Lookup(k.Indicator); ok && !projection.HasKey(k) {
			t.Errorf("benchmark key %v is not a figure", k)
		}
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for name, csv := range map[string]string{
		"header":  "a,b,c,d,e,f,g,h,i,j,k\n",
		"date":    strings.Join(header, ",") + "\ncla_count,dfe,all,E1,England,31/03/2025,1,count,,,x\n",
		"value":   strings.Join(header, ",") + "\ncla_count,dfe,all,E1,England,2025-03-31,many,count,,,x\n",
		"count":   strings.Join(header, ",") + "\ncla_count,dfe,all,E1,England,2025-03-31,1,count,1.5,,x\n",
		"missing": strings.Join(header, ",") + "\n,dfe,all,E1,England,2025-03-31,1,count,,,x\n",
		"fields":  strings.Join(header, ",") + "\ncla_count,dfe\n",
		"empty":   "",
	} {
		if _, err := Parse(strings.NewReader(csv)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}
