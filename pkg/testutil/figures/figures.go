// Package figures lets end-to-end tests compare the metrics service's live
// indicator figures with the ones their own ledger of writes expects, and
// check its reconciliation, in one way wherever they run (in process,
// separate processes, containers).
package figures

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

// Key names one figure: "indicator_id/variant/age_band", e.g.
// "care_leavers_in_touch/local/all".
func Key(v *metricsv1.IndicatorValue) string {
	return v.GetIndicatorId() + "/" + v.GetVariant() + "/" + v.GetAgeBand()
}

// Counts is numerator and denominator by Key. A figure with no denominator
// (a count) has 0 there.
type Counts map[string][2]int64

// FromValues collects values by Key.
func FromValues(values []*metricsv1.IndicatorValue) Counts {
	c := Counts{}
	for _, v := range values {
		c[Key(v)] = [2]int64{v.GetNumerator(), v.GetDenominator()}
	}
	return c
}

// Diff lists, in key order, every figure of want that got lacks or holds
// with other counts; figures only in got are not compared.
func Diff(got, want Counts) []string {
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: metrics has no such figure, want %d/%d", k, w[0], w[1]))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s: metrics %d/%d, want %d/%d", k, g[0], g[1], w[0], w[1]))
		}
	}
	slices.Sort(diffs)
	return diffs
}

// Match asks metrics for today's figures of the indicators want names and
// returns nil if every one equals want, or an error listing the ones that
// differ. An event lost shows as a figure short, one counted twice as a
// figure over.
func Match(ctx context.Context, m metricsv1.MetricsServiceClient, want Counts) error {
	ids := map[string]bool{}
	req := &metricsv1.GetIndicatorsRequest{}
	for k := range want {
		if id, _, _ := strings.Cut(k, "/"); !ids[id] {
			ids[id] = true
			req.IndicatorIds = append(req.IndicatorIds, id)
		}
	}
	slices.Sort(req.IndicatorIds)
	resp, err := m.GetIndicators(ctx, req)
	if err != nil {
		return fmt.Errorf("GetIndicators: %w", err)
	}
	if d := Diff(FromValues(resp.GetValues()), want); len(d) > 0 {
		return errors.New(strings.Join(d, "; "))
	}
	return nil
}

// Reconcile asks metrics to recount every figure from the source services
// and returns how many it compared, with an error if it compared none or
// found any difference from its live totals.
func Reconcile(ctx context.Context, m metricsv1.MetricsServiceClient) (int, error) {
	r, err := m.Reconcile(ctx, &metricsv1.ReconcileRequest{})
	if err != nil {
		return 0, fmt.Errorf("Reconcile: %w", err)
	}
	n := int(r.GetCompared())
	if n == 0 {
		return 0, errors.New("Reconcile compared no figures")
	}
	if len(r.GetDifferences()) > 0 {
		var b []string
		for _, d := range r.GetDifferences() {
			b = append(b, fmt.Sprintf("%s/%s/%s live %d/%d source %d/%d", d.GetIndicatorId(), d.GetVariant(), d.GetAgeBand(),
				d.GetLiveNumerator(), d.GetLiveDenominator(), d.GetSourceNumerator(), d.GetSourceDenominator()))
		}
		return n, fmt.Errorf("Reconcile compared %d figures, %d differences: %s", n, len(b), strings.Join(b, "; "))
	}
	return n, nil
}
