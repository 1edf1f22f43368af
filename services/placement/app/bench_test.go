package app_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

// benchChildren is how many children the benchmark moves between
// placements: enough that 64 callers never wait on one another's child,
// and that each child's history stays a realistic length.
const benchChildren = 1024

// benchCallers is the number of concurrent callers.
const benchCallers = 64

// benchChild is a child the benchmark moves: one caller at a time.
type benchChild struct {
	id   string
	next clock.Date // the next change date
	n    int
}

// BenchmarkPlacement measures the placement service as deployed (with the
// binaries' garbage-collector target, service.TuneGC): real gRPC
// on loopback, the real caseload service answering every write's care check
// (GetCareHistory), bbolt group commit with fsync, the outbox relay
// publishing to an in-process JetStream, in the two durability set-ups
// (natsembed's package doc):
//
//	embedded: the all-in-one suite's; the server fsyncs every second and the
//	relay retains published rows for 10 s.
//	sync-always: what a separate NATS server (the cluster, -processes) runs;
//	every message fsynced before its acknowledgement.
//
// Each reports:
//
//	writes-64: ChangePlacement from 64 concurrent callers, as fast as it
//	goes; reports placements/s and the process's CPU time per placement.
//	relay-lag-1000/s: ChangePlacement paced at 1,000 a second; reports the
//	outbox-to-stream lag (the stream's store time minus the outbox row's
//	creation time) at p50 and p99, in ms.
func BenchmarkPlacement(b *testing.B) {
	service.TuneGC() // the binaries' garbage-collector target
	b.Run("embedded", func(b *testing.B) {
		ns := natsembed.StartForTestWith(b, natsembed.Options{SyncInterval: natsembed.EmbeddedSyncInterval})
		benchPlacement(b, ns, natsembed.EmbeddedRetain)
	})
	b.Run("sync-always", func(b *testing.B) {
		benchPlacement(b, testenv.StartNATS(b), 0)
	})
}

func benchPlacement(b *testing.B, ns *natsembed.Server, retain time.Duration) {
	clk := testenv.Clock()
	cl := testenv.StartCaseload(b, ns, clk)
	pl := startAppRetaining(b, b.TempDir(), ns.ClientURL(), cl.Addr, clk, retain)

	// Each child is looked after from 2020-04-01 and placed that day; each
	// write moves one child on by a day, alternating between a foster
	// placement and a children's home.
	pool := make(chan *benchChild, benchChildren)
	var setup sync.WaitGroup
	sem := make(chan struct{}, benchCallers)
	for i := range benchChildren {
		setup.Add(1)
		sem <- struct{}{}
		go func() {
			defer setup.Done()
			defer func() { <-sem }()
			id := cl.Child(b, testenv.ChildSpec{DOB: "2015-01-01", CareStart: "2020-04-01"})
			if _, err := pl.api.StartPlacement(callCtx(b), &placementv1.StartPlacementRequest{
				RequestId: "bench-start-" + id, ChildId: id, StartDate: "2020-04-01", Details: benchDetails(i),
			}); err != nil {
				b.Error(err)
				return
			}
			pool <- &benchChild{id: id, next: clock.MustParseDate("2020-04-02"), n: i}
		}()
	}
	setup.Wait()
	if b.Failed() {
		b.FailNow()
	}

	var written atomic.Int64 // accepted writes, one event each
	written.Add(benchChildren)
	move := func(ctx context.Context, c *benchChild) error {
		c.n++
		_, err := pl.api.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{
			RequestId: fmt.Sprintf("bench-%s-%d", c.id, c.n), ChildId: c.id, ChangeDate: c.next.String(),
			ReasonForChange: "CARPL", Details: benchDetails(c.n),
		})
		c.next = c.next.AddDays(1)
		if err == nil {
			written.Add(1)
		}
		return err
	}

	b.Run("writes-64", func(b *testing.B) {
		b.SetParallelism((benchCallers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		ctx := context.Background()
		cpu0 := processCPU(b)
		b.ResetTimer()
		b.RunParallel(func(p *testing.PB) {
			for p.Next() {
				c := <-pool
				err := move(ctx, c)
				pool <- c
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
		// CPU time of the whole process (callers, placement, caseload,
		// NATS) per placement: less noisy than the rate on a shared
		// machine, and what a change must lower where the cores are busy.
		b.ReportMetric(float64(processCPU(b)-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/placement")
	})

	b.Run("relay-lag-1000/s", func(b *testing.B) {
		const rate = 1000
		// Start from an empty outbox: the writes above may have left a
		// backlog, whose age is not the lag at 1,000 a second.
		drain(b, ns.ClientURL(), written.Load())
		lags, err := watchLag(b, ns.ClientURL(), b.N)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		work := make(chan struct{}, benchCallers)
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range benchCallers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					c := <-pool
					if err := move(ctx, c); err != nil {
						failed.Add(1)
					}
					pool <- c
				}
			}()
		}
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			if d := time.Until(start.Add(time.Duration(i) * time.Second / rate)); d > 0 {
				time.Sleep(d) // pacing the load generator, not waiting for a result
			}
			work <- struct{}{}
		}
		close(work)
		wg.Wait()
		sent := time.Since(start)
		got := lags.wait(b)
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d writes failed", n)
		}
		slices.Sort(got)
		b.ReportMetric(float64(b.N)/sent.Seconds(), "placements/s")
		b.ReportMetric(ms(percentile(got, 50)), "lag-p50-ms")
		b.ReportMetric(ms(percentile(got, 99)), "lag-p99-ms")
		b.ReportMetric(ms(got[len(got)-1]), "lag-max-ms")
	})
}

// processCPU is the user and system CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchDetails(i int) *placementv1.PlacementDetails {
	if i%2 == 0 {
		return &placementv1.PlacementDetails{PlacementType: "U6", Provider: "PR4", Urn: "SC000001", CarerId: "carer-a", PlacementLocalAuthority: "E08000026"}
	}
	return &placementv1.PlacementDetails{PlacementType: "K2", Provider: "PR4", Urn: "SC000002", CarerId: "home-b", PlacementLocalAuthority: "E09000001"}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)]
}

// lagWatch collects, for new events on the PLACEMENT stream, the time from
// the outbox row's creation (the Cp-Event-Created header) to the stream
// storing the message (its metadata timestamp).
type lagWatch struct {
	mu   sync.Mutex
	lags []time.Duration
	want int
	done chan struct{}
	stop func()
}

func watchLag(b *testing.B, url string, want int) (*lagWatch, error) {
	nc, err := nats.Connect(url)
	if err != nil {
		return nil, err
	}
	b.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.StreamPlacement, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		return nil, err
	}
	w := &lagWatch{want: want, done: make(chan struct{})}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		created, err := time.Parse(time.RFC3339Nano, m.Headers().Get(events.HeaderCreated))
		if err != nil {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.lags) < w.want {
			w.lags = append(w.lags, md.Timestamp.Sub(created))
			if len(w.lags) == w.want {
				close(w.done)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	w.stop = cc.Stop
	return w, nil
}

func (w *lagWatch) wait(b *testing.B) []time.Duration {
	defer w.stop()
	select {
	case <-w.done:
	case <-time.After(time.Minute):
		b.Fatalf("only %d of %d events reached the stream", len(w.lags), w.want)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.lags)
}

// drain waits until the PLACEMENT stream holds n events.
func drain(b *testing.B, url string, n int64) {
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	testutil.CheckFor(b, 2*time.Minute, 20*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := js.Stream(ctx, events.StreamPlacement)
		if err != nil {
			return err
		}
		info, err := st.Info(ctx)
		if err != nil {
			return err
		}
		if got := int64(info.State.Msgs); got != n {
			return fmt.Errorf("stream holds %d events, want %d", got, n)
		}
		return nil
	})
}
