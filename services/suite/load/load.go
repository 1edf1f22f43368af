// Package load drives a running corporate parenting suite over gRPC with
// many concurrent clients and a realistic mix of operations, and reports
// what it measured: writes and reads a second, each call's latency
// percentiles, the time from a write's OK to the indicator stream showing
// it, the services' outbox depth and consumer lag when the load stops, and
// each service process's resident memory. cmd/cpload is its command line.
//
// # What runs
//
// Setup (not measured): each client registers its own synthetic children
// (la_child_id <prefix>-c<client>-<n>, with a prefix unique to the run, so
// runs never collide and a re-run against the same data works), starts
// their periods of care five years ago (legal status C2) and places half of
// them; and, when the mix has contacts, it takes its own young people
// through care until 17 so that the care-leaver service opens their
// records. One more child is the probe's (below).
//
// The measured phase draws each operation from the mix:
//
//	place       StartPlacement for a child with no placement, or EndPlacement
//	            for a placed one (each child alternates)
//	move        ChangePlacement of a placed child (U4, U6 or K2, providers PR1/PR4)
//	contact     RecordContact for one of the client's care leavers
//	read        GetChild, GetCurrentPlacement, GetCareLeaver in turn
//	indicators  GetIndicators (today's live figures)
//
// Each write on a child is dated one day after the last, so every write
// passes the SSDA903 rules; a child whose dates reach today is replaced
// by a new one (counted as setup).
//
// Closed loop (Rate 0): every client issues its next call when the last
// returns, as fast as the suite answers; latency is the call's own time.
// Open loop (Rate > 0): calls are scheduled at fixed times, Rate writes a
// second (and reads in the mix's proportion), and a call's latency is
// measured from its scheduled time, so a suite that falls behind shows as
// latency instead of being hidden by the clients waiting (coordinated
// omission).
//
// # Write-to-indicator latency
//
// Alongside the bulk load, a prober moves one child of its own, one write
// at a time (ProbeRate a second), between long-term foster care (U4) and
// placed with parents (P1). The bulk mix never places anyone with parents,
// so the numerator of placement_with_parents changes only with the probe.
// The prober follows WatchIndicators for that indicator and records, for
// each probe, the time from ChangePlacement returning OK to the stream
// delivering the numerator the move produces: the whole path from the
// placement service's commit, through its outbox, JetStream and the
// metrics service's consumer, to a watcher.
package load

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// Config configures a run.
type Config struct {
	// gRPC addresses of the four services.
	Caseload, Placement, Careleaver, Metrics string
	// MetricsHTTP are the services' HTTP ports, scraped for outbox depth,
	// consumer lag and memory. Empty: none are read.
	MetricsHTTP []HTTPEndpoint

	// Clients is the number of concurrent clients (default 64).
	Clients int
	// Duration of the measured phase; or Ops, the number of operations it
	// makes. One of them is needed; with both, whichever comes first.
	Duration time.Duration
	Ops      int64
	// Rate is the target writes a second, the whole mix paced to it (open
	// loop); 0 is as fast as the suite answers (closed loop).
	Rate float64
	// Mix weighs the operations (default DefaultMix).
	Mix Mix

	// ChildrenPerClient is each client's own children (default 16).
	ChildrenPerClient int
	// CareLeaversPerClient is each client's own care leavers, for contacts
	// (default 1; none when the mix has no contacts).
	CareLeaversPerClient int
	// ProbeRate is the probe's writes a second (default 10; negative: no
	// probe). ProbeTimeout bounds the wait for the stream (default 30s).
	ProbeRate    float64
	ProbeTimeout time.Duration
	// CallTimeout bounds each call (default 10s).
	CallTimeout time.Duration
	// SampleEvery is how often the memory is sampled (default 250ms).
	SampleEvery time.Duration
	// DrainTimeout bounds the wait, after the load, for the outboxes and
	// consumers to empty (default 30s; negative: do not wait).
	DrainTimeout time.Duration
	// Conns is the number of gRPC connections to each service, shared by
	// the clients in turn (default 4, at most Clients).
	Conns int

	// Prefix starts every id the run creates (default a new random one).
	Prefix string
	// Today is the date the services treat as today (default today,
	// Europe/London); no write is dated after it.
	Today clock.Date
	// CouncilLA is the council's local authority code, for placements
	// inside the boundary (default E08000026, the suite's default).
	CouncilLA string
	// Progress receives a line as each phase starts (nil: none).
	Progress io.Writer
}

func (c *Config) defaults() error {
	if c.Clients == 0 {
		c.Clients = 64
	}
	if c.Mix == (Mix{}) {
		c.Mix = MustParseMix(DefaultMix)
	}
	if c.ChildrenPerClient == 0 {
		c.ChildrenPerClient = 16
	}
	if c.CareLeaversPerClient == 0 {
		c.CareLeaversPerClient = 1
	}
	if c.Mix[OpContact] == 0 {
		c.CareLeaversPerClient = 0
	}
	if c.ProbeRate == 0 {
		c.ProbeRate = 10
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = 30 * time.Second
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 10 * time.Second
	}
	if c.SampleEvery == 0 {
		c.SampleEvery = 250 * time.Millisecond
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = 30 * time.Second
	}
	if c.Conns == 0 {
		c.Conns = 4
	}
	c.Conns = min(c.Conns, c.Clients)
	if c.Prefix == "" {
		c.Prefix = newPrefix()
	}
	if c.Today.IsZero() {
		c.Today = clock.Today(clock.System)
	}
	if c.CouncilLA == "" {
		c.CouncilLA = "E08000026"
	}
	switch {
	case c.Clients < 0:
		return errors.New("clients must be 1 or more")
	case c.Duration <= 0 && c.Ops <= 0:
		return errors.New("give a duration or a number of operations")
	case c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return errors.New("rate must be 0 (as fast as possible) or more")
	case c.ChildrenPerClient < 1:
		return errors.New("children per client must be 1 or more")
	case c.CareLeaversPerClient < 0:
		return errors.New("care leavers per client must be 0 or more")
	case c.Caseload == "" || c.Placement == "" || c.Careleaver == "" || c.Metrics == "":
		return errors.New("the four services' gRPC addresses are needed")
	}
	return nil
}

// newPrefix is a run-unique id prefix: "ld", the time in base 36 and four
// random letters.
func newPrefix() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := make([]byte, len(b))
	for i, x := range b {
		suffix[i] = letters[int(x)%len(letters)]
	}
	return "ld" + strings.ToLower(fmt.Sprintf("%x", time.Now().Unix())) + string(suffix)
}

// clients are the gRPC stubs of one connection to each service.
type clients struct {
	caseload   caseloadv1.CaseloadServiceClient
	placement  placementv1.PlacementServiceClient
	careleaver careleaverv1.CareLeaverServiceClient
	metrics    metricsv1.MetricsServiceClient
}

type conns struct {
	all []*grpc.ClientConn
	set []clients
}

func dial(cfg *Config) (*conns, error) {
	c := &conns{}
	open := func(addr string) (*grpc.ClientConn, error) {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, fmt.Errorf("address %q: %w", addr, err)
		}
		c.all = append(c.all, cc)
		return cc, nil
	}
	for range cfg.Conns {
		var cl clients
		cc, err := open(cfg.Caseload)
		if err != nil {
			c.close()
			return nil, err
		}
		cl.caseload = caseloadv1.NewCaseloadServiceClient(cc)
		if cc, err = open(cfg.Placement); err != nil {
			c.close()
			return nil, err
		}
		cl.placement = placementv1.NewPlacementServiceClient(cc)
		if cc, err = open(cfg.Careleaver); err != nil {
			c.close()
			return nil, err
		}
		cl.careleaver = careleaverv1.NewCareLeaverServiceClient(cc)
		if cc, err = open(cfg.Metrics); err != nil {
			c.close()
			return nil, err
		}
		cl.metrics = metricsv1.NewMetricsServiceClient(cc)
		c.set = append(c.set, cl)
	}
	return c, nil
}

func (c *conns) close() {
	for _, cc := range c.all {
		_ = cc.Close()
	}
}

// run is one run's shared state.
type run struct {
	cfg   *Config
	conns *conns
	rpcs  [numRPCs]rpcStat
	setup setupStats
	// careStart is the date every load child's period of care starts.
	careStart clock.Date
}

func (r *run) progress(format string, a ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "cpload: "+format+"\n", a...)
	}
}

// Run prepares the load, runs it, waits for the pipeline to drain and
// returns the figures. Setup failing (a service down, a write refused) is
// an error; a call failing in the measured phase is counted in the report.
// Cancelling ctx stops the measured phase early; the report covers what
// ran.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	cs, err := dial(&cfg)
	if err != nil {
		return nil, err
	}
	defer cs.close()
	r := &run{cfg: &cfg, conns: cs, careStart: cfg.Today.AddYears(-5)}
	res := &Result{
		Started: time.Now().UTC(), Prefix: cfg.Prefix, Clients: cfg.Clients, Mix: cfg.Mix.String(),
		Rate: cfg.Rate, Ops: cfg.Ops, ProbeRate: max(cfg.ProbeRate, 0), Today: cfg.Today.String(),
		Host: hostInfo(),
	}
	if cfg.Duration > 0 {
		res.Duration = cfg.Duration.String()
	}

	// A load still draining (an earlier run's) would upset the figures:
	// wait for it first.
	sc := newScraper()
	if len(cfg.MetricsHTTP) > 0 && cfg.DrainTimeout > 0 {
		if got, errs := sc.scrapeAll(ctx, cfg.MetricsHTTP); len(errs) == 0 && !drained(got) {
			r.progress("waiting up to %s for the outboxes and consumers to empty before starting", cfg.DrainTimeout)
			if _, ok := waitDrained(ctx, sc, cfg.MetricsHTTP, time.Now().Add(cfg.DrainTimeout)); !ok {
				res.Notes = append(res.Notes, "the outboxes and consumers were not empty when the load started")
			}
		}
	}

	// Memory: one sample now (idle), then every SampleEvery until the end.
	mem := newMemWatch()
	var scrapeErrs map[string]error
	if len(cfg.MetricsHTTP) > 0 {
		var got map[string]sample
		got, scrapeErrs = sc.scrapeAll(ctx, cfg.MetricsHTTP)
		mem.add(got)
		for _, svc := range sortedKeys(scrapeErrs) {
			res.Notes = append(res.Notes, fmt.Sprintf("%s /metrics not read: %v", svc, scrapeErrs[svc]))
		}
	}
	sctx, stopSampling := context.WithCancel(ctx)
	var sampling sync.WaitGroup
	if len(cfg.MetricsHTTP) > 0 {
		sampling.Go(func() { sc.sampleEvery(sctx, cfg.MetricsHTTP, cfg.SampleEvery, mem) })
	}
	defer func() {
		stopSampling()
		sampling.Wait()
	}()

	// Setup.
	setupStart := time.Now()
	r.progress("setup: %d clients × %d children, %d care leavers each (run %s)", cfg.Clients, cfg.ChildrenPerClient, cfg.CareLeaversPerClient, cfg.Prefix)
	var pr *prober
	if cfg.ProbeRate > 0 {
		if pr, err = r.newProber(ctx); err != nil {
			return nil, fmt.Errorf("setup of the probe: %w", err)
		}
		defer pr.stopWatch()
	}
	workers := make([]*worker, cfg.Clients)
	var setupErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range workers {
		w := r.newWorker(i)
		workers[i] = w
		wg.Go(func() {
			if err := w.setup(ctx); err != nil {
				mu.Lock()
				setupErr = errors.Join(setupErr, fmt.Errorf("client %d: %w", w.id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if setupErr != nil {
		return nil, fmt.Errorf("setup: %w", setupErr)
	}
	if err := r.awaitCareLeavers(ctx, workers); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	res.Setup = SetupFigures{
		Children: cfg.Clients * cfg.ChildrenPerClient, CareLeavers: cfg.Clients * cfg.CareLeaversPerClient,
		Writes: r.setup.writes.Load(), Reads: r.setup.reads.Load(), Seconds: time.Since(setupStart).Seconds(),
	}
	if pr != nil {
		res.Setup.ProbeChildren = 1
	}
	r.progress("setup done in %.1fs: %d writes", res.Setup.Seconds, res.Setup.Writes)

	// The measured phase.
	sched := newSchedule(&cfg)
	how := "as fast as the suite answers (closed loop)"
	if cfg.Rate > 0 {
		how = fmt.Sprintf("paced at %.0f writes/s (open loop)", cfg.Rate)
	}
	r.progress("load: %s, %s", describeLength(&cfg), how)
	setupWritesBefore := r.setup.writes.Load()
	cpuBefore, cpuOK := cpuTime()
	var probing sync.WaitGroup
	pctx, stopProbe := context.WithCancel(ctx)
	if pr != nil {
		probing.Go(func() { pr.run(pctx) })
	}
	for _, w := range workers {
		wg.Go(func() { w.run(ctx, sched) })
	}
	wg.Wait()
	loadEnd := time.Now()
	elapsed := loadEnd.Sub(sched.start)
	if cpuAfter, ok := cpuTime(); ok && cpuOK {
		v := (cpuAfter - cpuBefore).Seconds()
		res.Host.LoadCPUSeconds = &v
	}
	r.progress("load done in %.1fs", elapsed.Seconds())
	// The pipeline as the load stopped (read while the probe finishes).
	dctx := context.WithoutCancel(ctx)
	var got map[string]sample
	if len(cfg.MetricsHTTP) > 0 {
		got, _ = sc.scrapeAll(dctx, cfg.MetricsHTTP)
		res.Outbox, res.ConsumerLag = pipeline(got)
	}
	// How long after the load the outboxes and consumers were empty,
	// watched while the probe finishes.
	var draining sync.WaitGroup
	if len(cfg.MetricsHTTP) > 0 {
		if drained(got) {
			zero := 0.0
			res.DrainSeconds = &zero
		} else if cfg.DrainTimeout > 0 {
			r.progress("waiting up to %s for the outboxes and consumers to empty", cfg.DrainTimeout)
			draining.Go(func() {
				if d, ok := waitDrained(dctx, sc, cfg.MetricsHTTP, loadEnd.Add(cfg.DrainTimeout)); ok {
					s := d.Sub(loadEnd).Seconds()
					res.DrainSeconds = &s
				} else {
					mu.Lock()
					res.Notes = append(res.Notes, fmt.Sprintf("the outboxes and consumers had not emptied %s after the load", cfg.DrainTimeout))
					mu.Unlock()
				}
			})
		}
	}
	stopProbe()
	if pr != nil && pr.outstanding() {
		r.progress("waiting up to %s for the last probe to show on the indicator stream", cfg.ProbeTimeout)
	}
	probing.Wait()
	draining.Wait()
	res.Elapsed = elapsed.Seconds()
	res.Setup.DuringRun = r.setup.writes.Load() - setupWritesBefore
	if ctx.Err() != nil {
		res.Notes = append(res.Notes, "interrupted: the figures cover the part that ran")
	}
	if cfg.Rate > 0 && cfg.Duration > 0 && elapsed > cfg.Duration+cfg.Duration/10 {
		res.Notes = append(res.Notes, fmt.Sprintf("the suite fell behind the schedule: %s of paced operations took %.1fs to make, so ok/s is what it managed, not the target", cfg.Duration, elapsed.Seconds()))
	}

	for i := range r.rpcs {
		s := r.rpcs[i].report(rpcInfo[i].name, rpcInfo[i].write, elapsed)
		res.RPCs = append(res.RPCs, s)
		t := &res.Reads
		if s.Write {
			t = &res.Writes
		}
		t.Calls += s.Calls
		t.OK += s.OK
		t.Errors += s.Errors
	}
	res.Writes.PerSecond = float64(res.Writes.OK) / elapsed.Seconds()
	res.Reads.PerSecond = float64(res.Reads.OK) / elapsed.Seconds()
	if pr != nil {
		res.Probe = pr.report(elapsed)
	}

	if len(cfg.MetricsHTTP) > 0 {
		// One last memory sample, then the processes.
		got, _ = sc.scrapeAll(dctx, cfg.MetricsHTTP)
		mem.add(got)
	}
	stopSampling()
	sampling.Wait()
	res.Memory = mem.processes(cfg.MetricsHTTP)
	res.Host.LoadAvgEnd = loadAvg()
	return res, nil
}

func describeLength(cfg *Config) string {
	switch {
	case cfg.Duration > 0 && cfg.Ops > 0:
		return fmt.Sprintf("%s or %d operations", cfg.Duration, cfg.Ops)
	case cfg.Duration > 0:
		return cfg.Duration.String()
	}
	return fmt.Sprintf("%d operations", cfg.Ops)
}

// schedule hands out the measured phase's operations: in a closed loop
// just a count, in an open loop each operation's scheduled time.
type schedule struct {
	start    time.Time
	end      time.Time // zero: no time limit
	ops      int64     // 0: no count limit
	perOp    float64   // open loop: nanoseconds between operations; 0 closed loop
	issued   atomic.Int64
	stopping atomic.Bool
}

func newSchedule(cfg *Config) *schedule {
	s := &schedule{start: time.Now(), ops: cfg.Ops}
	if cfg.Duration > 0 {
		s.end = s.start.Add(cfg.Duration)
	}
	if cfg.Rate > 0 {
		opsPerSec := cfg.Rate
		if share := cfg.Mix.WriteShare(); share > 0 {
			opsPerSec = cfg.Rate / share
		}
		s.perOp = float64(time.Second) / opsPerSec
	}
	return s
}

// next returns the next operation's scheduled time (zero in a closed
// loop), or false when the phase is over.
func (s *schedule) next() (time.Time, bool) {
	if s.stopping.Load() {
		return time.Time{}, false
	}
	k := s.issued.Add(1) - 1
	if s.ops > 0 && k >= s.ops {
		return time.Time{}, false
	}
	if s.perOp > 0 {
		t := s.start.Add(time.Duration(float64(k) * s.perOp))
		if !s.end.IsZero() && !t.Before(s.end) {
			return time.Time{}, false
		}
		return t, true
	}
	if !s.end.IsZero() && !time.Now().Before(s.end) {
		return time.Time{}, false
	}
	return time.Time{}, true
}

func pipeline(got map[string]sample) (outbox []Gauge, lag []Gauge) {
	for _, svc := range sortedKeys(got) {
		s := got[svc]
		for _, k := range sortedKeys(s.Outbox) {
			outbox = append(outbox, Gauge{Service: svc, Name: k, Value: s.Outbox[k]})
		}
		for _, k := range sortedKeys(s.Lag) {
			lag = append(lag, Gauge{Service: svc, Name: k, Value: s.Lag[k]})
		}
	}
	return outbox, lag
}

// waitDrained polls until every outbox and consumer is empty, returning
// when it saw them so, or false at the deadline.
func waitDrained(ctx context.Context, sc *scraper, eps []HTTPEndpoint, deadline time.Time) (time.Time, bool) {
	for {
		got, errs := sc.scrapeAll(ctx, eps)
		if len(errs) == 0 && drained(got) {
			return time.Now(), true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Time{}, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func drained(got map[string]sample) bool {
	for _, s := range got {
		for _, v := range s.Outbox {
			if v != 0 {
				return false
			}
		}
		for _, v := range s.Lag {
			if v != 0 {
				return false
			}
		}
	}
	return true
}

func hostInfo() Host {
	h := Host{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), LoadAvgStart: loadAvg()}
	h.Hostname, _ = os.Hostname()
	return h
}

// loadAvg is the 1-minute load average (Linux), or nil.
func loadAvg() *float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	var v float64
	if _, err := fmt.Sscan(string(b), &v); err != nil {
		return nil
	}
	return &v
}

// newRand is a client's random source.
func newRand(i int) *mrand.Rand {
	var seed [16]byte
	_, _ = rand.Read(seed[:])
	return mrand.New(mrand.NewPCG(uint64(i)^leUint64(seed[:8]), leUint64(seed[8:])))
}

func leUint64(b []byte) uint64 {
	var v uint64
	for i := range 8 {
		v |= uint64(b[i]) << (8 * i)
	}
	return v
}
