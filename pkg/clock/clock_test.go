package clock_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
)

func d(s string) clock.Date { return clock.MustParseDate(s) }

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    clock.Date
		wantErr bool
	}{
		{in: "2026-03-31", want: clock.Date{Y: 2026, M: time.March, D: 31}},
		{in: "2024-02-29", want: clock.Date{Y: 2024, M: time.February, D: 29}},
		{in: "2000-02-29", want: clock.Date{Y: 2000, M: time.February, D: 29}},
		{in: "0001-01-01", want: clock.Date{Y: 1, M: time.January, D: 1}},
		{in: "9999-12-31", want: clock.Date{Y: 9999, M: time.December, D: 31}},
		{in: "2025-02-29", wantErr: true}, // common year
		{in: "1900-02-29", wantErr: true}, // century, not leap
		{in: "2026-04-31", wantErr: true},
		{in: "2026-13-01", wantErr: true},
		{in: "2026-00-10", wantErr: true},
		{in: "2026-01-00", wantErr: true},
		{in: "0000-01-01", wantErr: true},
		{in: "2026-3-31", wantErr: true},
		{in: "2026-03-1", wantErr: true},
		{in: "26-03-31", wantErr: true},
		{in: "2026/03/31", wantErr: true},
		{in: "31/03/2026", wantErr: true},
		{in: "2026-03-31T00:00:00Z", wantErr: true},
		{in: " 2026-03-31", wantErr: true},
		{in: "2026-03-3a", wantErr: true},
		{in: "+026-03-31", wantErr: true},
		{in: "2026-0-131", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := clock.ParseDate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDate(%q) = %v, want an error", tt.in, got)
				}
				if !errors.Is(err, clock.ErrBadDate) {
					t.Fatalf("error %v does not wrap ErrBadDate", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseDate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestNewDate(t *testing.T) {
	if _, err := clock.NewDate(2026, time.February, 29); err == nil {
		t.Fatal("NewDate(2026-02-29) succeeded")
	}
	if _, err := clock.NewDate(2026, 13, 1); err == nil {
		t.Fatal("NewDate(2026-13-01) succeeded")
	}
	got, err := clock.NewDate(2028, time.February, 29)
	if err != nil || got != d("2028-02-29") {
		t.Fatalf("NewDate(2028-02-29) = %v, %v", got, err)
	}
}

func TestZeroDate(t *testing.T) {
	var z clock.Date
	if !z.IsZero() || z.String() != "" {
		t.Fatalf("zero: IsZero=%v String=%q", z.IsZero(), z.String())
	}
	if d("2026-01-01").IsZero() {
		t.Fatal("a real date IsZero")
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-03-31", "2026-03-31", 0},
		{"2026-03-30", "2026-03-31", -1},
		{"2026-04-01", "2026-03-31", 1},
		{"2025-12-31", "2026-01-01", -1},
		{"2026-02-28", "2026-10-01", -1}, // month compared numerically, not as text
		{"2027-01-01", "2026-12-31", 1},
	}
	for _, tt := range tests {
		a, b := d(tt.a), d(tt.b)
		if got := a.Compare(b); got != tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if a.Before(b) != (tt.want < 0) || a.After(b) != (tt.want > 0) || a.Equal(b) != (tt.want == 0) {
			t.Errorf("%s vs %s: Before/After/Equal disagree with Compare", tt.a, tt.b)
		}
	}
}

func TestAddDaysAndDaysUntil(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-03-31", 0, "2026-03-31"},
		{"2026-03-31", 1, "2026-04-01"},
		{"2026-03-28", 2, "2026-03-30"}, // across the spring clock change (29 March 2026)
		{"2026-10-24", 2, "2026-10-26"}, // across the autumn clock change
		{"2024-02-28", 1, "2024-02-29"},
		{"2023-02-28", 1, "2023-03-01"},
		{"2026-01-01", -1, "2025-12-31"},
		{"1970-01-01", -1, "1969-12-31"}, // before the Unix epoch
		{"1969-12-31", 1, "1970-01-01"},
		{"1960-06-15", 365, "1961-06-15"},
		{"2026-01-01", 365, "2027-01-01"},
		{"2028-01-01", 366, "2029-01-01"},
	}
	for _, tt := range tests {
		from, want := d(tt.from), d(tt.want)
		if got := from.AddDays(tt.n); got != want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
		if got := from.DaysUntil(want); got != tt.n {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", tt.from, tt.want, got, tt.n)
		}
	}
}

func TestAddMonthsAndYears(t *testing.T) {
	tests := []struct {
		from   string
		months int
		years  int
		want   string
	}{
		{"2026-01-31", 1, 0, "2026-02-28"},
		{"2024-01-31", 1, 0, "2024-02-29"},
		{"2026-03-31", 1, 0, "2026-04-30"},
		{"2026-03-31", -1, 0, "2026-02-28"},
		{"2026-03-31", -12, 0, "2025-03-31"},
		{"2026-01-15", -1, 0, "2025-12-15"},
		{"2026-12-15", 1, 0, "2027-01-15"},
		{"2026-05-31", 25, 0, "2028-06-30"},
		{"2026-03-31", 0, 0, "2026-03-31"},
		{"2024-02-29", 0, 1, "2025-02-28"}, // AddYears clamps; Birthday does not
		{"2024-02-29", 0, 4, "2028-02-29"},
		{"2024-02-29", 0, -1, "2023-02-28"},
		{"2026-03-31", 0, -1, "2025-03-31"},
	}
	for _, tt := range tests {
		from := d(tt.from)
		var got clock.Date
		if tt.years != 0 {
			got = from.AddYears(tt.years)
		} else {
			got = from.AddMonths(tt.months)
		}
		if got != d(tt.want) {
			t.Errorf("%s + %dm %dy = %+v, want %s", tt.from, tt.months, tt.years, got, tt.want)
		}
	}
}

func TestAddMonthsBeforeYearOne(t *testing.T) {
	// Floor division keeps the month in range even below year 1.
	got := d("0001-03-01").AddMonths(-3)
	if want := (clock.Date{Y: 0, M: time.December, D: 1}); got != want {
		t.Fatalf("0001-03-01 - 3 months = %+v, want %+v", got, want)
	}
}

func TestBirthdayAndAge(t *testing.T) {
	tests := []struct {
		name string
		dob  string
		on   string
		age  int
	}{
		{"day of birth", "2010-06-15", "2010-06-15", 0},
		{"day before first birthday", "2010-06-15", "2011-06-14", 0},
		{"first birthday", "2010-06-15", "2011-06-15", 1},
		{"day before 18th", "2008-04-01", "2026-03-31", 17},
		{"18th birthday", "2008-04-01", "2026-04-01", 18},
		{"day after 18th", "2008-04-01", "2026-04-02", 18},
		{"day before 25th", "2001-03-31", "2026-03-30", 24},
		{"25th birthday", "2001-03-31", "2026-03-31", 25},
		{"end of year birthday", "2008-12-31", "2026-12-31", 18},
		{"new year before it", "2008-12-31", "2026-01-01", 17},
		{"new year dob", "2009-01-01", "2026-12-31", 17},
		{"before birth", "2010-06-15", "2010-06-14", -1},
		// Born 29 February: attains an age on 1 March in a common year.
		{"leapling 28 Feb common year", "2008-02-29", "2026-02-28", 17},
		{"leapling 1 Mar common year", "2008-02-29", "2026-03-01", 18},
		{"leapling 28 Feb leap year", "2008-02-29", "2028-02-28", 19},
		{"leapling 29 Feb leap year", "2008-02-29", "2028-02-29", 20},
		{"leapling 1 Mar leap year", "2008-02-29", "2028-03-01", 20},
		{"leapling first common year", "2024-02-29", "2025-02-28", 0},
		{"leapling first birthday", "2024-02-29", "2025-03-01", 1},
		{"leapling 2100 is not leap", "2096-02-29", "2100-02-28", 3},
		{"leapling 2100 1 March", "2096-02-29", "2100-03-01", 4},
		{"28 Feb dob in leap year", "2007-02-28", "2024-02-28", 17},
		{"28 Feb dob day before in leap year", "2007-02-28", "2024-02-27", 16},
		{"1 Mar dob in leap year", "2007-03-01", "2024-02-29", 16},
		{"1 Mar dob", "2007-03-01", "2024-03-01", 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dob, on := d(tt.dob), d(tt.on)
			if got := clock.AgeOn(dob, on); got != tt.age {
				t.Fatalf("AgeOn(%s, %s) = %d, want %d", tt.dob, tt.on, got, tt.age)
			}
			if tt.age < 0 {
				return
			}
			// The age is attained exactly on Birthday(age) and not a day earlier.
			b := dob.Birthday(tt.age)
			if b.After(on) {
				t.Fatalf("Birthday(%d) = %s is after %s", tt.age, b, tt.on)
			}
			if !dob.Birthday(tt.age + 1).After(on) {
				t.Fatalf("Birthday(%d) = %s is not after %s", tt.age+1, dob.Birthday(tt.age+1), tt.on)
			}
			if clock.AgeOn(dob, b) != tt.age || clock.AgeOn(dob, b.AddDays(-1)) != tt.age-1 {
				t.Fatalf("age does not change exactly on Birthday(%d) = %s", tt.age, b)
			}
		})
	}
}

func TestBirthday(t *testing.T) {
	tests := []struct {
		dob  string
		n    int
		want string
	}{
		{"2008-04-01", 18, "2026-04-01"},
		{"2008-02-29", 18, "2026-03-01"},
		{"2008-02-29", 20, "2028-02-29"},
		{"2008-02-29", 0, "2008-02-29"},
		{"2001-03-31", 25, "2026-03-31"},
		{"2000-02-29", 100, "2100-03-01"},
	}
	for _, tt := range tests {
		if got := d(tt.dob).Birthday(tt.n); got != d(tt.want) {
			t.Errorf("%s.Birthday(%d) = %s, want %s", tt.dob, tt.n, got, tt.want)
		}
	}
}

func TestMonthOfBirth(t *testing.T) {
	if got := clock.MonthOfBirth(d("2008-02-29")); got != "2008-02" {
		t.Fatalf("MonthOfBirth = %q", got)
	}
	if got := clock.MonthOfBirth(d("0999-11-03")); got != "0999-11" {
		t.Fatalf("MonthOfBirth = %q", got)
	}
}

func TestTodayIsLondonDate(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		// In British Summer Time London is UTC+1: 23:30 UTC is already tomorrow.
		{"BST late evening UTC", time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), "2026-07-01"},
		// In winter London is UTC.
		{"GMT late evening UTC", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2026-12-31"},
		{"GMT midnight", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "2027-01-01"},
		{"from another zone", time.Date(2026, 3, 31, 8, 0, 0, 0, time.FixedZone("NZDT", 13*3600)), "2026-03-30"},
		{"spring forward day", time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), "2026-03-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewSettable(tt.at)
			if got := clock.Today(c); got != d(tt.want) {
				t.Fatalf("Today at %v = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestMidnight(t *testing.T) {
	tests := []struct {
		date string
		utc  time.Time
	}{
		{"2026-01-15", time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)},
		{"2026-07-15", time.Date(2026, 7, 14, 23, 0, 0, 0, time.UTC)},
		{"2026-03-29", time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)}, // clocks go forward at 01:00 UTC
		{"2026-10-25", time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := d(tt.date).Midnight()
		if !got.Equal(tt.utc) {
			t.Errorf("%s.Midnight() = %v, want %v", tt.date, got.UTC(), tt.utc)
		}
		if clock.DateOf(got) != d(tt.date) || clock.DateOf(got.Add(-time.Nanosecond)) != d(tt.date).AddDays(-1) {
			t.Errorf("%s.Midnight() is not the first instant of the day", tt.date)
		}
	}
}

func TestSettable(t *testing.T) {
	start := time.Date(2026, 3, 31, 12, 0, 0, 0, clock.London)
	c := clock.NewSettable(start)
	var _ clock.Clock = c
	if !c.Now().Equal(start) {
		t.Fatalf("Now = %v", c.Now())
	}
	if got := c.Advance(13 * time.Hour); !got.Equal(start.Add(13*time.Hour)) || !c.Now().Equal(got) {
		t.Fatalf("Advance returned %v, Now %v", got, c.Now())
	}
	if clock.Today(c) != d("2026-04-01") {
		t.Fatalf("Today after Advance = %s", clock.Today(c))
	}
	c.Set(start)
	if !c.Now().Equal(start) {
		t.Fatalf("Set: Now = %v", c.Now())
	}
	c.SetDate(d("2027-02-28"))
	if clock.Today(c) != d("2027-02-28") {
		t.Fatalf("SetDate: Today = %s", clock.Today(c))
	}

	// Code under test reads the clock from other goroutines.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
}

func TestSystemClock(t *testing.T) {
	before := time.Now()
	got := clock.System.Now()
	if got.Before(before) || got.Sub(before) > time.Minute {
		t.Fatalf("System.Now() = %v, time.Now() was %v", got, before)
	}
	if clock.London.String() != "Europe/London" {
		t.Fatalf("London = %v", clock.London)
	}
}

func TestDateJSON(t *testing.T) {
	type rec struct {
		DOB  clock.Date `json:"dob"`
		DEC  clock.Date `json:"dec"`
		Note string     `json:"note"`
	}
	in := rec{DOB: d("2008-02-29"), Note: "x"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"dob":"2008-02-29","dec":"","note":"x"}` {
		t.Fatalf("json = %s", b)
	}
	var out rec
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("round trip = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"dob":"2026-02-29"}`), &out); err == nil {
		t.Fatal("impossible date accepted from JSON")
	}
}
