package clock

import (
	"errors"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day or zone: a date of birth, a
// DECOM, a DEC. The zero value means "not set". Dates are comparable with
// == and usable as map keys; build them with ParseDate, NewDate or DateOf so
// they are always real dates.
type Date struct {
	Y int
	M time.Month
	D int
}

// ErrBadDate is wrapped by every parse or construction error.
var ErrBadDate = errors.New("not a valid date")

// NewDate returns the date y-m-d, or an error if there is no such day.
func NewDate(y int, m time.Month, d int) (Date, error) {
	if y < 1 || y > 9999 || m < time.January || m > time.December || d < 1 || d > daysIn(y, m) {
		return Date{}, fmt.Errorf("%04d-%02d-%02d: %w", y, int(m), d, ErrBadDate)
	}
	return Date{Y: y, M: m, D: d}, nil
}

// ParseDate reads an ISO 8601 calendar date, exactly "YYYY-MM-DD". Anything
// else (times, zones, "2026-3-1", 31 April, 29 February in a common year)
// is an error: a date in a child's record must not be guessed at.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%q: %w (want YYYY-MM-DD)", s, ErrBadDate)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%q: %w (want YYYY-MM-DD)", s, ErrBadDate)
	}
	date, err := NewDate(y, time.Month(m), d)
	if err != nil {
		return Date{}, fmt.Errorf("%q: %w", s, ErrBadDate)
	}
	return date, nil
}

// MustParseDate is ParseDate for constants and tests; it panics on a bad date.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic("clock: " + err.Error())
	}
	return d
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// DateOf is the Europe/London calendar date at instant t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(London).Date()
	return Date{Y: y, M: m, D: d}
}

// Midnight is the instant the date starts in Europe/London. (UK clocks
// change at 01:00 UTC, never at midnight, so every day has a midnight.)
func (d Date) Midnight() time.Time { return time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, London) }

// String is the ISO form "YYYY-MM-DD", or "" for the zero Date, matching an
// unset date string field in the protos.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Y, int(d.M), d.D)
}

// MarshalText writes the ISO form, so Dates read well in JSON golden files.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the ISO form; an empty text is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Y != o.Y:
		return sign(d.Y - o.Y)
	case d.M != o.M:
		return sign(int(d.M) - int(o.M))
	default:
		return sign(d.D - o.D)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Before reports d < o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports d > o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Equal reports d == o.
func (d Date) Equal(o Date) bool { return d == o }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + n) }

// DaysUntil returns the number of days from d to o: positive if o is later.
func (d Date) DaysUntil(o Date) int { return o.days() - d.days() }

// AddMonths returns the same day n months later, clamped to the end of a
// shorter month: 31 January + 1 month is 28 (or 29) February. This is the
// usual reading of "within a month" in 903 guidance; it is not reversible
// (31 Jan + 1 month - 1 month = 28 Jan).
func (d Date) AddMonths(n int) Date {
	total := d.Y*12 + int(d.M-1) + n
	y := total / 12
	if total < 0 && total%12 != 0 { // floor, for years before 1
		y--
	}
	m := time.Month(total - y*12 + 1)
	return Date{Y: y, M: m, D: min(d.D, daysIn(y, m))}
}

// AddYears returns the same day n years later, clamped like AddMonths: 29
// February + 1 year is 28 February. Use Birthday for ages, which follows
// the legal rule instead.
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// Birthday is the date on which a person born on dob attains age n.
//
// Family Law Reform Act 1969 s9(1): a person attains an age "at the
// commencement of the relevant anniversary of the date of his birth". The
// Act does not say which day is the anniversary of 29 February in a common
// year. We take 1 March: the person has not completed n years until the
// whole of February has passed, which is the position usually stated for
// England and Wales (and what courts reading the same words have held
// elsewhere). Some sources say 28 February; if the council's lawyers ever
// rule otherwise, this is the one place to change.
func (d Date) Birthday(n int) Date {
	y := d.Y + n
	if d.M == time.February && d.D == 29 && !isLeap(y) {
		return Date{Y: y, M: time.March, D: 1}
	}
	return Date{Y: y, M: d.M, D: d.D}
}

// AgeOn is the age in completed years on date d of a person born on dob:
// they attain each age at the start of the birthday (see Date.Birthday).
// It is negative if d is before dob; callers check dates of birth first.
func AgeOn(dob, d Date) int {
	age := d.Y - dob.Y
	if d.Before(dob.Birthday(age)) {
		age--
	}
	return age
}

// MonthOfBirth is "YYYY-MM": the precision other services may hold, since
// exact dates of birth stay in caseload.
func MonthOfBirth(dob Date) string { return fmt.Sprintf("%04d-%02d", dob.Y, int(dob.M)) }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// days counts days since 1970-01-01. UTC midnights are exact multiples of
// 86400 s, so the division is exact either side of 1970.
func (d Date) days() int {
	return int(time.Date(d.Y, d.M, d.D, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func fromDays(n int) Date {
	y, m, d := time.Unix(int64(n)*86400, 0).UTC().Date()
	return Date{Y: y, M: m, D: d}
}
