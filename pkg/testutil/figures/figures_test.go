package figures

import (
	"slices"
	"testing"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

func TestFromValuesKeysByIndicatorVariantAndBand(t *testing.T) {
	got := FromValues([]*metricsv1.IndicatorValue{
		{IndicatorId: "care_leavers_in_touch", Variant: "dfe", AgeBand: "all", Numerator: 7, Denominator: 9},
		{IndicatorId: "care_leavers_in_touch", Variant: "local", AgeBand: "19-21", Numerator: 3, Denominator: 4},
		{IndicatorId: "cla_count", Variant: "dfe", AgeBand: "all", Numerator: 12},
	})
	want := Counts{
		"care_leavers_in_touch/dfe/all":     {7, 9},
		"care_leavers_in_touch/local/19-21": {3, 4},
		"cla_count/dfe/all":                 {12, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

func TestDiffNamesEveryFigureShortOverOrMissing(t *testing.T) {
	got := Counts{
		"cla_count/dfe/all":        {10, 0},
		"placement_foster/dfe/all": {7, 10},
		"uasc_count/dfe/all":       {1, 0}, // not wanted: not compared
	}
	want := Counts{
		"cla_count/dfe/all":                 {10, 0},
		"placement_foster/dfe/all":          {6, 10},
		"placement_childrens_homes/dfe/all": {3, 10},
	}
	d := Diff(got, want)
	wantDiffs := []string{
		"placement_childrens_homes/dfe/all: metrics has no such figure, want 3/10",
		"placement_foster/dfe/all: metrics 7/10, want 6/10",
	}
	if !slices.Equal(d, wantDiffs) {
		t.Fatalf("Diff = %q\nwant %q", d, wantDiffs)
	}
	if d := Diff(got, Counts{"cla_count/dfe/all": {10, 0}}); len(d) != 0 {
		t.Fatalf("equal figures gave %q", d)
	}
}
