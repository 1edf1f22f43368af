package scorecard

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The page's number formats. static/scorecard.js formats the change on a year
// ago the same way; every other figure it shows comes formatted from here
// (the display and counts fields of /events).

// round1 rounds to one decimal place, halves away from zero (as the page's
// script does), so 12.25 reads 12.3 in both.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// formatInt writes a count with thousands separators: 81,770 (and −12).
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "−", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// formatValue is the headline figure: "662", "+40", "75.8%".
func formatValue(unit string, value float64, numerator int64) string {
	switch unit {
	case "percent":
		return strconv.FormatFloat(round1(value), 'f', 1, 64) + "%"
	case "change":
		switch {
		case numerator > 0:
			return "+" + formatInt(numerator)
		case numerator < 0:
			return formatInt(numerator) // formatInt writes the minus sign
		default:
			return "0"
		}
	default:
		return formatInt(numerator)
	}
}

// formatCounts is the counts behind a percentage: "502 of 662".
func formatCounts(unit string, numerator, denominator int64) string {
	if unit != "percent" {
		return ""
	}
	return formatInt(numerator) + " of " + formatInt(denominator)
}

// formatBenchmark writes a published figure as published: whole numbers
// without decimals (DfE percentages are whole), others to one place.
func formatBenchmark(unit string, v float64) string {
	var s string
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		s = formatInt(int64(v))
	} else {
		s = strconv.FormatFloat(round1(v), 'f', 1, 64)
	}
	if unit == "percent" {
		s += "%"
	}
	return s
}

// changeText compares a figure with the same figure twelve months earlier:
// "up 3.8 points on a year ago", "down 12 on a year ago", "no change on a
// year ago". Direction is "up", "down" or "same".
func changeText(unit string, now, earlier float64, nowNum, earlierNum int64) (text, direction string) {
	switch unit {
	case "percent":
		d := round1(math.Abs(now - earlier))
		if d == 0 {
			return "no change on a year ago", "same"
		}
		dir := "up"
		if now < earlier {
			dir = "down"
		}
		pts := "points"
		if d == 1 {
			pts = "point"
		}
		return fmt.Sprintf("%s %s %s on a year ago", dir, strconv.FormatFloat(d, 'f', 1, 64), pts), dir
	case "count":
		d := nowNum - earlierNum
		switch {
		case d > 0:
			return "up " + formatInt(d) + " on a year ago", "up"
		case d < 0:
			return "down " + formatInt(-d) + " on a year ago", "down"
		default:
			return "no change on a year ago", "same"
		}
	}
	return "", ""
}

// judgement says whether a direction is better or worse for an indicator's
// polarity: "better", "worse" or "neutral".
func judgement(polarity, direction string) string {
	switch {
	case direction == "same" || direction == "":
		return "neutral"
	case polarity == "higher_is_better":
		if direction == "up" {
			return "better"
		}
		return "worse"
	case polarity == "lower_is_better":
		if direction == "down" {
			return "better"
		}
		return "worse"
	}
	return "neutral"
}

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// longDate writes 2026-03-31 as "31 March 2026" (the input when it does not
// parse).
func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthNames[t.Month()-1], t.Year())
}

// monthYear writes 2026-03-31 as "March 2026".
func monthYear(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return fmt.Sprintf("%s %d", monthNames[t.Month()-1], t.Year())
}

// yearOf writes a benchmark's year ending (2025-03-31) as "2025".
func yearOf(d string) string {
	if len(d) >= 4 {
		return d[:4]
	}
	return d
}

// Sparkline geometry; static/scorecard.js draws updates with the same
// numbers.
const (
	sparkW   = 160
	sparkH   = 40
	sparkPad = 4
)

// sparkMinSpan is the smallest range a sparkline's height stands for, so a
// flat series does not look like a swing: 5 percentage points, or a tenth
// of the largest count (at least 4).
func sparkMinSpan(unit string, vals []float64) float64 {
	if unit == "percent" {
		return 5
	}
	m := 0.0
	for _, v := range vals {
		m = math.Max(m, math.Abs(v))
	}
	return math.Max(4, math.Round(m/10))
}

// sparkDomain is the range of values the sparkline's height shows: the
// values' own range, widened to minSpan around its middle, kept at or above
// 0 when every value is (and at or below 100 for percentages).
func sparkDomain(vals []float64, minSpan float64, unit string) (lo, hi float64) {
	lo, hi = vals[0], vals[0]
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if span := hi - lo; span < minSpan {
		mid := (hi + lo) / 2
		lo, hi = mid-minSpan/2, mid+minSpan/2
		if lo < 0 && vals[0] >= 0 && !slices.ContainsFunc(vals, func(v float64) bool { return v < 0 }) {
			lo, hi = 0, minSpan
		}
		if unit == "percent" && hi > 100 {
			lo, hi = 100-minSpan, 100
		}
	}
	return lo, hi
}

// sparkPoints lays values out left to right, lowest at the bottom: the
// polyline's points attribute and the last point.
func sparkPoints(vals []float64, minSpan float64, unit string) (points string, lastX, lastY float64) {
	n := len(vals)
	if n == 0 {
		return "", 0, 0
	}
	lo, hi := sparkDomain(vals, minSpan, unit)
	var b strings.Builder
	for i, v := range vals {
		x := float64(sparkW) / 2
		if n > 1 {
			x = sparkPad + float64(i)*(sparkW-2*sparkPad)/float64(n-1)
		}
		y := float64(sparkH) / 2
		if hi > lo {
			y = sparkPad + (sparkH-2*sparkPad)*(1-(v-lo)/(hi-lo))
		}
		x, y = math.Round(x*10)/10, math.Round(y*10)/10
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatFloat(x, 'f', -1, 64) + "," + strconv.FormatFloat(y, 'f', -1, 64))
		lastX, lastY = x, y
	}
	return b.String(), lastX, lastY
}
