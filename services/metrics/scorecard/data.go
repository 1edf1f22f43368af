package scorecard

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc/status"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

// Data is what /api/indicators returns and the page shows.
type Data struct {
	// Title is the page's heading.
	Title string `json:"title"`
	// Council names the council, when configured.
	Council string `json:"council,omitempty"`
	// AsAtDate is the date the figures are as at (YYYY-MM-DD).
	AsAtDate string `json:"as_at_date"`
	// Live is true for today's live totals (the page then follows /events).
	Live bool `json:"live"`
	// Sequence is the metrics sequence of the last change included; resume
	// /events after it.
	Sequence uint64 `json:"sequence"`
	// Indicators, in the Board scorecard's order.
	Indicators []Indicator `json:"indicators"`
	// Notes say what could not be read (for example the trend points), when
	// the figures themselves could.
	Notes []string `json:"notes,omitempty"`
}

// Indicator is one indicator with its figures.
type Indicator struct {
	ID string `json:"indicator_id"`
	// Title is the plain label ("Children looked after").
	Title string `json:"title"`
	// Group is the page section: children_looked_after, placements or
	// care_leavers.
	Group           string `json:"group"`
	Description     string `json:"description,omitempty"`
	NumeratorText   string `json:"numerator,omitempty"`
	DenominatorText string `json:"denominator,omitempty"`
	// Unit is count, percent or change.
	Unit string `json:"unit"`
	// Polarity is higher_is_better, lower_is_better or context.
	Polarity string  `json:"polarity"`
	Source   string  `json:"source,omitempty"`
	Values   []Value `json:"values"`
}

// Value is one figure (an indicator, variant and age band).
type Value struct {
	// Key is indicator/variant/age_band; the page and /events use it.
	Key         string `json:"key"`
	IndicatorID string `json:"indicator_id"`
	Variant     string `json:"variant"`
	// VariantLabel says in plain words which variant this is, where an
	// indicator has more than one ("of those in touch").
	VariantLabel string  `json:"variant_label,omitempty"`
	AgeBand      string  `json:"age_band"`
	AsAtDate     string  `json:"as_at_date"`
	Numerator    int64   `json:"numerator"`
	Denominator  int64   `json:"denominator"`
	Value        float64 `json:"value"`
	Unit         string  `json:"unit"`
	DefinitionID string  `json:"definition_id,omitempty"`
	// Display is the value as the page shows it ("75.8%", "662", "+40").
	Display string `json:"display"`
	// Counts is "502 of 662" for percentages.
	Counts              string      `json:"counts,omitempty"`
	TwelveMonthsEarlier *Figure     `json:"twelve_months_earlier,omitempty"`
	Benchmarks          []Benchmark `json:"benchmarks,omitempty"`
	// Trend is the sparkline's points, oldest first (age band "all" only).
	Trend []Figure `json:"trend,omitempty"`
}

// Figure is a value at a date.
type Figure struct {
	AsAtDate    string  `json:"as_at_date"`
	Numerator   int64   `json:"numerator"`
	Denominator int64   `json:"denominator"`
	Value       float64 `json:"value"`
	Display     string  `json:"display"`
	Counts      string  `json:"counts,omitempty"`
}

// Benchmark is a published comparator figure.
type Benchmark struct {
	// Kind is england, statistical_neighbours, region or local_authority.
	Kind          string  `json:"kind"`
	GeographyCode string  `json:"geography_code"`
	GeographyName string  `json:"geography_name"`
	YearEnding    string  `json:"year_ending"`
	Value         float64 `json:"value"`
	Numerator     int64   `json:"numerator,omitempty"`
	Denominator   int64   `json:"denominator,omitempty"`
	Display       string  `json:"display"`
	Source        string  `json:"source,omitempty"`
}

// Page sections.
const (
	groupChildren    = "children_looked_after"
	groupPlacements  = "placements"
	groupCareLeavers = "care_leavers"
)

func groupOf(id string) string {
	switch {
	case strings.HasPrefix(id, "care_leaver"):
		return groupCareLeavers
	case strings.HasPrefix(id, "placement_"), strings.HasPrefix(id, "placed_"):
		return groupPlacements
	default:
		return groupChildren
	}
}

// fallbackTitles label indicators when ListIndicatorDefinitions is not
// answered (or does not know an id the values carry).
var fallbackTitles = map[string]string{
	"cla_count":                           "Children looked after",
	"cla_change_12m":                      "Change in children looked after over 12 months",
	"placement_foster":                    "In foster care",
	"placement_supported_accommodation":   "In supported accommodation",
	"placement_childrens_homes":           "In children's homes",
	"placement_with_parents":              "Placed with parents",
	"placement_for_adoption":              "Placed for adoption",
	"placement_other":                     "In other placements",
	"placed_inside_boundary":              "Placed inside the council's area",
	"placed_over_20_miles":                "Placed more than 20 miles from home",
	"uasc_count":                          "Unaccompanied asylum-seeking children looked after",
	"connected_persons_count":             "Placed with relatives or friends",
	"care_leaver_count":                   "Care leavers",
	"care_leavers_in_touch":               "Care leavers in touch",
	"care_leavers_eet":                    "Care leavers in education, employment or training",
	"care_leavers_suitable_accommodation": "Care leavers in suitable accommodation",
}

// fallbackOrder is the Board's order when definitions are not available.
var fallbackOrder = []string{
	"cla_count", "cla_change_12m", "uasc_count", "connected_persons_count",
	"placement_foster", "placement_supported_accommodation", "placement_childrens_homes",
	"placement_with_parents", "placement_for_adoption", "placement_other",
	"placed_inside_boundary", "placed_over_20_miles",
	"care_leaver_count", "care_leavers_in_touch", "care_leavers_eet", "care_leavers_suitable_accommodation",
}

// variantLabel says which variant a figure is, in the words a Board member
// reads: the council's own care-leaver measures are over those in touch, the
// DfE's over everyone in the cohort.
func variantLabel(indicatorID, variant string) string {
	if strings.HasPrefix(indicatorID, "care_leavers_") && indicatorID != "care_leavers_in_touch" {
		switch variant {
		case "local":
			return "of those in touch"
		case "dfe":
			return "of all care leavers (DfE definition)"
		}
	}
	switch variant {
	case "local":
		return "council's measure"
	case "dfe":
		return "DfE definition"
	}
	return variant
}

var ageBandLabels = map[string]string{
	"all":   "All ages",
	"17_18": "Aged 17–18",
	"19_21": "Aged 19–21",
	"22_25": "Aged 22–25",
}

func ageBandLabel(b string) string {
	if l, ok := ageBandLabels[b]; ok {
		return l
	}
	return b
}

func unitName(u metricsv1.Unit) string {
	switch u {
	case metricsv1.Unit_UNIT_PERCENT:
		return "percent"
	case metricsv1.Unit_UNIT_CHANGE:
		return "change"
	default:
		return "count"
	}
}

// valueUnit is a value's unit; a value that does not say is a percentage
// when it has a denominator, else a count.
func valueUnit(v *metricsv1.IndicatorValue) string {
	if v.GetUnit() == metricsv1.Unit_UNIT_UNSPECIFIED && v.GetDenominator() != 0 {
		return "percent"
	}
	return unitName(v.GetUnit())
}

func polarityName(p metricsv1.Polarity) string {
	switch p {
	case metricsv1.Polarity_POLARITY_HIGHER_IS_BETTER:
		return "higher_is_better"
	case metricsv1.Polarity_POLARITY_LOWER_IS_BETTER:
		return "lower_is_better"
	default:
		return "context"
	}
}

func benchmarkKind(code string) string {
	switch {
	case code == "E92000001":
		return "england"
	case strings.HasPrefix(code, "SN:"):
		return "statistical_neighbours"
	case strings.HasPrefix(code, "E12"):
		return "region"
	default:
		return "local_authority"
	}
}

func valueKey(indicator, variant, band string) string {
	return indicator + "/" + variant + "/" + band
}

// toValue converts one IndicatorValue (without trend).
func toValue(v *metricsv1.IndicatorValue, unit string, multiVariant bool) Value {
	if v.GetUnit() != metricsv1.Unit_UNIT_UNSPECIFIED {
		unit = unitName(v.GetUnit())
	}
	out := Value{
		Key:          valueKey(v.GetIndicatorId(), v.GetVariant(), v.GetAgeBand()),
		IndicatorID:  v.GetIndicatorId(),
		Variant:      v.GetVariant(),
		AgeBand:      v.GetAgeBand(),
		AsAtDate:     v.GetAsAtDate(),
		Numerator:    v.GetNumerator(),
		Denominator:  v.GetDenominator(),
		Value:        v.GetValue(),
		Unit:         unit,
		DefinitionID: v.GetDefinitionId(),
		Display:      formatValue(unit, v.GetValue(), v.GetNumerator()),
		Counts:       formatCounts(unit, v.GetNumerator(), v.GetDenominator()),
	}
	if multiVariant {
		out.VariantLabel = variantLabel(out.IndicatorID, out.Variant)
	}
	if e := v.GetTwelveMonthsEarlier(); e != nil {
		f := toFigure(e, unit)
		out.TwelveMonthsEarlier = &f
	}
	for _, b := range v.GetBenchmarks() {
		out.Benchmarks = append(out.Benchmarks, Benchmark{
			Kind:          benchmarkKind(b.GetGeographyCode()),
			GeographyCode: b.GetGeographyCode(),
			GeographyName: b.GetGeographyName(),
			YearEnding:    b.GetYearEnding(),
			Value:         b.GetValue(),
			Numerator:     b.GetNumerator(),
			Denominator:   b.GetDenominator(),
			Display:       formatBenchmark(unit, b.GetValue()),
			Source:        b.GetSource(),
		})
	}
	return out
}

func toFigure(v *metricsv1.IndicatorValue, unit string) Figure {
	if v.GetUnit() != metricsv1.Unit_UNIT_UNSPECIFIED {
		unit = unitName(v.GetUnit())
	}
	return Figure{
		AsAtDate:    v.GetAsAtDate(),
		Numerator:   v.GetNumerator(),
		Denominator: v.GetDenominator(),
		Value:       v.GetValue(),
		Display:     formatValue(unit, v.GetValue(), v.GetNumerator()),
		Counts:      formatCounts(unit, v.GetNumerator(), v.GetDenominator()),
	}
}

// load reads everything the page shows: figures, definitions and trends.
func (s *Scorecard) load(ctx context.Context, asAt string) (*Data, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()

	var (
		defs    []*metricsv1.IndicatorDefinition
		defsErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		resp, err := s.client.ListIndicatorDefinitions(ctx, &metricsv1.ListIndicatorDefinitionsRequest{})
		defs, defsErr = resp.GetDefinitions(), err
	})
	resp, err := s.client.GetIndicators(ctx, &metricsv1.GetIndicatorsRequest{
		AsAtDate:                   asAt,
		IncludeTwelveMonthsEarlier: true,
		IncludeBenchmarks:          true,
	})
	wg.Wait()
	if err != nil {
		return nil, err
	}

	d := &Data{
		Title:    s.opts.Title,
		Council:  s.opts.Council,
		AsAtDate: resp.GetAsAtDate(),
		Live:     asAt == "",
		Sequence: resp.GetSequence(),
	}
	if defsErr != nil {
		s.log.Warn("scorecard: reading indicator definitions", "err", defsErr)
		d.Notes = append(d.Notes, "Indicator descriptions are not available just now.")
	}
	d.Indicators = assemble(defs, resp.GetValues())
	if d.AsAtDate == "" && len(resp.GetValues()) > 0 {
		d.AsAtDate = resp.GetValues()[0].GetAsAtDate()
	}
	if missing := s.loadTrends(ctx, d); missing > 0 {
		d.Notes = append(d.Notes, "Some trend lines are not available just now.")
	}
	return d, nil
}

// assemble groups values under their definitions, in the definitions' order
// (the Board's), then any indicator the definitions do not name.
func assemble(defs []*metricsv1.IndicatorDefinition, values []*metricsv1.IndicatorValue) []Indicator {
	byID := map[string]*Indicator{}
	var order []string
	add := func(ind Indicator) {
		if _, ok := byID[ind.ID]; ok {
			return
		}
		byID[ind.ID] = &ind
		order = append(order, ind.ID)
	}
	for _, def := range defs {
		title := def.GetTitle()
		if title == "" {
			title = fallbackTitle(def.GetIndicatorId())
		}
		add(Indicator{
			ID:              def.GetIndicatorId(),
			Title:           title,
			Group:           groupOf(def.GetIndicatorId()),
			Description:     def.GetDescription(),
			NumeratorText:   def.GetNumerator(),
			DenominatorText: def.GetDenominator(),
			Unit:            unitName(def.GetUnit()),
			Polarity:        polarityName(def.GetPolarity()),
			Source:          def.GetSource(),
		})
	}
	if len(defs) == 0 {
		for _, id := range fallbackOrder {
			add(Indicator{ID: id, Title: fallbackTitles[id], Group: groupOf(id), Unit: "", Polarity: "context"})
		}
	}
	// Which indicators have more than one variant among the values.
	variants := map[string]map[string]bool{}
	for _, v := range values {
		if variants[v.GetIndicatorId()] == nil {
			variants[v.GetIndicatorId()] = map[string]bool{}
		}
		variants[v.GetIndicatorId()][v.GetVariant()] = true
	}
	for _, v := range values {
		id := v.GetIndicatorId()
		if _, ok := byID[id]; !ok {
			add(Indicator{ID: id, Title: fallbackTitle(id), Group: groupOf(id), Polarity: "context"})
		}
		ind := byID[id]
		if ind.Unit == "" && v.GetUnit() != metricsv1.Unit_UNIT_UNSPECIFIED {
			ind.Unit = unitName(v.GetUnit())
		}
		ind.Values = append(ind.Values, toValue(v, cmp.Or(ind.Unit, "count"), len(variants[id]) > 1))
	}
	out := make([]Indicator, 0, len(order))
	for _, id := range order {
		ind := byID[id]
		if len(ind.Values) == 0 {
			continue // a definition with no figure (yet): nothing to show
		}
		if ind.Unit == "" {
			ind.Unit = "count"
		}
		out = append(out, *ind)
	}
	return out
}

func fallbackTitle(id string) string {
	if t, ok := fallbackTitles[id]; ok {
		return t
	}
	t := strings.ReplaceAll(id, "_", " ")
	return strings.ToUpper(t[:1]) + t[1:]
}

// loadTrends fills the trend of every age-band-"all" value, several at a
// time; it returns how many could not be read (the page shows those without
// a sparkline).
func (s *Scorecard) loadTrends(ctx context.Context, d *Data) int {
	type job struct{ v *Value }
	var jobs []job
	for i := range d.Indicators {
		for j := range d.Indicators[i].Values {
			v := &d.Indicators[i].Values[j]
			if v.AgeBand == "all" || v.AgeBand == "" {
				jobs = append(jobs, job{v})
			}
		}
	}
	var (
		mu      sync.Mutex
		missing int
		wg      sync.WaitGroup
		sem     = make(chan struct{}, 8)
	)
	for _, jb := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, err := s.client.GetIndicatorTrend(ctx, &metricsv1.GetIndicatorTrendRequest{
				IndicatorId: jb.v.IndicatorID,
				Variant:     jb.v.Variant,
				AgeBand:     jb.v.AgeBand,
				ToDate:      d.AsAtDate,
				Months:      int32(s.opts.TrendMonths),
			})
			if err != nil {
				s.log.Debug("scorecard: reading a trend", "indicator", jb.v.IndicatorID, "variant", jb.v.Variant, "err", err)
				mu.Lock()
				missing++
				mu.Unlock()
				return
			}
			pts := make([]Figure, 0, len(resp.GetPoints()))
			for _, p := range resp.GetPoints() {
				pts = append(pts, toFigure(p, jb.v.Unit))
			}
			slices.SortStableFunc(pts, func(a, b Figure) int { return strings.Compare(a.AsAtDate, b.AsAtDate) })
			jb.v.Trend = pts // each job owns its value
		})
	}
	wg.Wait()
	return missing
}

// grpcMessage is an error's gRPC status message (the error text otherwise).
func grpcMessage(err error) string {
	if st, ok := status.FromError(err); ok {
		return st.Code().String() + ": " + st.Message()
	}
	return err.Error()
}
