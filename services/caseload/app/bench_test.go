package app_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

// BenchmarkDurableWrites measures the service end to end over gRPC on
// loopback, with the relay publishing every event to a real in-process
// JetStream (sync_interval always) meanwhile. 64 concurrent callers each
// register a child and allocate it to a worker, alternately: b.N writes in
// all, every one fsynced with its outbox row and request_id before it
// returns. Readers call GetChild on children already written, paced at
// 1,000 calls/s in all, and their latency is reported as p50/p95/p99.
//
//   - max: the callers write as fast as they can (closed loop): the
//     durable writes/s the service sustains.
//
//   - rate=3000: the callers are paced to 3,000 writes/s in all: GetChild
//     latency at that load.
//
//   - nats=down: as max, with NATS stopped once the readers' children are
//     written: the write path alone (events wait in the outbox). With the
//     embedded JetStream on the same disk, its fsync per message
//     (sync_interval always) competes with the service's own commits.
//
//     go test -run '^$' -bench DurableWrites -benchtime 20000x ./app/
func BenchmarkDurableWrites(b *testing.B) {
	b.Run("max", func(b *testing.B) { benchWrites(b, 64, 0, false) })
	b.Run("rate3000", func(b *testing.B) { benchWrites(b, 64, 3000, false) })
	b.Run("max-natsdown", func(b *testing.B) { benchWrites(b, 64, 0, true) })
	b.Run("rate3000-natsdown", func(b *testing.B) { benchWrites(b, 64, 3000, true) })
}

func benchWrites(b *testing.B, writers, rate int, natsDown bool) {
	const readers, readEvery = 4, 4 * time.Millisecond // 1,000 GetChild/s
	h := newHarness(b)
	// Writers share four connections; readers have their own, as another
	// service calling GetChild would.
	conns := make([]caseloadv1.CaseloadServiceClient, 4+readers)
	for i := range conns {
		cc, err := grpc.NewClient(h.app.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = cc.Close() })
		conns[i] = caseloadv1.NewCaseloadServiceClient(cc)
	}

	// Children for the readers to read from the start.
	var mu sync.Mutex
	var known []string
	for i := range 256 {
		known = append(known, h.register(fmt.Sprintf("SEED-%d", i), "Seed", "Child", "2012-03-04"))
	}

	if natsDown {
		h.waitEvents(h.writes)
		h.nats.Shutdown()
	}

	// tokens paces the writers when rate > 0.
	stop := make(chan struct{})
	var tokens chan struct{}
	if rate > 0 {
		tokens = make(chan struct{}, writers)
		go func() {
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			start, sent := time.Now(), 0
			for {
				select {
				case <-stop:
					return
				case now := <-t.C:
					due := int(now.Sub(start).Seconds() * float64(rate))
					for ; sent < due; sent++ {
						select {
						case tokens <- struct{}{}:
						case <-stop:
							return
						}
					}
				}
			}
		}()
	}

	var next atomic.Int64
	var failed atomic.Value
	writeLat := make([][]time.Duration, writers)
	readLat := make([][]time.Duration, readers)
	var rwg sync.WaitGroup
	for r := range readers {
		rwg.Go(func() {
			c := conns[4+r]
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			tick := time.NewTicker(readEvery)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				mu.Lock()
				id := known[rng.IntN(len(known))]
				mu.Unlock()
				t0 := time.Now()
				if _, err := c.GetChild(h.ctx(), &caseloadv1.GetChildRequest{ChildId: id}); err != nil {
					failed.Store(err)
					return
				}
				readLat[r] = append(readLat[r], time.Since(t0))
			}
		})
	}

	b.ResetTimer()
	start := time.Now()
	var wwg sync.WaitGroup
	for w := range writers {
		wwg.Go(func() {
			c := conns[w%4]
			child := ""
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if tokens != nil {
					<-tokens
				}
				t0 := time.Now()
				var err error
				if child == "" {
					var resp *caseloadv1.RegisterChildResponse
					resp, err = c.RegisterChild(h.ctx(), &caseloadv1.RegisterChildRequest{RequestId: fmt.Sprintf("bench-%d", n),
						LaChildId: fmt.Sprintf("BENCH-%d", n), GivenName: "Bench", FamilyName: "Mark",
						DateOfBirth: "2013-05-06", Sex: "M", Ethnicity: "WBRI"})
					child = resp.GetChild().GetChildId()
				} else {
					_, err = c.AllocateWorker(h.ctx(), &caseloadv1.AllocateWorkerRequest{RequestId: fmt.Sprintf("bench-%d", n),
						ChildId: child, WorkerId: fmt.Sprintf("SW-%d", w), TeamId: "T-BENCH", StartDate: "2026-06-01"})
					mu.Lock()
					known = append(known, child)
					mu.Unlock()
					child = ""
				}
				if err != nil {
					failed.Store(err)
					return
				}
				writeLat[w] = append(writeLat[w], time.Since(t0))
			}
		})
	}
	wwg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(stop)
	rwg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}

	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "writes/s")
	w := percentiles(slices.Concat(writeLat...))
	r := percentiles(slices.Concat(readLat...))
	b.ReportMetric(ms(w[0]), "write-p50-ms")
	b.ReportMetric(ms(w[2]), "write-p99-ms")
	b.ReportMetric(ms(r[0]), "getchild-p50-ms")
	b.ReportMetric(ms(r[1]), "getchild-p95-ms")
	b.ReportMetric(ms(r[2]), "getchild-p99-ms")
}

// percentiles returns p50, p95 and p99.
func percentiles(d []time.Duration) [3]time.Duration {
	if len(d) == 0 {
		return [3]time.Duration{}
	}
	slices.Sort(d)
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return [3]time.Duration{at(0.50), at(0.95), at(0.99)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
