package load

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// The probe moves its child between these two placements; the bulk load
// never places anyone with parents, so only the probe changes the
// numerator of ProbeIndicator.
const (
	ProbeIndicator = "placement_with_parents"
	probeVariant   = "dfe"
	probeBand      = "all"
)

// watchState is the probe indicator's numerator as the stream last showed
// it, and when it last changed.
type watchState struct {
	mu        sync.Mutex
	known     bool
	num       int64
	changedAt time.Time
	seq       uint64
	changed   chan struct{} // closed at each change, then replaced
	snapshots int
	breaks    int
}

func newWatchState() *watchState { return &watchState{changed: make(chan struct{})} }

func (s *watchState) update(resp *metricsv1.WatchIndicatorsResponse, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq = resp.GetSequence()
	if resp.GetSnapshot() {
		s.snapshots++
	}
	for _, v := range resp.GetValues() {
		if v.GetIndicatorId() != ProbeIndicator || v.GetVariant() != probeVariant || v.GetAgeBand() != probeBand {
			continue
		}
		if s.known && v.GetNumerator() == s.num {
			continue // the denominator moved, not the probe
		}
		s.known, s.num, s.changedAt = true, v.GetNumerator(), at
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

func (s *watchState) current() (num int64, known bool, wait <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.num, s.known, s.changed
}

// waitFor waits until the numerator is want, having changed after since
// (zero: at any time), and returns when it became so; false at the
// timeout or when ctx ends.
func (s *watchState) waitFor(ctx context.Context, want int64, since time.Time, timeout time.Duration) (time.Time, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		s.mu.Lock()
		num, at, known, ch := s.num, s.changedAt, s.known, s.changed
		s.mu.Unlock()
		if known && num == want && !at.Before(since) {
			return at, true
		}
		select {
		case <-ch:
		case <-t.C:
			return time.Time{}, false
		case <-ctx.Done():
			return time.Time{}, false
		}
	}
}

// prober measures write-to-indicator latency (see the package comment).
type prober struct {
	r        *run
	w        *worker // for ids, calls and registering probe children
	state    *watchState
	c        *child
	atP1     bool
	stopW    context.CancelFunc
	watching sync.WaitGroup

	// expect is the numerator the stream shows once every probe so far
	// has reached it.
	expect    int64
	expectSet bool

	hist     Histogram
	writes   rpcStat
	probes   atomic.Uint64
	timeouts atomic.Uint64
	rebased  atomic.Uint64
}

func (r *run) newProber(ctx context.Context) (*prober, error) {
	// The probe's own client: id -1, so its ids never meet a bulk client's.
	w := &worker{r: r, id: -1, cl: r.conns.set[0], rng: newRand(-1)}
	p := &prober{r: r, w: w, state: newWatchState()}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.stopW = cancel
	p.watching.Go(func() { p.watch(wctx) })
	// Wait for the snapshot.
	deadline := time.After(r.cfg.CallTimeout)
	for {
		_, known, ch := p.state.current()
		if known {
			break
		}
		select {
		case <-ch:
		case <-deadline:
			p.stopWatch()
			return nil, fmt.Errorf("WatchIndicators %s: %w within %s", ProbeIndicator, errNoSnapshot, r.cfg.CallTimeout)
		case <-ctx.Done():
			p.stopWatch()
			return nil, ctx.Err()
		}
	}
	if err := p.newChild(ctx); err != nil {
		p.stopWatch()
		return nil, err
	}
	return p, nil
}

func (p *prober) stopWatch() {
	p.stopW()
	p.watching.Wait()
}

// newChild registers a probe child and places it in foster care.
func (p *prober) newChild(ctx context.Context) error {
	start := p.r.careStart
	id, err := p.w.register(ctx, "p", start.AddYears(-3), start)
	if err != nil {
		return err
	}
	c := &child{id: id, next: start}
	err = p.w.setupWrite(ctx, "StartPlacement (probe)", func(ctx context.Context) error {
		_, err := p.w.cl.placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
			RequestId: p.w.requestID(), ChildId: id, StartDate: start.String(), Details: p.details(false)})
		return err
	})
	if err != nil {
		return err
	}
	c.placed, c.next = true, start.AddDays(1)
	p.c, p.atP1 = c, false
	return nil
}

func (p *prober) details(withParents bool) *placementv1.PlacementDetails {
	if withParents {
		return &placementv1.PlacementDetails{PlacementType: "P1", Provider: "PR0",
			CarerId: p.r.cfg.Prefix + "-parents", PlacementLocalAuthority: p.r.cfg.CouncilLA}
	}
	return &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC062441",
		CarerId: p.r.cfg.Prefix + "-probe-carer", PlacementLocalAuthority: p.r.cfg.CouncilLA}
}

// watch follows WatchIndicators for the probe's indicator until ctx ends,
// resuming after the last sequence when the stream breaks.
func (p *prober) watch(ctx context.Context) {
	var after uint64
	for ctx.Err() == nil {
		stream, err := p.w.cl.metrics.WatchIndicators(ctx, &metricsv1.WatchIndicatorsRequest{
			IndicatorIds: []string{ProbeIndicator}, AfterSequence: after})
		for err == nil {
			var resp *metricsv1.WatchIndicatorsResponse
			resp, err = stream.Recv()
			if err == nil {
				p.state.update(resp, time.Now())
				after = resp.GetSequence()
			}
		}
		if ctx.Err() != nil {
			return
		}
		p.state.mu.Lock()
		p.state.breaks++
		p.state.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// run probes at ProbeRate until ctx ends.
func (p *prober) run(ctx context.Context) {
	every := time.Duration(float64(time.Second) / p.r.cfg.ProbeRate)
	next := time.Now()
	for ctx.Err() == nil {
		if d := time.Until(next); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		}
		next = next.Add(every)
		if now := time.Now(); next.Before(now) {
			next = now // a probe took longer than the interval: no catching up
		}
		p.probe(ctx)
	}
}

// probe makes one move and waits for the stream to show it.
//
// Only one probe is ever outstanding, so an update is never credited to
// the wrong probe: before each probe the stream must show the numerator
// every earlier probe produced (expect), and the probe's own update is the
// first change to its value after the write was sent. A probe not seen
// within ProbeTimeout counts as unseen; the next probe waits (unmeasured)
// for the stream to catch up first, and if it does not within another
// ProbeTimeout, takes the stream's value as the new starting point.
func (p *prober) probe(ctx context.Context) {
	if !p.expectSet {
		num, _, _ := p.state.current()
		p.expect, p.expectSet = num, true
	}
	if _, ok := p.state.waitFor(ctx, p.expect, time.Time{}, p.r.cfg.ProbeTimeout); !ok {
		if ctx.Err() != nil {
			return
		}
		num, _, _ := p.state.current()
		p.expect = num
		p.rebased.Add(1)
	}
	if p.c.next.After(p.r.cfg.Today) {
		if err := p.newChild(ctx); err != nil {
			return
		}
	}
	toP1 := !p.atP1
	want := p.expect - 1
	if toP1 {
		want = p.expect + 1
	}
	c := p.c
	begin := time.Now()
	cctx, cancel := context.WithTimeout(ctx, p.r.cfg.CallTimeout)
	_, err := p.w.cl.placement.ChangePlacement(cctx, &placementv1.ChangePlacementRequest{
		RequestId: p.w.requestID(), ChildId: c.id, ChangeDate: c.next.String(),
		ReasonForChange: "CARPL", Details: p.details(toP1)})
	cancel()
	okAt := time.Now()
	p.writes.done(ctx, begin, err)
	if err != nil {
		if ctx.Err() == nil {
			// Where the child now is decides what the stream will show.
			p.atP1 = p.w.resync(ctx, c) == "P1"
			p.expectSet = false
		}
		return
	}
	c.next = c.next.AddDays(1)
	p.atP1, p.expect = toP1, want
	p.probes.Add(1)
	// Wait past the end of the run for the last probe's update: its
	// latency is what is being measured.
	changedAt, ok := p.state.waitFor(context.WithoutCancel(ctx), want, begin, p.r.cfg.ProbeTimeout)
	if !ok {
		p.timeouts.Add(1)
		return
	}
	p.hist.Record(max(changedAt.Sub(okAt), 0))
}

// outstanding reports whether the last probe is still waiting.
func (p *prober) outstanding() bool {
	return p.probes.Load() > p.hist.Count()+p.timeouts.Load()
}

// ProbeFigures are the write-to-indicator figures.
type ProbeFigures struct {
	// What the probe does, in words.
	Method    string `json:"method"`
	Indicator string `json:"indicator"`
	// Writes: the probe's ChangePlacement calls.
	Writes RPCStats `json:"writes"`
	// Probes is the probe writes that returned OK; Seen, those whose
	// effect the stream showed within Timeout; TimedOut, the rest.
	// Rebased counts the times the stream had not caught up with earlier
	// probes within Timeout and the probe started again from its value.
	Probes   uint64 `json:"probes"`
	Seen     uint64 `json:"seen"`
	TimedOut uint64 `json:"timed_out"`
	Rebased  uint64 `json:"rebased,omitempty"`
	Timeout  string `json:"timeout"`
	// Latency is from the write's OK to the stream's update.
	Latency         Latency `json:"latency"`
	StreamBreaks    int     `json:"stream_breaks"`
	StreamSnapshots int     `json:"stream_snapshots"`
}

func (p *prober) report(elapsed time.Duration) *ProbeFigures {
	p.state.mu.Lock()
	breaks, snaps := p.state.breaks, p.state.snapshots
	p.state.mu.Unlock()
	lat := p.hist.Summary()
	return &ProbeFigures{
		Method: fmt.Sprintf("probe: ChangePlacement of its own child U4 <-> P1, one at a time, up to %g/s; "+
			"latency from the OK to the WatchIndicators update showing the %s numerator it made", p.r.cfg.ProbeRate, ProbeIndicator),
		Indicator: ProbeIndicator,
		Writes:    p.writes.report("placement.ChangePlacement (probe)", true, elapsed),
		Probes:    p.probes.Load(), Seen: lat.Count, TimedOut: p.timeouts.Load(), Rebased: p.rebased.Load(),
		Timeout: p.r.cfg.ProbeTimeout.String(), Latency: lat,
		StreamBreaks: breaks, StreamSnapshots: snaps,
	}
}
