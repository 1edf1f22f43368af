// Package benchmarks holds the published comparator figures (DfE, regional
// and statistical-neighbour values) the Board sees next to the council's
// own, from benchmarks.csv embedded in the binary. Rows are keyed by
// indicator, variant and age band: the canonical keys of the indicators.
package benchmarks

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

//go:embed benchmarks.csv
var embedded []byte

// Row is one published figure.
type Row struct {
	projection.Key
	GeographyCode string // ONS code, or SN:<code> for statistical neighbours
	GeographyName string
	YearEnding    clock.Date
	Value         float64
	Unit          string // count, percent, per_10k
	Numerator     int64  // 0 when not published
	Denominator   int64  // 0 when not published
	Source        string
}

// Table is the benchmark rows by key.
type Table struct {
	byKey map[projection.Key][]Row
	n     int
}

var header = []string{"indicator", "variant", "age_band", "geography", "geography_name", "year_ending", "value", "unit", "numerator", "denominator", "source"}

// Embedded parses the embedded benchmarks.csv.
func Embedded() (*Table, error) { return Parse(bytes.NewReader(embedded)) }

// Parse reads benchmark rows in the benchmarks.csv layout.
func Parse(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("benchmarks: header: %w", err)
	}
	for i, h := range header {
		if head[i] != h {
			return nil, fmt.Errorf("benchmarks: column %d is %q, want %q", i+1, head[i], h)
		}
	}
	t := &Table{byKey: map[projection.Key][]Row{}}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("benchmarks: %w", err)
		}
		row, err := parseRow(rec)
		if err != nil {
			return nil, fmt.Errorf("benchmarks: line %d: %w", line, err)
		}
		t.byKey[row.Key] = append(t.byKey[row.Key], row)
		t.n++
	}
	for _, rows := range t.byKey {
		sort.SliceStable(rows, func(i, j int) bool {
			if rows[i].YearEnding != rows[j].YearEnding {
				return rows[i].YearEnding.After(rows[j].YearEnding) // newest first
			}
			return rows[i].GeographyCode < rows[j].GeographyCode
		})
	}
	return t, nil
}

func parseRow(rec []string) (Row, error) {
	row := Row{
		Key:           projection.Key{Indicator: rec[0], Variant: rec[1], AgeBand: rec[2]},
		GeographyCode: rec[3], GeographyName: rec[4], Unit: rec[7], Source: rec[10],
	}
	if row.Indicator == "" || row.Variant == "" || row.AgeBand == "" || row.GeographyCode == "" {
		return row, fmt.Errorf("indicator, variant, age band and geography are required")
	}
	var err error
	if row.YearEnding, err = clock.ParseDate(rec[5]); err != nil {
		return row, fmt.Errorf("year_ending: %w", err)
	}
	if row.Value, err = strconv.ParseFloat(rec[6], 64); err != nil {
		return row, fmt.Errorf("value %q: %w", rec[6], err)
	}
	for _, f := range []struct {
		s   string
		dst *int64
	}{{rec[8], &row.Numerator}, {rec[9], &row.Denominator}} {
		if f.s == "" {
			continue
		}
		if *f.dst, err = strconv.ParseInt(f.s, 10, 64); err != nil {
			return row, fmt.Errorf("count %q: %w", f.s, err)
		}
	}
	return row, nil
}

// For returns the rows for a key, newest first (nil if none).
func (t *Table) For(k projection.Key) []Row { return t.byKey[k] }

// Len is the number of rows.
func (t *Table) Len() int { return t.n }
