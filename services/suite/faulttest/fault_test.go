package faulttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/suite/procs"
)

// SeedEnv overrides the RNG seed that picks the kill moments and the load.
const SeedEnv = "CP_FAULT_SEED"

// Size of the fault test: small enough for CI (-race, 2 cores, a few
// minutes for the package), big enough that every kill lands among writes.
const (
	killWorkers  = 6
	killPause    = 10 * time.Millisecond
	killLeavers  = 8
	killSettle   = 2 * time.Second // load after the last restart
	minOKWrites  = 100
	convergeWait = 90 * time.Second

	outage         = 30 * time.Second
	outageWorkers  = 4
	outagePause    = 60 * time.Millisecond
	outageLeavers  = 4
	outageBucket   = 3 * time.Second // every such slice of the outage must hold OK writes
	convergeWithin = 5 * time.Second
)

func faultSeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv(SeedEnv); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", SeedEnv, s, err)
		}
		t.Logf("seed %d (from %s)", n, SeedEnv)
		return n
	}
	n := uint64(time.Now().UnixNano())
	t.Logf("seed %d (replay the same kill moments and load with %s=%d)", n, SeedEnv, n)
	return n
}

// awaitConvergence waits until the metrics' figures equal the ledger's and
// Reconcile (a recount from the source services) finds no difference. It
// reports whether they did within the time given, and how long it took.
func awaitConvergence(t *testing.T, c clients, l *ledger, within time.Duration) (time.Duration, bool) {
	t.Helper()
	ctx := context.Background()
	want := l.expected()
	t.Logf("the ledger expects %v", want)
	start := time.Now()
	for time.Since(start) < within {
		if indicatorsMatch(ctx, c.mx, want) == nil && reconcile(ctx, c.mx) == nil {
			return time.Since(start), true
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("not converged within %v:\n  metrics against the ledger of OK writes: %v\n  reconciliation against the source services: %v",
		within, indicatorsMatch(ctx, c.mx, want), reconcile(ctx, c.mx))
	return time.Since(start), false
}

func logRSS(t *testing.T, s *procs.Suite) {
	t.Helper()
	var parts []string
	for _, p := range s.Procs() {
		rss, err := p.RSS()
		if err != nil {
			parts = append(parts, fmt.Sprintf("%s: %v", p.Name(), err))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s pid %d %.1f MiB", p.Name(), p.PID(), float64(rss)/(1<<20)))
	}
	t.Logf("resident memory: %s", strings.Join(parts, ", "))
}

func noUnexpectedExit(t *testing.T, s *procs.Suite) {
	t.Helper()
	for {
		select {
		case err := <-s.Unexpected():
			t.Errorf("a process died on its own: %v", err)
		default:
			return
		}
	}
}

// kill -9 each service and then nats-server, in turn, under load, at
// moments drawn from the seeded RNG, restarting each: afterwards every
// write that returned OK is in its service, every event was counted
// exactly once, and clients saw no error but Unavailable.
func TestKillEachProcessUnderLoad(t *testing.T) {
	seed := faultSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	s := procs.StartForTest(t, procs.Config{})
	c := dialAll(t, s)
	l := &ledger{}
	ld := &load{c: c, l: l, today: clock.Today(clock.System), tag: "FK", workers: killWorkers, pause: killPause, seed: seed}
	setup := time.Now()
	ld.setupLeavers(t, killLeavers)
	t.Logf("%d care leavers made in %v", killLeavers, time.Since(setup).Round(time.Millisecond))

	ctx := context.Background()
	stop, done := make(chan struct{}), make(chan struct{})
	began := time.Now()
	go func() { ld.run(ctx, stop); close(done) }()
	for _, name := range append(append([]string{}, procs.Services...), procs.NATSServer) {
		time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
		okBefore, _ := l.summary()
		pid := s.Proc(name).PID()
		at := time.Since(began)
		if err := s.Kill(name); err != nil {
			t.Fatal(err)
		}
		down := time.Duration(200+rng.IntN(1300)) * time.Millisecond
		time.Sleep(down)
		restart := time.Now()
		if err := s.StartProc(ctx, name); err != nil {
			close(stop)
			t.Fatal(err)
		}
		t.Logf("+%v kill -9 %s (pid %d, %d OK writes so far), down %v, restarted as pid %d, ready in %v",
			at.Round(time.Millisecond), name, pid, okBefore, down, s.Proc(name).PID(), time.Since(restart).Round(time.Millisecond))
	}
	time.Sleep(killSettle)
	close(stop)
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatal("writers did not finish within 3 minutes of being stopped")
	}
	ok, counts := l.summary()
	t.Logf("load ran %v: %d OK writes; outcomes: %s", time.Since(began).Round(time.Millisecond), ok, counts)
	if ok < minOKWrites {
		t.Errorf("only %d OK writes; the load is too thin to test anything (want at least %d)", ok, minOKWrites)
	}
	noUnexpectedExit(t, s)
	for _, e := range l.unexpected() {
		t.Errorf("a client saw an error other than Unavailable: %s", e)
	}
	if bad := l.verifyWrites(ctx, c); len(bad) > 0 {
		t.Errorf("%d OK writes not found as written:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	if took, ok := awaitConvergence(t, c, l, convergeWait); ok {
		t.Logf("metrics matched the ledger and reconciliation found no difference %v after the load stopped", took.Round(time.Millisecond))
	}
	logRSS(t, s)
}

// nats-server down for 30 seconds under load: every write still succeeds
// (the outbox holds the events), and the metrics totals reach the ledger's
// within 5 seconds of NATS returning.
func TestNATSOutageUnderLoad(t *testing.T) {
	seed := faultSeed(t)
	s := procs.StartForTest(t, procs.Config{})
	c := dialAll(t, s)
	l := &ledger{}
	ld := &load{c: c, l: l, today: clock.Today(clock.System), tag: "FO", workers: outageWorkers, pause: outagePause, seed: seed}
	ld.setupLeavers(t, outageLeavers)

	ctx := context.Background()
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { ld.run(ctx, stop); close(done) }()
	time.Sleep(2 * time.Second)
	if err := s.Kill(procs.NATSServer); err != nil {
		t.Fatal(err)
	}
	down := time.Now()
	time.Sleep(outage)
	close(stop)
	<-done
	back := time.Now()

	during := l.between(down, back)
	okDuring := 0
	buckets := make([]int, int((back.Sub(down)+outageBucket-1)/outageBucket))
	for _, e := range during {
		if e.code != codes.OK {
			t.Errorf("a write failed while NATS was down: %s at +%v: %s", e.op, e.at.Sub(down).Round(time.Millisecond), e.err)
			continue
		}
		okDuring++
		buckets[int(e.at.Sub(down)/outageBucket)]++
	}
	for i, n := range buckets {
		if n == 0 && time.Duration(i+1)*outageBucket <= back.Sub(down) {
			t.Errorf("no write returned OK between +%v and +%v of the NATS outage", time.Duration(i)*outageBucket, time.Duration(i+1)*outageBucket)
		}
	}
	ok, counts := l.summary()
	t.Logf("NATS down %v: %d writes returned OK during the outage (per %v: %v); %d in all; outcomes: %s",
		back.Sub(down).Round(time.Millisecond), okDuring, outageBucket, buckets, ok, counts)
	want := l.expected()
	if err := indicatorsMatch(ctx, c.mx, want); err == nil {
		t.Errorf("the metrics already match the ledger with NATS down: the outage was not under load")
	} else {
		t.Logf("with NATS down the metrics lag the ledger: %v", err)
	}
	if okDuring == 0 {
		t.Fatal("no write succeeded during the outage")
	}

	restart := time.Now()
	if err := s.StartProc(ctx, procs.NATSServer); err != nil {
		t.Fatal(err)
	}
	ready := time.Now()
	var last error
	for {
		if last = indicatorsMatch(ctx, c.mx, want); last == nil || time.Since(ready) > 60*time.Second {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	took := time.Since(ready)
	if last != nil {
		t.Fatalf("the totals did not converge within 60s of NATS returning: %v", last)
	}
	t.Logf("NATS restarted and ready (JetStream /healthz) in %v; the totals equalled the ledger's %v after that (%d writes' events were waiting in the outboxes)",
		ready.Sub(restart).Round(time.Millisecond), took.Round(time.Millisecond), okDuring)
	if took > convergeWithin {
		t.Errorf("the totals took %v to converge after NATS returned; the issue asks for %v", took.Round(time.Millisecond), convergeWithin)
	}
	if err := reconcile(ctx, c.mx); err != nil {
		t.Errorf("after the outage: %v", err)
	}
	noUnexpectedExit(t, s)
	for _, e := range l.unexpected() {
		t.Errorf("a client saw an error other than Unavailable: %s", e)
	}
	if bad := l.verifyWrites(ctx, c); len(bad) > 0 {
		t.Errorf("%d OK writes not found as written:\n  %s", len(bad), strings.Join(bad, "\n  "))
	}
	logRSS(t, s)
}
