package codes

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CollectionYear is an SSDA903 collection year, named by the calendar year in
// which it starts on 1 April: 2025 is 2025/26, 1 April 2025 – 31 March 2026.
//
// In a [Code], 0 is an open bound: From 0 = valid since before any modelled
// year, To 0 = still valid.
type CollectionYear int

// EarliestModelled is the earliest ruleset whose code lists are modelled in
// detail (codes doc §4: the 2022/23 rule 146 list). Codes valid before it
// carry From 0 rather than From 2022 so older records still validate.
const EarliestModelled CollectionYear = 2022

// YearOf returns the collection year containing the calendar date of t (its
// year, month and day in t's own location; pass a date at midnight UTC, or a
// time in Europe/London). 31 March 2026 is in 2025/26; 1 April 2026 in 2026/27.
func YearOf(t time.Time) CollectionYear {
	y, m, d := t.Date()
	return YearOfDate(y, m, d)
}

// YearOfDate is [YearOf] for a calendar date given as year, month and day.
func YearOfDate(year int, month time.Month, day int) CollectionYear {
	_ = day // the year turns on 1 April: the day never matters
	if month >= time.April {
		return CollectionYear(year)
	}
	return CollectionYear(year - 1)
}

// String renders the year as the DfE writes it: "2025/26". The open bound
// 0 (or any year before 1 AD) renders as "open".
func (y CollectionYear) String() string {
	if y <= 0 {
		return "open"
	}
	return fmt.Sprintf("%d/%02d", int(y), (int(y)+1)%100)
}

// Start is the first day of the year, 1 April, at midnight UTC.
func (y CollectionYear) Start() time.Time {
	return time.Date(int(y), time.April, 1, 0, 0, 0, 0, time.UTC)
}

// End is the last day of the year, 31 March of the next calendar year, at
// midnight UTC. The year includes End.
func (y CollectionYear) End() time.Time {
	return time.Date(int(y)+1, time.March, 31, 0, 0, 0, 0, time.UTC)
}

// Contains reports whether the calendar date of t falls within the year.
func (y CollectionYear) Contains(t time.Time) bool { return YearOf(t) == y }

// ParseCollectionYear reads "2025/26" (the second part must be the next year's
// last two digits) or "2025".
func ParseCollectionYear(s string) (CollectionYear, error) {
	s = strings.TrimSpace(s)
	first, second, hasSlash := strings.Cut(s, "/")
	if len(first) != 4 {
		return 0, fmt.Errorf("codes: collection year %q: want YYYY/YY or YYYY", s)
	}
	n, err := strconv.Atoi(first)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("codes: collection year %q: want YYYY/YY or YYYY", s)
	}
	y := CollectionYear(n)
	if hasSlash && second != fmt.Sprintf("%02d", (n+1)%100) {
		return 0, fmt.Errorf("codes: collection year %q: second part must be %02d", s, (n+1)%100)
	}
	return y, nil
}
