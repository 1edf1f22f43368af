// Package clock gives services their notion of "now" and of calendar dates.
//
// Every service takes a Clock as a dependency so tests can set it; the
// council works in Europe/London, so "today" is the London calendar date,
// whatever zone the machine or container runs in.
package clock

import (
	"sync"
	"time"
	// Embedded zone data: the services run FROM scratch images with no
	// /usr/share/zoneinfo.
	_ "time/tzdata"
)

// London is the council's zone. Loading it cannot fail because the zone
// database is embedded.
var London = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("clock: load " + name + ": " + err.Error())
	}
	return loc
}

// Clock tells the time.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// System is the real clock.
var System Clock = systemClock{}

// Today is the Europe/London calendar date at c.Now().
func Today(c Clock) Date { return DateOf(c.Now()) }

// Settable is a Clock for tests: it stands still until told otherwise. It
// is safe for concurrent use, since the code under test reads it from its
// own goroutines.
type Settable struct {
	mu  sync.Mutex
	now time.Time
}

// NewSettable returns a clock reading t.
func NewSettable(t time.Time) *Settable { return &Settable{now: t} }

// Now returns the time last set.
func (s *Settable) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Set moves the clock to t (backwards too: tests of clock skew need it).
func (s *Settable) Set(t time.Time) {
	s.mu.Lock()
	s.now = t
	s.mu.Unlock()
}

// SetDate moves the clock to noon, London time, on d; noon keeps a test
// clear of any midnight or daylight-saving edge.
func (s *Settable) SetDate(d Date) { s.Set(d.Midnight().Add(12 * time.Hour)) }

// Advance moves the clock forward by d and returns the new time.
func (s *Settable) Advance(d time.Duration) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
	return s.now
}
