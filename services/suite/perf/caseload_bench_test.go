package perf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/services/suite/procs"
)

// benchDuration is how long each paced measurement runs.
const benchDuration = 8 * time.Second

// The writer process: this test binary run again with these variables set
// (TestMain), so the write load's client side is not in the process that
// measures the reads.
const (
	envWriterAddr = "CP_PERF_WRITER_ADDR"
	envWriterRate = "CP_PERF_WRITER_RATE"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envWriterAddr); addr != "" {
		rate, err := strconv.Atoi(os.Getenv(envWriterRate))
		if err == nil {
			err = writeLoad(addr, rate)
		}
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// writeLoad is the caseload write mix of the in-process benchmark
// (services/caseload/app BenchmarkDurableWrites): 64 callers on four
// connections, each registering a child and then allocating it to a
// worker, paced to rate writes/s in all. It prints the number of writes
// done so far every 100 ms and returns only on an error.
func writeLoad(addr string, rate int) error {
	const writers = 64
	clients := make([]caseloadv1.CaseloadServiceClient, 4)
	for i := range clients {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		clients[i] = caseloadv1.NewCaseloadServiceClient(cc)
	}
	tokens := make(chan struct{}, writers)
	go func() {
		t := time.NewTicker(time.Millisecond)
		start, sent := time.Now(), 0
		for now := range t.C {
			for due := int(now.Sub(start).Seconds() * float64(rate)); sent < due; sent++ {
				tokens <- struct{}{}
			}
		}
	}()
	var done atomic.Int64
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			fmt.Println(done.Load())
		}
	}()
	errc := make(chan error, writers)
	pid := os.Getpid()
	for w := range writers {
		go func() {
			c, ctx := clients[w%len(clients)], context.Background()
			for n := 0; ; n++ {
				<-tokens
				id := fmt.Sprintf("perf-%d-%d-%d", pid, w, n)
				resp, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: id, LaChildId: id,
					GivenName: "Perf", FamilyName: "Writer", DateOfBirth: "2013-05-06", Sex: "M", Ethnicity: "WBRI"})
				if err != nil {
					errc <- err
					return
				}
				done.Add(1)
				<-tokens
				if _, err := c.AllocateWorker(ctx, &caseloadv1.AllocateWorkerRequest{RequestId: id + "-a",
					ChildId: resp.GetChild().GetChildId(), WorkerId: fmt.Sprintf("SW-%d", w), TeamId: "T-PERF", StartDate: "2026-06-01"}); err != nil {
					errc <- err
					return
				}
				done.Add(1)
			}
		}()
	}
	return <-errc
}

// BenchmarkCaseloadReads measures GetChild as a caller in another process
// sees it while the caseload service, run as deployed (its own process,
// with a separate nats-server fsyncing every message), takes a write load
// from a third process: 64 callers paced to 0, 1,000, 2,000 and 3,000
// writes/s. Four readers each call GetChild every 4 ms (1,000/s in all).
//
// Two controls run at the same time, each from one client every 4 ms:
// the gRPC health check on the caseload process (health-*: the floor for
// any call to that process under this load) and on the care-leaver
// process, which takes no load (idle-*: the floor for any call on this
// machine under this load). When getchild-p99 is close to them, GetChild
// adds nothing to the tail and only a faster or less loaded machine
// lowers it. writes/s is what the writer process achieved.
//
//	go test -run '^$' -bench CaseloadReads -benchtime 1x ./perf/
func BenchmarkCaseloadReads(b *testing.B) {
	s := procs.StartForTest(b, procs.Config{LogLevel: "warn"})
	addr := s.Addr("caseload")
	dial := func(addr string) *grpc.ClientConn {
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = cc.Close() })
		return cc
	}
	const readers = 4
	var cl [readers]caseloadv1.CaseloadServiceClient
	for i := range cl {
		cl[i] = caseloadv1.NewCaseloadServiceClient(dial(addr))
	}
	health := healthpb.NewHealthClient(dial(addr))
	idle := healthpb.NewHealthClient(dial(s.Addr("careleaver")))

	ctx := context.Background()
	var known []string
	for i := range 256 {
		id := fmt.Sprintf("perf-seed-%d", i)
		resp, err := cl[0].RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: id, LaChildId: id,
			GivenName: "Seed", FamilyName: "Child", DateOfBirth: "2012-03-04", Sex: "F", Ethnicity: "WBRI"})
		if err != nil {
			b.Fatal(err)
		}
		known = append(known, resp.GetChild().GetChildId())
	}

	for _, rate := range []int{0, 1000, 2000, 3000} {
		b.Run(fmt.Sprintf("writes=%d", rate), func(b *testing.B) {
			written := startWriter(b, addr, rate)
			time.Sleep(time.Second) // let the writer reach its pace
			before := written()
			lat := newLatencies(readers + 2)
			b.ResetTimer()
			began := time.Now()
			paced(b, readers+2, 4*time.Millisecond, func(r int) error {
				t0 := time.Now()
				var err error
				switch r {
				case readers:
					_, err = health.Check(ctx, &healthpb.HealthCheckRequest{})
				case readers + 1:
					_, err = idle.Check(ctx, &healthpb.HealthCheckRequest{})
				default:
					_, err = cl[r].GetChild(ctx, &caseloadv1.GetChildRequest{ChildId: known[(int(t0.UnixNano())>>10)%len(known)]})
				}
				lat.add(r, time.Since(t0))
				return err
			})
			b.StopTimer()
			b.ReportMetric(float64(written()-before)/time.Since(began).Seconds(), "writes/s")
			lat.report(b, "getchild-", 0, 1, 2, 3)
			lat.report(b, "health-", readers)
			lat.report(b, "idle-", readers+1)
		})
	}
}

// startWriter starts the writer process at rate writes/s (none if 0) and
// returns a function reporting how many writes it has done. The process
// is killed when b ends; if it stops by itself, b fails.
func startWriter(b testing.TB, addr string, rate int) func() int64 {
	var n atomic.Int64
	if rate == 0 {
		return n.Load
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), envWriterAddr+"="+addr, envWriterRate+"="+strconv.Itoa(rate))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var killed atomic.Bool
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if v, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
				n.Store(v)
			}
		}
		_ = cmd.Wait()
		close(exited)
	}()
	b.Cleanup(func() {
		killed.Store(true)
		_ = cmd.Process.Kill()
		<-exited
	})
	go func() {
		<-exited
		if !killed.Load() {
			b.Error("the writer process stopped (its error is above)")
		}
	}()
	return n.Load
}

// latencies collects call latencies per caller without locking: caller r
// appends only to its own slice.
type latencies [][]time.Duration

func newLatencies(callers int) latencies { return make(latencies, callers) }

func (l latencies) add(r int, d time.Duration) { l[r] = append(l[r], d) }

// report reports p50 and p99 in ms over the given callers (all if none),
// each metric named prefix+"p50-ms" and prefix+"p99-ms".
func (l latencies) report(b *testing.B, prefix string, callers ...int) {
	if len(callers) == 0 {
		for r := range l {
			callers = append(callers, r)
		}
	}
	var all []time.Duration
	for _, r := range callers {
		all = append(all, l[r]...)
	}
	if len(all) == 0 {
		b.Errorf("no %scalls were timed", prefix)
		return
	}
	slices.Sort(all)
	at := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
}
