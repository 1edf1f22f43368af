// Package server is the metrics service's gRPC adapter: it checks requests,
// converts between metrics.v1 messages and the projection's values, and
// returns domain errors (pkg/errs) that pkg/grpcserver maps to status codes
// in one place.
package server

import (
	"context"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/pkg/errs"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/benchmarks"
	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"github.com/corporate-parenting/suite/services/metrics/internal/reconcile"
)

// Trend lengths.
const (
	DefaultTrendMonths = 12
	MaxTrendMonths     = 120
)

// Reconciler recounts every figure as at a date from the source services
// and compares it with the projection; nil when no sources are configured.
type Reconciler func(ctx context.Context, d clock.Date) (reconcile.Report, error)

// Server implements metricsv1.MetricsServiceServer.
type Server struct {
	metricsv1.UnimplementedMetricsServiceServer
	proj  *projection.Projection
	feed  *feed.Feed
	bench *benchmarks.Table
	recon Reconciler

	// live holds the proto values of the current live answer, built once
	// per change and shared (read-only) by every GetIndicators for today.
	live atomic.Pointer[liveValues]
}

// liveValues are the proto values of one projection.Live, in each of the
// four shapes GetIndicators can ask for (with or without the figures
// twelve months earlier, with or without benchmarks).
type liveValues struct {
	live   *projection.Live
	once   [4]sync.Once
	values [4][]*metricsv1.IndicatorValue
}

func (s *Server) liveValues(l *projection.Live, withEarlier, withBench bool) []*metricsv1.IndicatorValue {
	c := s.live.Load()
	if c == nil || c.live != l {
		next := &liveValues{live: l}
		if s.live.CompareAndSwap(c, next) {
			c = next
		} else if c = s.live.Load(); c.live != l {
			c = next // a newer or older Live raced in: build this one privately
		}
	}
	i := 0
	if withEarlier {
		i |= 1
	}
	if withBench {
		i |= 2
	}
	c.once[i].Do(func() { c.values[i] = s.toProto(l.Values, l.YearEarlier, nil, withEarlier, withBench) })
	return c.values[i]
}

// toProto converts values (and, if asked, the figures twelve months
// earlier and the benchmarks), keeping those in only (all if nil).
func (s *Server) toProto(values, earlier []projection.Value, only map[string]bool, withEarlier, withBench bool) []*metricsv1.IndicatorValue {
	out := make([]*metricsv1.IndicatorValue, 0, len(values))
	for i, val := range values {
		if only != nil && !only[val.Indicator] {
			continue
		}
		pv := ToProto(val)
		if withEarlier {
			pv.TwelveMonthsEarlier = ToProto(earlier[i])
		}
		if withBench {
			pv.Benchmarks = s.benchmarksFor(val.Key)
		}
		out = append(out, pv)
	}
	return out
}

// New returns the adapter. recon may be nil (Reconcile then answers
// FailedPrecondition).
func New(proj *projection.Projection, f *feed.Feed, bench *benchmarks.Table, recon Reconciler) *Server {
	return &Server{proj: proj, feed: f, bench: bench, recon: recon}
}

// Register registers the service on g.
func (s *Server) Register(g grpc.ServiceRegistrar) { metricsv1.RegisterMetricsServiceServer(g, s) }

// asAt checks an optional as-at date: empty means today; a date after
// today cannot be answered (age bands move on birthdays by events that
// have not happened yet).
func asAt(field, in string, today clock.Date, v *errs.Violations) (clock.Date, bool) {
	if in == "" {
		return today, true
	}
	d, err := clock.ParseDate(in)
	if err != nil {
		v.Add(field, "format", "must be a date YYYY-MM-DD")
		return clock.Date{}, false
	}
	if d.After(today) {
		v.Addf(field, "range", "must not be after today (%s)", today)
		return clock.Date{}, false
	}
	return d, true
}

// indicatorFilter checks indicator ids; nil means all.
func indicatorFilter(field string, ids []string, v *errs.Violations) map[string]bool {
	if len(ids) == 0 {
		return nil
	}
	m := map[string]bool{}
	for _, id := range ids {
		if _, ok := projection.Lookup(id); !ok {
			v.Addf(field, "unknown", "%q is not an indicator id (see ListIndicatorDefinitions)", id)
			continue
		}
		m[id] = true
	}
	return m
}

// GetIndicators answers from the live totals for today (no scan) and from
// the timelines for a past date.
func (s *Server) GetIndicators(_ context.Context, req *metricsv1.GetIndicatorsRequest) (*metricsv1.GetIndicatorsResponse, error) {
	var v errs.Violations
	live := s.proj.Live()
	d, _ := asAt("as_at_date", req.GetAsAtDate(), live.AsAt, &v)
	only := indicatorFilter("indicator_ids", req.GetIndicatorIds(), &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	withEarlier, withBench := req.GetIncludeTwelveMonthsEarlier(), req.GetIncludeBenchmarks()
	if d != live.AsAt {
		values, earlier := s.proj.At(d, withEarlier)
		return &metricsv1.GetIndicatorsResponse{AsAtDate: d.String(), Values: s.toProto(values, earlier, only, withEarlier, withBench)}, nil
	}
	// Today: the live totals, no scan; the proto values are shared.
	resp := &metricsv1.GetIndicatorsResponse{AsAtDate: d.String(), Sequence: live.Seq}
	all := s.liveValues(live, withEarlier, withBench)
	if only == nil {
		resp.Values = all
		return resp, nil
	}
	resp.Values = make([]*metricsv1.IndicatorValue, 0, len(all))
	for _, v := range all {
		if only[v.GetIndicatorId()] {
			resp.Values = append(resp.Values, v)
		}
	}
	return resp, nil
}

func (s *Server) benchmarksFor(k projection.Key) []*metricsv1.Benchmark {
	if s.bench == nil {
		return nil
	}
	rows := s.bench.For(k)
	out := make([]*metricsv1.Benchmark, 0, len(rows))
	for _, r := range rows {
		out = append(out, &metricsv1.Benchmark{
			GeographyCode: r.GeographyCode, GeographyName: r.GeographyName, YearEnding: r.YearEnding.String(),
			Value: r.Value, Numerator: r.Numerator, Denominator: r.Denominator, Source: r.Source,
		})
	}
	return out
}

// ListIndicatorDefinitions returns the catalogue in the Board's order.
func (s *Server) ListIndicatorDefinitions(context.Context, *metricsv1.ListIndicatorDefinitionsRequest) (*metricsv1.ListIndicatorDefinitionsResponse, error) {
	defs := projection.Definitions()
	resp := &metricsv1.ListIndicatorDefinitionsResponse{Definitions: make([]*metricsv1.IndicatorDefinition, 0, len(defs))}
	for _, d := range defs {
		resp.Definitions = append(resp.Definitions, &metricsv1.IndicatorDefinition{
			IndicatorId: d.ID, Title: d.Title, Description: d.Description, Numerator: d.Numerator, Denominator: d.Denominator,
			Unit: unitToProto(d.Unit), Polarity: polarityToProto(d.Polarity), Variants: d.Variants, AgeBands: d.AgeBands,
			Source: d.Source, DefinitionId: d.DefinitionID,
		})
	}
	return resp, nil
}

// GetIndicatorTrend returns one figure at month ends.
func (s *Server) GetIndicatorTrend(_ context.Context, req *metricsv1.GetIndicatorTrendRequest) (*metricsv1.GetIndicatorTrendResponse, error) {
	var v errs.Violations
	def, ok := projection.Lookup(req.GetIndicatorId())
	if !ok {
		v.Addf("indicator_id", "unknown", "%q is not an indicator id", req.GetIndicatorId())
	}
	k := projection.Key{Indicator: req.GetIndicatorId(), Variant: req.GetVariant(), AgeBand: req.GetAgeBand()}
	if ok && k.Variant == "" {
		k.Variant = def.Variants[0]
	}
	if k.AgeBand == "" {
		k.AgeBand = codes.AgeBandAll
	}
	if ok && !projection.HasKey(k) {
		v.Addf("variant", "unknown", "%s has no variant %q with age band %q (variants %v, age bands %v)", def.ID, k.Variant, k.AgeBand, def.Variants, def.AgeBands)
	}
	to, _ := asAt("to_date", req.GetToDate(), s.proj.Today(), &v)
	months := int(req.GetMonths())
	switch {
	case months == 0:
		months = DefaultTrendMonths
	case months < 0 || months > MaxTrendMonths:
		v.Addf("months", "range", "must be between 1 and %d", MaxTrendMonths)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	points := s.proj.Trend(k, to, months)
	resp := &metricsv1.GetIndicatorTrendResponse{Points: make([]*metricsv1.IndicatorValue, 0, len(points))}
	for _, p := range points {
		resp.Points = append(resp.Points, ToProto(p))
	}
	return resp, nil
}

// WatchIndicators streams a snapshot and then every change; a client that
// resumes with after_sequence gets only what it missed, or a fresh
// snapshot when that is no longer held.
func (s *Server) WatchIndicators(req *metricsv1.WatchIndicatorsRequest, stream grpc.ServerStreamingServer[metricsv1.WatchIndicatorsResponse]) error {
	var v errs.Violations
	only := indicatorFilter("indicator_ids", req.GetIndicatorIds(), &v)
	if err := v.Err(); err != nil {
		return err
	}
	snapshot := func() (uint64, []projection.Value) {
		l := s.proj.Live()
		return l.Seq, l.Values
	}
	return s.feed.Follow(stream.Context(), snapshot, req.GetAfterSequence(), func(m feed.Message) error {
		out := &metricsv1.WatchIndicatorsResponse{Sequence: m.Seq, Snapshot: m.Snapshot, Values: make([]*metricsv1.IndicatorValue, 0, len(m.Values))}
		for _, val := range m.Values {
			if only == nil || only[val.Indicator] {
				out.Values = append(out.Values, ToProto(val))
			}
		}
		if len(out.Values) == 0 && !m.Snapshot {
			return nil // a change of figures this client did not ask for
		}
		return stream.Send(out)
	})
}

// Reconcile recounts every figure from the source services.
func (s *Server) Reconcile(ctx context.Context, req *metricsv1.ReconcileRequest) (*metricsv1.ReconcileResponse, error) {
	var v errs.Violations
	d, _ := asAt("as_at_date", req.GetAsAtDate(), s.proj.Today(), &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.recon == nil {
		return nil, errs.FailedPreconditionf("reconciliation needs the caseload, placement and careleaver addresses (flags -caseload-addr, -placement-addr, -careleaver-addr)")
	}
	rep, err := s.recon(ctx, d)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.Wrap(errs.KindUnavailable, err, "recount from the source services failed")
	}
	resp := &metricsv1.ReconcileResponse{AsAtDate: rep.AsAt.String(), Compared: int32(rep.Compared)}
	for _, d := range rep.Differences {
		resp.Differences = append(resp.Differences, &metricsv1.Difference{
			IndicatorId: d.Key.Indicator, Variant: d.Key.Variant, AgeBand: d.Key.AgeBand,
			LiveNumerator: d.Live.Numerator, LiveDenominator: d.Live.Denominator,
			SourceNumerator: d.Source.Numerator, SourceDenominator: d.Source.Denominator,
		})
	}
	return resp, nil
}

// ToProto converts a value.
func ToProto(v projection.Value) *metricsv1.IndicatorValue {
	return &metricsv1.IndicatorValue{
		IndicatorId: v.Indicator, Variant: v.Variant, AgeBand: v.AgeBand, AsAtDate: v.AsAt.String(),
		Numerator: v.Numerator, Denominator: v.Denominator, Value: v.Number(), Unit: unitToProto(v.Unit),
		DefinitionId: v.DefinitionID,
	}
}

func unitToProto(u projection.Unit) metricsv1.Unit {
	switch u {
	case projection.UnitCount:
		return metricsv1.Unit_UNIT_COUNT
	case projection.UnitPercent:
		return metricsv1.Unit_UNIT_PERCENT
	case projection.UnitChange:
		return metricsv1.Unit_UNIT_CHANGE
	}
	return metricsv1.Unit_UNIT_UNSPECIFIED
}

func polarityToProto(p projection.Polarity) metricsv1.Polarity {
	switch p {
	case projection.PolarityHigherIsBetter:
		return metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER
	case projection.PolarityLowerIsBetter:
		return metricsv1.Polarity_POLARITY_LOWER_IS_BETTER
	case projection.PolarityContext:
		return metricsv1.Polarity_POLARITY_CONTEXT
	}
	return metricsv1.Polarity_POLARITY_UNSPECIFIED
}
