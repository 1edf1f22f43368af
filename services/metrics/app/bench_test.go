package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/ingest"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"github.com/corporate-parenting/suite/services/metrics/internal/server"
)

// Benchmarks (figures in the service's README):
//
//	go test -run '^$' -bench Replay -benchtime 3x ./services/metrics/app/
//	go test -run '^$' -bench GetIndicatorsLive -benchtime 16000x ./services/metrics/app/
//	go test -run '^$' -bench WriteToSubscriber -benchtime 3000x ./services/metrics/app/
//
// Diagnostics: REPLAY_PROFILE=file writes a CPU profile of each replay.

var durables = map[string]string{
	events.StreamCaseload:   ingest.DurableCaseload,
	events.StreamPlacement:  ingest.DurablePlacement,
	events.StreamCareleaver: ingest.DurableCareleaver,
}

func benchConfig(e *env, dir string, clk clock.Clock, batch int) Config {
	return Config{
		Service: service.Config{
			Name: Name, GRPCAddr: "127.0.0.1:0", DataDir: dir, NATSURL: e.ns.ClientURL(), Clock: clk,
			ShutdownTimeout: 2 * time.Second, Logger: slog.New(slog.DiscardHandler),
		},
		ConsumeBatch: batch,
	}
}

func lagZero(ctx context.Context, js jetstream.JetStream) error {
	for stream, durable := range durables {
		lag, err := events.ConsumerLagByName(ctx, js, stream, durable)
		if err != nil {
			return err
		}
		if lag != 0 {
			return fmt.Errorf("%s: %d to go", durable, lag)
		}
	}
	return nil
}

// BenchmarkReplay measures events applied per second by a new metrics
// service replaying the three streams from their start: about 200,000
// events from 20,000 children. The corpus is published once, to a server
// without sync_interval always (the producers' fsync cost is not what is
// measured); each iteration starts a service on an empty data directory
// with its durables deleted, and stops the clock when every durable has
// acknowledged its stream's last message.
func BenchmarkReplay(b *testing.B) {
	for _, batch := range []int{512, ingest.DefaultBatch, 8192} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) { benchReplay(b, batch) })
	}
}

func benchReplay(b *testing.B, batch int) {
	e := newEnv(b, natsembed.Options{SyncAlways: false})
	e.streams(b, 0)
	today := clock.MustParseDate(councilToday)
	evs := eventstest.Scenario(42, 20000, today)
	if err := eventstest.PublishAsync(context.Background(), e.js, evs); err != nil {
		b.Fatal(err)
	}
	clk := clock.NewSettable(londonNoon(councilToday))
	var applied int
	var took, cpu, rebuild time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ctx := context.Background()
		for stream, durable := range durables {
			_ = e.js.DeleteConsumer(ctx, stream, durable)
		}
		dir := b.TempDir()
		b.StartTimer()
		began, cpuBegan := time.Now(), cpuTime()
		if f := os.Getenv("REPLAY_PROFILE"); f != "" {
			pf, _ := os.Create(f)
			_ = pprof.StartCPUProfile(pf)
			defer pprof.StopCPUProfile()
		}
		runCtx, cancel := context.WithCancel(ctx)
		a, err := New(runCtx, benchConfig(e, dir, clk, batch))
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- a.Run(runCtx) }()
		checkFor(b, 5*time.Minute, 5*time.Millisecond, func() error { return lagZero(ctx, e.js) })
		took += time.Since(began)
		cpu += cpuTime() - cpuBegan
		applied += len(evs)
		b.StopTimer()
		if got := a.Projection().Stats().Children; got != 20000 {
			b.Fatalf("%d children after the replay", got)
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		// A restart rebuilds the projection from the file.
		t0 := time.Now()
		a2, err := New(ctx, benchConfig(e, dir, clk, batch))
		if err != nil {
			b.Fatal(err)
		}
		rebuild += time.Since(t0)
		if a2.Projection().LiveTotals() != a.Projection().LiveTotals() {
			b.Fatal("the rebuilt projection differs")
		}
		a2.rt.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(applied)/took.Seconds(), "events/s")
	// CPU spent by the whole test process (the service AND the in-process
	// NATS server) per event: a figure the other load on the machine does
	// not distort.
	b.ReportMetric(float64(cpu.Nanoseconds())/1000/float64(applied), "cpu-µs/event")
	b.ReportMetric(float64(len(evs)), "events/replay")
	b.ReportMetric(float64(rebuild.Milliseconds())/float64(b.N), "rebuild-ms")
}

// writer publishes placement moves at rate per second until stop, as the
// placement service's relay would (each a change of figures).
func writer(b *testing.B, e *env, rate int, stop <-chan struct{}) *atomic.Int64 {
	var n atomic.Int64
	if rate == 0 {
		return &n
	}
	go func() {
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			// Each move changes the figures: child c<k> goes to the next
			// type in turn.
			child := fmt.Sprintf("c%d", 1+i%7)
			typ := []string{"U4", "K2", "K3", "P1"}[(i/7)%4]
			ev := eventstest.PlacementChanged(child, councilToday, eventstest.Inside("x", "U4"), eventstest.Inside(fmt.Sprintf("%s-%d", child, i), typ))
			if _, err := e.js.PublishMsgAsync(eventstest.Msg(ev)); err != nil {
				// JetStream (fsync per message) is behind: let it catch up
				// rather than fail the read benchmark.
				select {
				case <-e.js.PublishAsyncComplete():
				case <-stop:
					return
				}
				continue
			}
			n.Add(1)
		}
	}()
	return &n
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkGetIndicatorsLive measures GetIndicators (today: every figure,
// from the live totals) over gRPC on loopback with 16 concurrent readers.
// Readers and server share the test process (and the machine's two cores).
//
//   - quiet/paced: no events arriving; each reader asks every 10 ms, the
//     readers' ticks spread evenly over the 10 ms (1,600 reads/s in all,
//     as independent dashboards would ask, not in lock-step bursts of 16);
//   - events/paced: the same while placement events arrive at 1,000 a
//     second through JetStream (sync_interval always, in this process)
//     and the projection applies them;
//   - events/saturated: each reader asks again as soon as it has its
//     answer, so the latency is mostly queueing (Little's law: 16 ÷
//     throughput).
//
// Each paced run also has a 17th caller, paced the same way, asking for
// the gRPC health check (grpc.health.v1 Check, a handler that does
// nothing): health-p99-µs is the floor any call to this process has under
// the same load, so p99-µs minus it is what GetIndicators itself adds.
// (services/suite/perf BenchmarkRPCFloor is the machine's floor.)
func BenchmarkGetIndicatorsLive(b *testing.B) {
	e := newEnv(b)
	e.streams(b, 0)
	e.publish(b, eventstest.Scenario(3, 1000, clock.MustParseDate(councilToday))...)
	e.publish(b, council()...)
	a, err := New(context.Background(), benchConfig(e, b.TempDir(), clock.NewSettable(londonNoon(councilToday)), 0))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	checkFor(b, time.Minute, 10*time.Millisecond, func() error { return lagZero(context.Background(), e.js) })

	conns := make([]*grpc.ClientConn, 4)
	for i := range conns {
		if conns[i], err = grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
			b.Fatal(err)
		}
		defer conns[i].Close()
	}
	for _, mode := range []struct {
		name  string
		rate  int
		every time.Duration
	}{{"quiet/paced", 0, 10 * time.Millisecond}, {"events/paced", 1000, 10 * time.Millisecond}, {"events/saturated", 1000, 0}} {
		b.Run(mode.name, func(b *testing.B) {
			const readers = 16
			stop := make(chan struct{})
			written := writer(b, e, mode.rate, stop)
			seqBefore := a.Projection().Seq()
			var wg sync.WaitGroup
			lat := make([][]time.Duration, readers)
			b.ResetTimer()
			began := time.Now()
			for r := range readers {
				wg.Go(func() {
					client := metricsv1.NewMetricsServiceClient(conns[r%len(conns)])
					var tick *time.Ticker
					if mode.every > 0 {
						time.Sleep(mode.every * time.Duration(r) / readers)
						tick = time.NewTicker(mode.every)
						defer tick.Stop()
					}
					for i := r; i < b.N; i += readers {
						if tick != nil {
							<-tick.C
						}
						t0 := time.Now()
						resp, err := client.GetIndicators(context.Background(), &metricsv1.GetIndicatorsRequest{})
						lat[r] = append(lat[r], time.Since(t0))
						if err != nil || len(resp.GetValues()) != 40 {
							b.Errorf("GetIndicators: %v", err)
							return
						}
					}
				})
			}
			// The control: one more caller, paced the same way half a
			// period out of step, asking for the health check.
			var health []time.Duration
			if mode.every > 0 {
				wg.Go(func() {
					hc := healthpb.NewHealthClient(conns[0])
					time.Sleep(mode.every / readers / 2)
					tick := time.NewTicker(mode.every)
					defer tick.Stop()
					for range b.N / readers {
						<-tick.C
						t0 := time.Now()
						if _, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
							b.Errorf("health check: %v", err)
							return
						}
						health = append(health, time.Since(t0))
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			elapsed := time.Since(began)
			close(stop)
			all := slices.Concat(lat...)
			b.ReportMetric(float64(percentile(all, 0.50).Microseconds()), "p50-µs")
			b.ReportMetric(float64(percentile(all, 0.99).Microseconds()), "p99-µs")
			if len(health) > 0 {
				b.ReportMetric(float64(percentile(health, 0.99).Microseconds()), "health-p99-µs")
			}
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "reads/s")
			b.ReportMetric(float64(written.Load())/elapsed.Seconds(), "writes/s")
			b.ReportMetric(float64(a.Projection().Seq()-seqBefore)/elapsed.Seconds(), "changes/s")
		})
	}
}

// BenchmarkWriteToSubscriber measures, at 1,000 events a second, the time
// from an event's JetStream publish (the producer's relay; sync_interval
// always) to a WatchIndicators client (gRPC, loopback) and a core-NATS
// subscriber receiving the change it causes. Each event starts a period of
// care for a new child, so cla_count = base + i identifies event i.
func BenchmarkWriteToSubscriber(b *testing.B) {
	e := newEnv(b)
	e.streams(b, 0)
	a, err := New(context.Background(), benchConfig(e, b.TempDir(), clock.NewSettable(londonNoon(councilToday)), 0))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()

	n := b.N
	sent := make([]time.Time, n)
	var watchAt, natsAt []time.Time
	watchAt, natsAt = make([]time.Time, n), make([]time.Time, n)
	var mu sync.Mutex
	record := func(at []time.Time, count int64) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for i := int64(0); i < count && i < int64(n); i++ {
			if at[i].IsZero() {
				at[i] = now
			}
		}
	}
	stream, err := metricsv1.NewMetricsServiceClient(conn).WatchIndicators(ctx, &metricsv1.WatchIndicatorsRequest{IndicatorIds: []string{"cla_count"}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil { // the snapshot: cla_count 0
		b.Fatal(err)
	}
	go func() {
		for {
			m, err := stream.Recv()
			if err != nil {
				return
			}
			for _, v := range m.GetValues() {
				if v.GetIndicatorId() == "cla_count" {
					record(watchAt, v.GetNumerator())
				}
			}
		}
	}()
	sub, err := e.nc.Subscribe(server.Subject(projection.Key{Indicator: "cla_count", Variant: "dfe", AgeBand: "all"}), func(msg *nats.Msg) {
		var v metricsv1.IndicatorValue
		if proto.Unmarshal(msg.Data, &v) == nil {
			record(natsAt, v.GetNumerator())
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := e.nc.Flush(); err != nil {
		b.Fatal(err)
	}

	msgs := make([]*nats.Msg, n)
	for i := range n {
		msgs[i] = eventstest.Msg(eventstest.PeriodStarted(fmt.Sprintf("w%07d", i), councilToday, "C2", false))
	}
	b.ResetTimer()
	tick := time.NewTicker(time.Millisecond)
	for i := range n {
		<-tick.C
		sent[i] = time.Now()
		if _, err := e.js.PublishMsgAsync(msgs[i]); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()
	checkFor(b, time.Minute, 5*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if watchAt[n-1].IsZero() || natsAt[n-1].IsZero() {
			return fmt.Errorf("not all received")
		}
		return nil
	})
	b.StopTimer()
	lat := func(at []time.Time) (p50, p99 time.Duration) {
		d := make([]time.Duration, n)
		for i := range n {
			d[i] = at[i].Sub(sent[i])
		}
		return percentile(d, 0.5), percentile(d, 0.99)
	}
	w50, w99 := lat(watchAt)
	n50, n99 := lat(natsAt)
	b.ReportMetric(float64(w50.Microseconds())/1000, "watch-p50-ms")
	b.ReportMetric(float64(w99.Microseconds())/1000, "watch-p99-ms")
	b.ReportMetric(float64(n50.Microseconds())/1000, "nats-p50-ms")
	b.ReportMetric(float64(n99.Microseconds())/1000, "nats-p99-ms")
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
