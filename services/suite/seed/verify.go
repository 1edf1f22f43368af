package seed

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

// Figure is one of the note's figures as the metrics service reports it:
// an indicator's variant ("all" ages) with its numerator and denominator
// (0 for counts), as at the plan's date or, with YearEarlier, twelve months
// before it.
type Figure struct {
	Indicator   string
	Variant     string
	YearEarlier bool
	Num, Den    int64
}

// Figures are the note's figures the plan reproduces, with the DfE
// variants of the care-leaver figures as the metrics service defines them
// (EET and suitable accommodation over every open care leaver).
var Figures = []Figure{
	{Indicator: "cla_count", Variant: "dfe", Num: TargetCLA},
	{Indicator: "cla_count", Variant: "dfe", YearEarlier: true, Num: TargetCLAYearEarlier},
	{Indicator: "cla_change_12m", Variant: "dfe", Num: TargetCLA - TargetCLAYearEarlier},
	{Indicator: "placement_foster", Variant: "dfe", Num: TargetFoster, Den: TargetCLA},
	{Indicator: "placement_supported_accommodation", Variant: "dfe", Num: TargetSupported, Den: TargetCLA},
	{Indicator: "placement_childrens_homes", Variant: "dfe", Num: TargetChildrensHomes, Den: TargetCLA},
	{Indicator: "placement_with_parents", Variant: "dfe", Num: TargetWithParents, Den: TargetCLA},
	{Indicator: "placement_for_adoption", Variant: "dfe", Num: TargetForAdoption, Den: TargetCLA},
	{Indicator: "placement_other", Variant: "dfe", Num: 0, Den: TargetCLA},
	{Indicator: "placed_inside_boundary", Variant: "dfe", Num: TargetInside, Den: TargetCLA},
	{Indicator: "care_leaver_count", Variant: "dfe", Num: TargetCareLeavers},
	{Indicator: "care_leavers_in_touch", Variant: "local", Num: TargetInTouch, Den: TargetCareLeavers - TargetExcluded},
	{Indicator: "care_leavers_in_touch", Variant: "dfe", Num: TargetInTouch, Den: TargetCareLeavers - TargetExcluded},
	{Indicator: "care_leavers_eet", Variant: "local", Num: TargetEET, Den: TargetInTouch},
	{Indicator: "care_leavers_eet", Variant: "dfe", Num: TargetEET, Den: TargetCareLeavers},
	{Indicator: "care_leavers_suitable_accommodation", Variant: "local", Num: TargetSuitable, Den: TargetInTouch},
	{Indicator: "care_leavers_suitable_accommodation", Variant: "dfe", Num: TargetSuitable, Den: TargetCareLeavers},
}

// Reported is what the metrics service reports for each of Figures, in
// the same order.
type Reported []Figure

// Report asks the metrics service for every figure as at asAt (and twelve
// months before it).
func Report(ctx context.Context, m metricsv1.MetricsServiceClient, asAt clock.Date) (Reported, error) {
	byDate := map[bool]map[string]*metricsv1.IndicatorValue{}
	for _, earlier := range []bool{false, true} {
		d := asAt
		if earlier {
			d = asAt.AddMonths(-12)
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := m.GetIndicators(cctx, &metricsv1.GetIndicatorsRequest{AsAtDate: d.String()})
		cancel()
		if err != nil {
			return nil, fmt.Errorf("metrics GetIndicators as at %s: %s", d, Describe(err))
		}
		byDate[earlier] = map[string]*metricsv1.IndicatorValue{}
		for _, v := range resp.GetValues() {
			if v.GetAgeBand() == "all" {
				byDate[earlier][v.GetIndicatorId()+"."+v.GetVariant()] = v
			}
		}
	}
	out := make(Reported, len(Figures))
	for i, f := range Figures {
		v := byDate[f.YearEarlier][f.Indicator+"."+f.Variant]
		out[i] = Figure{Indicator: f.Indicator, Variant: f.Variant, YearEarlier: f.YearEarlier, Num: v.GetNumerator(), Den: v.GetDenominator()}
	}
	return out, nil
}

// Mismatches lists the figures reported differently from the note's.
func (r Reported) Mismatches() []string {
	var out []string
	for i, f := range Figures {
		if g := r[i]; g.Num != f.Num || g.Den != f.Den {
			out = append(out, fmt.Sprintf("%s: %d/%d, want %d/%d", f.name(), g.Num, g.Den, f.Num, f.Den))
		}
	}
	return out
}

func (f Figure) name() string {
	n := f.Indicator + " (" + f.Variant + ")"
	if f.YearEarlier {
		n += " 12 months earlier"
	}
	return n
}

// Print writes the figures as a table.
func (r Reported) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tREPORTED\tNOTE\t")
	for i, f := range Figures {
		g := r[i]
		show := func(x Figure) string {
			if x.Den == 0 {
				return fmt.Sprint(x.Num)
			}
			return fmt.Sprintf("%d/%d (%.1f%%)", x.Num, x.Den, 100*float64(x.Num)/float64(x.Den))
		}
		mark := ""
		if g.Num != f.Num || g.Den != f.Den {
			mark = "DIFFERS"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.name(), show(g), show(f), mark)
	}
	tw.Flush()
}

// Await polls the metrics service until it reports every figure of the
// note as at asAt, or timeout passes; it returns the last report and, on
// timeout, an error naming the figures that differ.
func Await(ctx context.Context, m metricsv1.MetricsServiceClient, asAt clock.Date, timeout time.Duration) (Reported, error) {
	deadline := time.Now().Add(timeout)
	for {
		r, err := Report(ctx, m, asAt)
		if err == nil && len(r.Mismatches()) == 0 {
			return r, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("after %v the metrics service reports:\n  %s", timeout, strings.Join(r.Mismatches(), "\n  "))
			}
			return r, err
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return r, err
		}
	}
}
