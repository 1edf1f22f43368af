package scorecard

// TEST DOUBLE. fakeMetrics stands in for the metrics service (another team's,
// being written at the same time) in this package's tests: a real gRPC server
// on loopback implementing metricsv1.MetricsServiceServer with the seed
// scenario's figures as at 2026-03-31, so the scorecard is tested over the
// real contract. It computes nothing; tests push changes with push() and end
// streams with killStreams(). It is not used outside tests.

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

const seedAsAt = "2026-03-31"

type fakeMetrics struct {
	metricsv1.UnimplementedMetricsServiceServer

	mu      sync.Mutex
	asAt    string
	order   []string
	current map[string]*metricsv1.IndicatorValue
	earlier map[string]*metricsv1.IndicatorValue
	bench   map[string][]*metricsv1.Benchmark
	seq     uint64
	changes []*metricsv1.WatchIndicatorsResponse
	notify  chan struct{} // closed and replaced on every change
	kill    chan struct{} // closed and replaced by killStreams

	watchCalls    []uint64 // after_sequence of every WatchIndicators call
	getAsAt       []string // as_at_date of every GetIndicators call
	trendRequests int
	failGet       bool
}

func pct(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

func iv(id, variant, band, asAt string, unit metricsv1.Unit, n, d int64) *metricsv1.IndicatorValue {
	v := float64(n)
	if unit == metricsv1.Unit_UNIT_PERCENT {
		v = pct(n, d)
	}
	return &metricsv1.IndicatorValue{
		IndicatorId: id, Variant: variant, AgeBand: band, AsAtDate: asAt,
		Numerator: n, Denominator: d, Value: v, Unit: unit, DefinitionId: id + "/v1",
	}
}

// seedRow is one figure now and twelve months earlier.
type seedRow struct {
	id, variant, band string
	unit              metricsv1.Unit
	n, d, n12, d12    int64
}

var seedRows = []seedRow{
	{"cla_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 662, 0, 622, 0},
	{"cla_change_12m", "dfe", "all", metricsv1.Unit_UNIT_CHANGE, 40, 0, 22, 0},
	{"placement_foster", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 502, 662, 466, 622},
	{"placement_supported_accommodation", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 65, 662, 58, 622},
	{"placement_childrens_homes", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 58, 662, 60, 622},
	{"placement_with_parents", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 25, 662, 24, 622},
	{"placement_for_adoption", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 12, 662, 14, 622},
	{"placement_other", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 0, 662, 0, 622},
	{"placed_inside_boundary", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 369, 662, 350, 622},
	{"placed_over_20_miles", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 86, 662, 90, 622},
	{"uasc_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 60, 0, 41, 0},
	{"connected_persons_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 84, 0, 69, 0},
	{"care_leaver_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 290, 0, 281, 0},
	{"care_leaver_count", "dfe", "17_18", metricsv1.Unit_UNIT_COUNT, 68, 0, 66, 0},
	{"care_leaver_count", "dfe", "19_21", metricsv1.Unit_UNIT_COUNT, 151, 0, 146, 0},
	{"care_leaver_count", "dfe", "22_25", metricsv1.Unit_UNIT_COUNT, 71, 0, 69, 0},
	{"care_leavers_in_touch", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 275, 287, 262, 278},
	{"care_leavers_in_touch", "local", "all", metricsv1.Unit_UNIT_PERCENT, 275, 287, 262, 278},
	{"care_leavers_in_touch", "dfe", "19_21", metricsv1.Unit_UNIT_PERCENT, 143, 149, 135, 144},
	{"care_leavers_in_touch", "local", "19_21", metricsv1.Unit_UNIT_PERCENT, 143, 149, 135, 144},
	{"care_leavers_eet", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 171, 290, 160, 281},
	{"care_leavers_eet", "local", "all", metricsv1.Unit_UNIT_PERCENT, 171, 275, 160, 262},
	{"care_leavers_eet", "dfe", "19_21", metricsv1.Unit_UNIT_PERCENT, 84, 151, 78, 146},
	{"care_leavers_eet", "local", "19_21", metricsv1.Unit_UNIT_PERCENT, 84, 143, 78, 135},
	{"care_leavers_suitable_accommodation", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 264, 290, 250, 281},
	{"care_leavers_suitable_accommodation", "local", "all", metricsv1.Unit_UNIT_PERCENT, 264, 275, 250, 262},
	{"care_leavers_suitable_accommodation", "dfe", "19_21", metricsv1.Unit_UNIT_PERCENT, 138, 151, 131, 146},
	{"care_leavers_suitable_accommodation", "local", "19_21", metricsv1.Unit_UNIT_PERCENT, 138, 143, 131, 135},
}

func bm(code, name, year string, v float64) *metricsv1.Benchmark {
	return &metricsv1.Benchmark{GeographyCode: code, GeographyName: name, YearEnding: year, Value: v, Source: "DfE (test double)"}
}

// Published figures as in services/metrics/internal/benchmarks and
// shared/reference/indicators.md §2.1.
var seedBenchmarks = map[string][]*metricsv1.Benchmark{
	"cla_count/dfe/all": {
		bm("E92000001", "England", "2024-03-31", 83530),
		bm("E92000001", "England", "2025-03-31", 81770),
	},
	"placement_foster/dfe/all":                  {bm("E92000001", "England", "2025-03-31", 67)},
	"placement_supported_accommodation/dfe/all": {bm("E92000001", "England", "2025-03-31", 9)},
	"placement_childrens_homes/dfe/all":         {bm("E92000001", "England", "2025-03-31", 12)},
	"placement_with_parents/dfe/all":            {bm("E92000001", "England", "2025-03-31", 6)},
	"placement_for_adoption/dfe/all":            {bm("E92000001", "England", "2025-03-31", 2)},
	"placed_inside_boundary/dfe/all":            {bm("E92000001", "England", "2025-03-31", 56)},
	"placed_over_20_miles/dfe/all":              {bm("E92000001", "England", "2025-03-31", 22)},
	"uasc_count/dfe/all":                        {bm("E92000001", "England", "2025-03-31", 6540)},
	"care_leavers_eet/dfe/19_21": {
		bm("E92000001", "England", "2025-03-31", 54),
		bm("SN:E08000026", "Coventry statistical neighbours (mean of 10)", "2025-03-31", 49.6),
	},
	"care_leavers_suitable_accommodation/dfe/19_21": {
		bm("E92000001", "England", "2025-03-31", 89),
		bm("SN:E08000026", "Coventry statistical neighbours (mean of 10)", "2025-03-31", 88.1),
	},
	// Not published for all ages; the double attaches the 19-21 figures
	// here too so the page's benchmark rows are exercised.
	"care_leavers_eet/dfe/all": {
		bm("E92000001", "England", "2025-03-31", 54),
		bm("SN:E08000026", "Coventry statistical neighbours (mean of 10)", "2025-03-31", 49.6),
	},
}

var seedDefinitions = []*metricsv1.IndicatorDefinition{
	def("cla_count", "Children looked after", metricsv1.Unit_UNIT_COUNT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("cla_change_12m", "Change in children looked after over 12 months", metricsv1.Unit_UNIT_CHANGE, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("uasc_count", "Unaccompanied asylum-seeking children looked after", metricsv1.Unit_UNIT_COUNT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("connected_persons_count", "Placed with relatives or friends", metricsv1.Unit_UNIT_COUNT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("placement_foster", "Placed in foster care", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER, "dfe"),
	def("placement_supported_accommodation", "Placed in supported accommodation", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("placement_childrens_homes", "Placed in children's homes", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("placement_with_parents", "Placed with parents", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("placement_for_adoption", "Placed for adoption", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("placement_other", "In other placements", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("placed_inside_boundary", "Placed inside the council's area", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER, "dfe"),
	def("placed_over_20_miles", "Placed more than 20 miles from home", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_LOWER_IS_BETTER, "dfe"),
	def("care_leaver_count", "Care leavers", metricsv1.Unit_UNIT_COUNT, metricsv1.Polarity_POLARITY_CONTEXT, "dfe"),
	def("care_leavers_in_touch", "Care leavers in touch", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER, "dfe", "local"),
	def("care_leavers_eet", "Care leavers in education, employment or training", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER, "dfe", "local"),
	def("care_leavers_suitable_accommodation", "Care leavers in suitable accommodation", metricsv1.Unit_UNIT_PERCENT, metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER, "dfe", "local"),
}

func def(id, title string, unit metricsv1.Unit, pol metricsv1.Polarity, variants ...string) *metricsv1.IndicatorDefinition {
	return &metricsv1.IndicatorDefinition{
		IndicatorId: id, Title: title, Unit: unit, Polarity: pol, Variants: variants,
		Description:  title + " (test double's description).",
		Numerator:    "Who is counted",
		DefinitionId: id + "/v1", Source: "DfE SSDA903",
	}
}

func newFakeMetrics() *fakeMetrics {
	f := &fakeMetrics{
		asAt:    seedAsAt,
		current: map[string]*metricsv1.IndicatorValue{},
		earlier: map[string]*metricsv1.IndicatorValue{},
		bench:   seedBenchmarks,
		seq:     100, // a service that has been running a while
		notify:  make(chan struct{}),
		kill:    make(chan struct{}),
	}
	for _, r := range seedRows {
		k := valueKey(r.id, r.variant, r.band)
		f.order = append(f.order, k)
		f.current[k] = iv(r.id, r.variant, r.band, seedAsAt, r.unit, r.n, r.d)
		f.earlier[k] = iv(r.id, r.variant, r.band, "2025-03-31", r.unit, r.n12, r.d12)
	}
	return f
}

// start serves the double on loopback and returns a client connected to it.
func (f *fakeMetrics) start(t *testing.T) metricsv1.MetricsServiceClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	metricsv1.RegisterMetricsServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
	})
	return metricsv1.NewMetricsServiceClient(conn)
}

func (f *fakeMetrics) GetIndicators(_ context.Context, req *metricsv1.GetIndicatorsRequest) (*metricsv1.GetIndicatorsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.getAsAt = append(f.getAsAt, req.GetAsAtDate())
	if f.failGet {
		return nil, status.Error(codes.Unavailable, "test double: unavailable")
	}
	asAt := f.asAt
	if req.GetAsAtDate() != "" {
		asAt = req.GetAsAtDate()
	}
	resp := &metricsv1.GetIndicatorsResponse{AsAtDate: asAt, Sequence: f.seq}
	for _, k := range f.order {
		v := cloneValue(f.current[k])
		v.AsAtDate = asAt
		if req.GetIncludeTwelveMonthsEarlier() {
			v.TwelveMonthsEarlier = cloneValue(f.earlier[k])
		}
		if req.GetIncludeBenchmarks() {
			v.Benchmarks = f.bench[k]
		}
		resp.Values = append(resp.Values, v)
	}
	return resp, nil
}

func (f *fakeMetrics) ListIndicatorDefinitions(context.Context, *metricsv1.ListIndicatorDefinitionsRequest) (*metricsv1.ListIndicatorDefinitionsResponse, error) {
	return &metricsv1.ListIndicatorDefinitionsResponse{Definitions: seedDefinitions}, nil
}

// GetIndicatorTrend walks in a straight line from the figure twelve months
// earlier to today's, one point per month end, the last at to_date.
func (f *fakeMetrics) GetIndicatorTrend(_ context.Context, req *metricsv1.GetIndicatorTrendRequest) (*metricsv1.GetIndicatorTrendResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trendRequests++
	band := req.GetAgeBand()
	if band == "" {
		band = "all"
	}
	k := valueKey(req.GetIndicatorId(), req.GetVariant(), band)
	now, ok := f.current[k]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "test double: no series %s", k)
	}
	then := f.earlier[k]
	months := int(req.GetMonths())
	if months <= 0 {
		months = 12
	}
	to, err := time.Parse(time.DateOnly, cmpOr(req.GetToDate(), f.asAt))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, "to_date")
	}
	resp := &metricsv1.GetIndicatorTrendResponse{}
	for i := months - 1; i >= 0; i-- {
		// Month ends counting back from to_date (the last point is to_date).
		d := to
		if i > 0 {
			d = time.Date(to.Year(), to.Month()-time.Month(i)+1, 0, 0, 0, 0, 0, time.UTC)
		}
		frac := float64(months-1-i) / float64(max(months-1, 1))
		// A little wobble, so the sparkline has a shape.
		wob := int64(0)
		if i%3 == 1 && then.GetNumerator() > 20 {
			wob = then.GetNumerator() / 100
		}
		n := then.GetNumerator() + int64(frac*float64(now.GetNumerator()-then.GetNumerator())) - wob
		if i == 0 {
			n = now.GetNumerator()
		}
		dd := then.GetDenominator() + int64(frac*float64(now.GetDenominator()-then.GetDenominator()))
		if i == 0 {
			dd = now.GetDenominator()
		}
		resp.Points = append(resp.Points, iv(now.GetIndicatorId(), now.GetVariant(), band, d.Format(time.DateOnly), now.GetUnit(), n, dd))
	}
	return resp, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cloneValue(v *metricsv1.IndicatorValue) *metricsv1.IndicatorValue {
	return &metricsv1.IndicatorValue{
		IndicatorId: v.GetIndicatorId(), Variant: v.GetVariant(), AgeBand: v.GetAgeBand(), AsAtDate: v.GetAsAtDate(),
		Numerator: v.GetNumerator(), Denominator: v.GetDenominator(), Value: v.GetValue(), Unit: v.GetUnit(),
		DefinitionId: v.GetDefinitionId(),
	}
}

// WatchIndicators: a snapshot when after_sequence is 0 or no longer held,
// then every change after it, until the test ends the stream.
func (f *fakeMetrics) WatchIndicators(req *metricsv1.WatchIndicatorsRequest, stream grpc.ServerStreamingServer[metricsv1.WatchIndicatorsResponse]) error {
	f.mu.Lock()
	f.watchCalls = append(f.watchCalls, req.GetAfterSequence())
	after := req.GetAfterSequence()
	kill := f.kill
	var first *metricsv1.WatchIndicatorsResponse
	oldest := f.seq + 1
	if len(f.changes) > 0 {
		oldest = f.changes[0].GetSequence()
	}
	if after == 0 || after > f.seq || after+1 < oldest {
		first = &metricsv1.WatchIndicatorsResponse{Sequence: f.seq, Snapshot: true}
		for _, k := range f.order {
			first.Values = append(first.Values, cloneValue(f.current[k]))
		}
		after = f.seq
	}
	f.mu.Unlock()
	if first != nil {
		if err := stream.Send(first); err != nil {
			return err
		}
	}
	for {
		f.mu.Lock()
		var pending []*metricsv1.WatchIndicatorsResponse
		for _, c := range f.changes {
			if c.GetSequence() > after {
				pending = append(pending, c)
			}
		}
		notify := f.notify
		f.mu.Unlock()
		for _, m := range pending {
			if err := stream.Send(m); err != nil {
				return err
			}
			after = m.GetSequence()
		}
		select {
		case <-notify:
		case <-kill:
			return status.Error(codes.Unavailable, "test double: stream ended by the test")
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
}

// push records one change (of one or more figures) and returns its sequence.
func (f *fakeMetrics) push(values ...*metricsv1.IndicatorValue) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	msg := &metricsv1.WatchIndicatorsResponse{Sequence: f.seq}
	for _, v := range values {
		k := valueKey(v.GetIndicatorId(), v.GetVariant(), v.GetAgeBand())
		if _, ok := f.current[k]; !ok {
			f.order = append(f.order, k)
		}
		f.current[k] = cloneValue(v)
		msg.Values = append(msg.Values, cloneValue(v))
	}
	f.changes = append(f.changes, msg)
	close(f.notify)
	f.notify = make(chan struct{})
	return f.seq
}

// killStreams ends every open WatchIndicators stream with Unavailable.
func (f *fakeMetrics) killStreams() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.kill)
	f.kill = make(chan struct{})
}

func (f *fakeMetrics) watches() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]uint64(nil), f.watchCalls...)
}

func (f *fakeMetrics) sequence() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// fosterChange is the change the tests push: one more child looked after,
// placed in foster care (503 of 663).
func fosterChange() []*metricsv1.IndicatorValue {
	return []*metricsv1.IndicatorValue{
		iv("cla_count", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_COUNT, 663, 0),
		iv("cla_change_12m", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_CHANGE, 41, 0),
		iv("placement_foster", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_PERCENT, 503, 663),
	}
}
