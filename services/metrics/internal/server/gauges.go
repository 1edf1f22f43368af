package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// Gauges exports every live figure to Prometheus, read from the live
// answer at scrape time (nothing is updated on the event path):
//
//	cp_indicator_numerator{indicator,variant,age_band}
//	cp_indicator_denominator{indicator,variant,age_band}
//	cp_indicator_value{indicator,variant,age_band}
//	cp_indicator_sequence
//	cp_metrics_children, cp_metrics_change_points
type Gauges struct {
	proj                           *projection.Projection
	num, den, val, seq, kids, pnts *prometheus.Desc
}

// NewGauges returns the collector; register it on the service's registry.
func NewGauges(p *projection.Projection) *Gauges {
	labels := []string{"indicator", "variant", "age_band"}
	return &Gauges{
		proj: p,
		num:  prometheus.NewDesc("cp_indicator_numerator", "Numerator of the live figure (the count, for counts).", labels, nil),
		den:  prometheus.NewDesc("cp_indicator_denominator", "Denominator of the live figure (0 for counts).", labels, nil),
		val:  prometheus.NewDesc("cp_indicator_value", "Value of the live figure: the count or change, or the percentage.", labels, nil),
		seq:  prometheus.NewDesc("cp_indicator_sequence", "Sequence of the last change of the live figures.", nil, nil),
		kids: prometheus.NewDesc("cp_metrics_children", "Children and young people held by the projection.", nil, nil),
		pnts: prometheus.NewDesc("cp_metrics_change_points", "Dated change points held by the projection.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (g *Gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{g.num, g.den, g.val, g.seq, g.kids, g.pnts} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (g *Gauges) Collect(ch chan<- prometheus.Metric) {
	l := g.proj.Live()
	for _, v := range l.Values {
		ch <- prometheus.MustNewConstMetric(g.num, prometheus.GaugeValue, float64(v.Numerator), v.Indicator, v.Variant, v.AgeBand)
		ch <- prometheus.MustNewConstMetric(g.den, prometheus.GaugeValue, float64(v.Denominator), v.Indicator, v.Variant, v.AgeBand)
		ch <- prometheus.MustNewConstMetric(g.val, prometheus.GaugeValue, v.Number(), v.Indicator, v.Variant, v.AgeBand)
	}
	ch <- prometheus.MustNewConstMetric(g.seq, prometheus.GaugeValue, float64(l.Seq))
	st := g.proj.Stats()
	ch <- prometheus.MustNewConstMetric(g.kids, prometheus.GaugeValue, float64(st.Children))
	ch <- prometheus.MustNewConstMetric(g.pnts, prometheus.GaugeValue, float64(st.Points))
}
