package projection

import (
	"sync"
	"sync/atomic"

	"github.com/corporate-parenting/suite/pkg/clock"
)

// Live is the current answer: every value as at today, and as at twelve
// months earlier, with the sequence of the last change. A Live is never
// modified once published, so readers take it without a lock.
type Live struct {
	// Seq is the sequence of the last change of Values.
	Seq uint64
	// AsAt is today (Europe/London).
	AsAt clock.Date
	// Values are every figure as at AsAt, in Keys() order.
	Values []Value
	// YearEarlier are every figure as at AsAt less 12 months. They can
	// change (a backdated record) without a change of Values; Seq is not
	// raised for that.
	YearEarlier []Value
}

// ChangeFunc receives each change of the live values: its sequence (one
// more than the last) and the values that changed. It is called with the
// projection locked, in sequence order, and must not block.
type ChangeFunc func(seq uint64, changed []Value)

// tracked are the dates live totals are kept for.
const (
	trackToday = iota
	trackYearEarlier
	trackTwoYearsEarlier
	nTracked
)

// Projection is the in-memory state of every child and the live totals.
// It is safe for concurrent use.
type Projection struct {
	mu       sync.RWMutex
	children map[string]*Child
	points   int
	dates    [nTracked]clock.Date
	days     [nTracked]Day
	totals   [nTracked]Totals
	onChange ChangeFunc

	live atomic.Pointer[Live]
}

// New returns an empty projection whose today is today and whose next
// change gets sequence seq+1. onChange may be nil.
func New(today clock.Date, seq uint64, onChange ChangeFunc) *Projection {
	p := &Projection{children: map[string]*Child{}, onChange: onChange}
	p.setDates(today)
	p.live.Store(&Live{Seq: seq})
	p.recompute()
	p.publishLocked(false)
	return p
}

func (p *Projection) setDates(today clock.Date) {
	p.dates = [nTracked]clock.Date{today, today.AddMonths(-12), today.AddMonths(-24)}
	for i, d := range p.dates {
		p.days[i] = DayOf(d)
	}
}

// Load merges points into the state without publishing changes (the
// start-up rebuild from the store), then recomputes the live totals.
func (p *Projection) Load(points []Point) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pt := range points {
		p.child(pt.Child).add(pt)
		p.points++
	}
	p.recompute()
	p.publishLocked(false)
}

// Apply merges the points of one committed batch into the state, updates
// the live totals by the difference each touched child makes at the
// tracked dates (no scan), and publishes a change if any value changed.
func (p *Projection) Apply(points []Point) {
	if len(points) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	before := p.totals
	for i := 0; i < len(points); {
		j := i + 1
		for j < len(points) && points[j].Child == points[i].Child {
			j++
		}
		c := p.child(points[i].Child)
		var was [nTracked]Facts
		for k := range p.days {
			was[k] = c.FactsOn(p.days[k])
		}
		for _, pt := range points[i:j] {
			c.add(pt)
			p.points++
		}
		for k := range p.days {
			if now := c.FactsOn(p.days[k]); now != was[k] {
				was[k].add(&p.totals[k], -1)
				now.add(&p.totals[k], 1)
			}
		}
		i = j
	}
	if p.totals != before {
		p.publishLocked(true)
	}
}

// SetToday moves the live totals to a new today (the London date changed)
// and publishes every value whose figure or as-at date changed. It reports
// whether the date moved.
func (p *Projection) SetToday(today clock.Date) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if today == p.dates[trackToday] {
		return false
	}
	p.setDates(today)
	p.recompute()
	p.publishLocked(true)
	return true
}

func (p *Projection) child(id string) *Child {
	c := p.children[id]
	if c == nil {
		c = &Child{ID: id}
		p.children[id] = c
	}
	return c
}

// recompute scans every child for the tracked dates.
func (p *Projection) recompute() {
	for k := range p.days {
		p.totals[k] = p.totalsOn(p.days[k])
	}
}

func (p *Projection) totalsOn(d Day) Totals {
	var t Totals
	for _, c := range p.children {
		c.FactsOn(d).add(&t, 1)
	}
	return t
}

// publishLocked stores a new Live from the totals and, if notify and any
// value changed, raises the sequence and calls onChange.
func (p *Projection) publishLocked(notify bool) {
	old := p.live.Load()
	next := &Live{
		Seq:         old.Seq,
		AsAt:        p.dates[trackToday],
		Values:      Values(p.totals[trackToday], p.totals[trackYearEarlier].CLA, p.dates[trackToday]),
		YearEarlier: Values(p.totals[trackYearEarlier], p.totals[trackTwoYearsEarlier].CLA, p.dates[trackYearEarlier]),
	}
	var changed []Value
	if notify {
		changed = Diff(old.Values, next.Values)
		if len(changed) > 0 {
			next.Seq++
		}
	}
	// The change reaches followers before the Live carrying its sequence
	// does, so a snapshot's sequence is never ahead of the feed.
	if len(changed) > 0 && p.onChange != nil {
		p.onChange(next.Seq, changed)
	}
	p.live.Store(next)
}

// Live returns the current live answer (no lock, no scan).
func (p *Projection) Live() *Live { return p.live.Load() }

// Seq returns the sequence of the last change.
func (p *Projection) Seq() uint64 { return p.live.Load().Seq }

// Today returns the date the live totals are for.
func (p *Projection) Today() clock.Date { return p.live.Load().AsAt }

// LiveTotals returns the live totals as at today.
func (p *Projection) LiveTotals() Totals {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.totals[trackToday]
}

// TotalsOn returns the totals as at d, computed from the timelines.
func (p *Projection) TotalsOn(d clock.Date) Totals {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.totalsOn(DayOf(d))
}

// At returns every value as at d and, if yearEarlier, as at d less 12
// months. Today's answer is the live one; any other date is recomputed
// from the timelines, so it reflects every backdated record.
func (p *Projection) At(d clock.Date, yearEarlier bool) (values, earlier []Value) {
	if l := p.Live(); d == l.AsAt {
		if yearEarlier {
			return l.Values, l.YearEarlier
		}
		return l.Values, nil
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	d1 := d.AddMonths(-12)
	t0, t1 := p.totalsOn(DayOf(d)), p.totalsOn(DayOf(d1))
	values = Values(t0, t1.CLA, d)
	if yearEarlier {
		t2 := p.totalsOn(DayOf(d.AddMonths(-24)))
		earlier = Values(t1, t2.CLA, d1)
	}
	return values, earlier
}

// Trend returns one figure at the month ends before to and at to itself,
// oldest first: months points in all.
func (p *Projection) Trend(k Key, to clock.Date, months int) []Value {
	dates := TrendDates(to, months)
	out := make([]Value, 0, len(dates))
	live := p.Live()
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, d := range dates {
		if d == live.AsAt {
			out = append(out, live.Values[indexOf(k)])
			continue
		}
		t := p.totalsOn(DayOf(d))
		var before int64
		if k.Indicator == CLAChange12m {
			before = p.totalsOn(DayOf(d.AddMonths(-12))).CLA
		}
		out = append(out, valueOf(k, t, before, d))
	}
	return out
}

// TrendDates are the dates of a trend: the month ends before to, then to,
// months dates in all, oldest first.
func TrendDates(to clock.Date, months int) []clock.Date {
	if months < 1 {
		return nil
	}
	out := make([]clock.Date, months)
	out[months-1] = to
	d := to
	for i := months - 2; i >= 0; i-- {
		d = clock.Date{Y: d.Y, M: d.M, D: 1}.AddDays(-1) // the previous month end
		out[i] = d
	}
	return out
}

var keyIndex = func() map[Key]int {
	m := map[Key]int{}
	for i, k := range keys {
		m[k] = i
	}
	return m
}()

func indexOf(k Key) int { return keyIndex[k] }

// HasKey reports whether k names a figure.
func HasKey(k Key) bool {
	_, ok := keyIndex[k]
	return ok
}

// Stats are sizes for operators.
type Stats struct {
	Children int
	Points   int
}

// Stats returns the number of children and change points held.
func (p *Projection) Stats() Stats {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return Stats{Children: len(p.children), Points: p.points}
}

// MonthOfBirth returns the child's month of birth, if known.
func (p *Projection) MonthOfBirth(child string) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c := p.children[child]; c != nil {
		return c.MonthOfBirth
	}
	return ""
}

// AgeBandOn returns the care-leaver age band of a child on d.
func (p *Projection) AgeBandOn(child string, d clock.Date) string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c := p.children[child]; c != nil {
		return c.AgeBandOn(DayOf(d))
	}
	return ""
}
