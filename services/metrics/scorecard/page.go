package scorecard

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"
)

//go:embed templates/page.html
var templateFS embed.FS

var pageTemplate = template.Must(template.New("page.html").ParseFS(templateFS, "templates/page.html"))

// The page's view of the data.
type pageView struct {
	Title     string
	Council   string
	AsAtDate  string
	AsAtLong  string
	Live      bool
	Sequence  uint64
	Groups    []groupView
	Notes     []string
	Error     string
	Requested string // the as_at asked for, if any
}

type groupView struct {
	ID, Heading, Intro string
	Cards              []cardView
}

type cardView struct {
	ID              string
	Title           string
	Description     string
	NumeratorText   string
	DenominatorText string
	Source          string
	Unit            string
	Polarity        string
	Wide            bool
	Rows            []rowView
	Bands           *bandTable
}

type rowView struct {
	Key         string
	Label       string
	Unit        string
	Display     string
	Counts      string
	Numerator   int64
	Denominator int64
	Value       float64
	Earlier     *earlierView
	Change      string
	ChangeDir   string
	Judgement   string
	Benchmarks  []benchView
	Spark       *sparkView
}

type earlierView struct {
	Display, Counts, DateLong string
	Value                     float64
	Numerator                 int64
}

type benchView struct {
	Label, Year, YearEnding, Display, Source string
}

type sparkView struct {
	W, H         int
	Points       string
	LastX, LastY float64
	Label        string
	From, To     string
	Data         string  // JSON [value,...] for the script to redraw
	MinSpan      float64 // sparkMinSpan, for the script
}

type bandTable struct {
	Columns       []string
	Rows          []bandRow
	HasBenchmarks bool
}

type bandRow struct {
	Label      string
	Cells      []bandCell
	Benchmarks []benchView
}

type bandCell struct {
	Key, Unit, Display, Counts string
	Numerator, Denominator     int64
	Present                    bool
}

var groupHeadings = []struct{ id, heading, intro string }{
	{groupChildren, "Children looked after", "How many children the council looks after, and why the number is changing."},
	{groupPlacements, "Where children live", "Shares of all children looked after, by type of placement and where it is."},
	{groupCareLeavers, "Care leavers", "Young people aged 16 to 24 who were looked after, whom the council supports as corporate parent."},
}

var bandOrder = []string{"all", "17_18", "19_21", "22_25"}

func bandRank(b string) int {
	if i := slices.Index(bandOrder, b); i >= 0 {
		return i
	}
	return len(bandOrder)
}

// variantRank puts the council's own measure first (the figure the Board
// knows), then the DfE's.
func variantRank(v string) int {
	switch v {
	case "local":
		return 0
	case "dfe":
		return 1
	}
	return 2
}

func buildPage(d *Data) pageView {
	pv := pageView{
		Title:    d.Title,
		Council:  d.Council,
		AsAtDate: d.AsAtDate,
		AsAtLong: longDate(d.AsAtDate),
		Live:     d.Live,
		Sequence: d.Sequence,
		Notes:    d.Notes,
	}
	cards := map[string][]cardView{}
	for _, ind := range d.Indicators {
		cards[ind.Group] = append(cards[ind.Group], buildCard(ind))
	}
	for _, g := range groupHeadings {
		if len(cards[g.id]) > 0 {
			pv.Groups = append(pv.Groups, groupView{ID: g.id, Heading: g.heading, Intro: g.intro, Cards: cards[g.id]})
		}
	}
	return pv
}

func buildCard(ind Indicator) cardView {
	c := cardView{
		ID:              ind.ID,
		Title:           ind.Title,
		Description:     ind.Description,
		NumeratorText:   ind.NumeratorText,
		DenominatorText: ind.DenominatorText,
		Source:          ind.Source,
		Unit:            ind.Unit,
		Polarity:        ind.Polarity,
	}
	var main, banded []Value
	for _, v := range ind.Values {
		if v.AgeBand == "all" || v.AgeBand == "" {
			main = append(main, v)
		} else {
			banded = append(banded, v)
		}
	}
	if len(main) == 0 && len(banded) > 0 {
		// No all-ages figure: show the first band's as the headline.
		first := banded[0].AgeBand
		for _, v := range banded {
			if v.AgeBand == first {
				main = append(main, v)
			}
		}
	}
	slices.SortStableFunc(main, func(a, b Value) int { return variantRank(a.Variant) - variantRank(b.Variant) })
	// Care leavers in touch: both variants share one definition; when they
	// agree, one figure says it.
	if ind.ID == "care_leavers_in_touch" && len(main) == 2 &&
		main[0].Numerator == main[1].Numerator && main[0].Denominator == main[1].Denominator {
		dfe := main[0]
		if main[1].Variant == "dfe" {
			dfe = main[1]
		}
		dfe.VariantLabel = "of all care leavers (DfE definition)"
		main = []Value{dfe}
	}
	for _, v := range main {
		c.Rows = append(c.Rows, buildRow(v, ind.Polarity))
	}
	c.Wide = len(c.Rows) > 1
	c.Bands = buildBands(banded)
	return c
}

func buildRow(v Value, polarity string) rowView {
	r := rowView{
		Key:         v.Key,
		Label:       v.VariantLabel,
		Unit:        v.Unit,
		Display:     v.Display,
		Counts:      v.Counts,
		Numerator:   v.Numerator,
		Denominator: v.Denominator,
		Value:       v.Value,
	}
	if e := v.TwelveMonthsEarlier; e != nil {
		r.Earlier = &earlierView{Display: e.Display, Counts: e.Counts, DateLong: longDate(e.AsAtDate), Value: e.Value, Numerator: e.Numerator}
		r.Change, r.ChangeDir = changeText(v.Unit, v.Value, e.Value, v.Numerator, e.Numerator)
		r.Judgement = judgement(polarity, r.ChangeDir)
	}
	r.Benchmarks = pickBenchmarks(v.Benchmarks)
	if len(v.Trend) > 0 {
		vals := make([]float64, len(v.Trend))
		for i, p := range v.Trend {
			vals[i] = p.Value
		}
		span := sparkMinSpan(v.Unit, vals)
		pts, x, y := sparkPoints(vals, span, v.Unit)
		data, _ := json.Marshal(vals)
		first, last := v.Trend[0], v.Trend[len(v.Trend)-1]
		r.Spark = &sparkView{
			W: sparkW, H: sparkH, Points: pts, LastX: x, LastY: y,
			From: monthYear(first.AsAtDate), To: monthYear(last.AsAtDate),
			Label: "Trend from " + first.Display + " in " + monthYear(first.AsAtDate) +
				" to " + last.Display + " in " + monthYear(last.AsAtDate),
			Data: string(data), MinSpan: span,
		}
	}
	return r
}

// pickBenchmarks keeps the latest England and statistical-neighbour figures.
func pickBenchmarks(bs []Benchmark) []benchView {
	var out []benchView
	for _, kind := range []string{"england", "statistical_neighbours"} {
		var best *Benchmark
		for i := range bs {
			if bs[i].Kind == kind && (best == nil || bs[i].YearEnding > best.YearEnding) {
				best = &bs[i]
			}
		}
		if best == nil {
			continue
		}
		label := "England"
		if kind == "statistical_neighbours" {
			label = "Statistical neighbours"
		}
		out = append(out, benchView{
			Label: label, Year: yearOf(best.YearEnding), YearEnding: longDate(best.YearEnding),
			Display: best.Display, Source: best.Source,
		})
	}
	return out
}

// buildBands lays out the age-band figures: a row per band, a column per
// variant.
func buildBands(vals []Value) *bandTable {
	if len(vals) == 0 {
		return nil
	}
	var variants, bands []string
	byKey := map[string]Value{}
	for _, v := range vals {
		if !slices.Contains(variants, v.Variant) {
			variants = append(variants, v.Variant)
		}
		if !slices.Contains(bands, v.AgeBand) {
			bands = append(bands, v.AgeBand)
		}
		byKey[v.AgeBand+"|"+v.Variant] = v
	}
	slices.SortStableFunc(variants, func(a, b string) int { return variantRank(a) - variantRank(b) })
	slices.SortStableFunc(bands, func(a, b string) int { return bandRank(a) - bandRank(b) })
	t := &bandTable{}
	for _, vr := range variants {
		label := vals[0].VariantLabel
		for _, v := range vals {
			if v.Variant == vr {
				label = v.VariantLabel
				break
			}
		}
		if label == "" {
			label = "Figure"
		}
		t.Columns = append(t.Columns, capitalise(label))
	}
	for _, b := range bands {
		row := bandRow{Label: ageBandLabel(b)}
		for _, vr := range variants {
			v, ok := byKey[b+"|"+vr]
			if bs := pickBenchmarks(v.Benchmarks); ok && len(bs) > 0 && row.Benchmarks == nil {
				row.Benchmarks = bs
				t.HasBenchmarks = true
			}
			row.Cells = append(row.Cells, bandCell{
				Key: v.Key, Unit: v.Unit, Display: v.Display, Counts: v.Counts,
				Numerator: v.Numerator, Denominator: v.Denominator, Present: ok,
			})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *Scorecard) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("Content-Type", "text/html; charset=utf-8")

	code := http.StatusOK
	var pv pageView
	asAt, err := asAtParam(r)
	if err != nil {
		code = http.StatusBadRequest
		pv = pageView{Title: s.opts.Title, Council: s.opts.Council, Error: "The date asked for is not a date: " + err.Error() + "."}
	} else if d, err := s.load(r.Context(), asAt); err != nil {
		s.log.Warn("scorecard: reading indicators for the page", "err", err)
		code = http.StatusBadGateway
		pv = pageView{Title: s.opts.Title, Council: s.opts.Council,
			Error: "The figures could not be read from the metrics service just now. Please try again in a minute."}
	} else {
		pv = buildPage(d)
	}
	pv.Requested = asAt
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, pv); err != nil {
		s.log.Error("scorecard: rendering the page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}
