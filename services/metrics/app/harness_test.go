package app

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
)

func checkFor(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		<-tick.C
	}
}

// env is an in-process JetStream with the three producers' streams, and a
// client publishing to it as the producers' relays do.
type env struct {
	ns  *natsembed.Server
	nc  *nats.Conn
	js  jetstream.JetStream
	dir string // the metrics service's data directory, kept across restarts
}

func newEnv(t testing.TB, opts ...natsembed.Options) *env {
	t.Helper()
	var ns *natsembed.Server
	if len(opts) > 0 {
		ns = natsembed.StartForTestWith(t, opts[0])
	} else {
		ns = natsembed.StartForTest(t)
	}
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &env{ns: ns, nc: nc, js: js, dir: t.TempDir()}
}

func (e *env) streams(t testing.TB, dup time.Duration) {
	t.Helper()
	if err := eventstest.EnsureStreamsWith(context.Background(), e.js, dup); err != nil {
		t.Fatal(err)
	}
}

func (e *env) publish(t testing.TB, evs ...eventstest.Event) {
	t.Helper()
	if err := eventstest.PublishAsync(context.Background(), e.js, evs); err != nil {
		t.Fatal(err)
	}
}

// running is a metrics service running in the test process.
type running struct {
	app    *App
	client metricsv1.MetricsServiceClient
	conn   *grpc.ClientConn
	stop   func()
}

func londonNoon(d string) time.Time { return clock.MustParseDate(d).Midnight().Add(12 * time.Hour) }

func (e *env) start(t testing.TB, clk clock.Clock) *running {
	t.Helper()
	return e.startWith(t, clk, nil)
}

// startWith starts a metrics service with the harness's configuration as
// changed by edit (if not nil): another data directory or durable prefix,
// for a second replica.
func (e *env) startWith(t testing.TB, clk clock.Clock, edit func(*Config)) *running {
	t.Helper()
	cfg := Config{
		Service: service.Config{
			Name: Name, GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", DataDir: e.dir,
			NATSURL: e.ns.ClientURL(), Clock: clk, ShutdownTimeout: 2 * time.Second,
			Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		},
		DayCheckInterval: 10 * time.Millisecond,
		ConsumeBatch:     256,
	}
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	r := &running{app: a, client: metricsv1.NewMetricsServiceClient(conn), conn: conn}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("metrics stopped with %v", err)
		}
	}
	t.Cleanup(r.stop)
	return r
}

// testWriter sends log lines to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// figures returns every live (or as-at) figure as "num/den" by key.
func (r *running) figures(asAt string) (map[string]string, string, error) {
	resp, err := r.client.GetIndicators(context.Background(), &metricsv1.GetIndicatorsRequest{AsAtDate: asAt})
	if err != nil {
		return nil, "", err
	}
	out := map[string]string{}
	for _, v := range resp.GetValues() {
		out[v.GetIndicatorId()+"."+v.GetVariant()+"."+v.GetAgeBand()] = fmt.Sprintf("%d/%d", v.GetNumerator(), v.GetDenominator())
	}
	return out, resp.GetAsAtDate(), nil
}

// waitFigures polls until every wanted figure is as given.
func (r *running) waitFigures(t testing.TB, asAt string, want map[string]string) {
	t.Helper()
	checkFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		got, _, err := r.figures(asAt)
		if err != nil {
			return err
		}
		for k, w := range want {
			if got[k] != w {
				return fmt.Errorf("%s = %s, want %s", k, got[k], w)
			}
		}
		return nil
	})
}
