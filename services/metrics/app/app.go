// Package app wires the metrics service: the bbolt file and the projection
// rebuilt from it, the three durable consumers, the gRPC MetricsService,
// the core-NATS broadcast, the Prometheus gauges and the task that moves
// the live totals to a new day. Both cmd/metrics and the all-in-one suite
// call it.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/metrics"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/services/metrics/internal/benchmarks"
	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/ingest"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"github.com/corporate-parenting/suite/services/metrics/internal/reconcile"
	"github.com/corporate-parenting/suite/services/metrics/internal/server"
	"github.com/corporate-parenting/suite/services/metrics/internal/store"
	"github.com/corporate-parenting/suite/services/metrics/scorecard"
)

// Name is the service's name (its bbolt file is <data dir>/metrics.db).
const Name = "metrics"

// Defaults for zero Config fields.
const (
	DefaultDayCheckInterval = time.Second
	DefaultReconcileTimeout = 10 * time.Second
)

// Config is the metrics service's configuration.
type Config struct {
	Service service.Config
	// CaseloadAddr, PlacementAddr and CareleaverAddr are the source
	// services' gRPC addresses, used only by Reconcile; Reconcile answers
	// FailedPrecondition unless all three are set.
	CaseloadAddr, PlacementAddr, CareleaverAddr string
	// ConsumeBatch is the most events applied per bbolt transaction
	// (ingest.DefaultBatch).
	ConsumeBatch int
	// ConsumeLinger is how long a consumer waits for more events to share
	// a transaction once one has arrived (ingest.DefaultLinger).
	ConsumeLinger time.Duration
	// WatchRing is how many recent changes are kept for WatchIndicators
	// clients that resume (feed.DefaultCapacity).
	WatchRing int
	// DayCheckInterval is how often the service clock's London date is
	// checked, to move the live totals to a new day (1 s).
	DayCheckInterval time.Duration
	// ReconcileTimeout bounds each call to a source service (10 s).
	ReconcileTimeout time.Duration
	// Council names the council on the scorecard page (optional).
	Council string
	// DurablePrefix names this replica's durable consumers,
	// <prefix>-caseload and so on (ingest.DefaultDurablePrefix, "metrics",
	// if empty). Each replica of the service needs its own, and a data
	// directory keeps the prefix it was first projected with.
	DurablePrefix string
}

// App is a metrics service ready to run.
type App struct {
	cfg   Config
	rt    *service.Runtime
	proj  *projection.Projection
	feed  *feed.Feed
	conns []*grpc.ClientConn
}

// New opens the service's file and NATS connection, rebuilds the
// projection from the file, and registers the handlers, consumers and
// background tasks. Call Run to serve.
func New(ctx context.Context, cfg Config) (_ *App, err error) {
	if cfg.Service.Name == "" {
		cfg.Service.Name = Name
	}
	if cfg.DayCheckInterval <= 0 {
		cfg.DayCheckInterval = DefaultDayCheckInterval
	}
	if cfg.ReconcileTimeout <= 0 {
		cfg.ReconcileTimeout = DefaultReconcileTimeout
	}
	rt, err := service.Open(ctx, cfg.Service, service.Spec{Schema: store.Schema()})
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, rt: rt}
	defer func() {
		if err != nil {
			a.closeConns()
			rt.Close()
		}
	}()
	log, clk, db := rt.Logger(), rt.Clock(), rt.DB()
	specs, err := ingest.SpecsFor(cfg.DurablePrefix, cfg.ConsumeBatch, cfg.ConsumeLinger)
	if err != nil {
		return nil, err
	}
	if err := ingest.CheckDurables(db, specs); err != nil {
		return nil, err
	}

	// Sequences continue above anything a previous run used.
	start, reserved, err := store.ReserveAtStart(db, ingest.SeqBlock)
	if err != nil {
		return nil, fmt.Errorf("metrics: reserve sequences: %w", err)
	}
	a.feed = feed.New(cfg.WatchRing, start)
	a.proj = projection.New(clock.Today(clk), start, a.feed.Publish)
	began := time.Now()
	n, err := store.Load(db, 8192, a.proj.Load)
	if err != nil {
		return nil, fmt.Errorf("metrics: rebuild projection: %w", err)
	}
	st := a.proj.Stats()
	log.Info("projection rebuilt", "points", n, "children", st.Children, "took", time.Since(began), "today", a.proj.Today(), "sequence", start)
	in := ingest.New(a.proj, reserved, cfg.ConsumeBatch)

	bench, err := benchmarks.Embedded()
	if err != nil {
		return nil, err
	}
	recon, err := a.reconciler()
	if err != nil {
		return nil, err
	}
	server.New(a.proj, a.feed, bench, recon).Register(rt.GRPC().GRPC())

	reg := rt.Registry()
	if err := reg.Register(server.NewGauges(a.proj)); err != nil {
		return nil, err
	}
	applied := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cp_metrics_events_applied_total", Help: "Events applied to the projection, by durable consumer (duplicates not counted).",
	}, []string{"durable"})
	if err := reg.Register(applied); err != nil {
		return nil, err
	}
	js := rt.JetStream()
	for _, spec := range specs {
		spec.Logger = log
		c := applied.WithLabelValues(spec.Durable)
		spec.OnApplied = func(n int) { c.Add(float64(n)) }
		if _, err := metrics.ConsumerLag(reg, spec.Durable, func() float64 {
			lctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			lag, err := events.ConsumerLagByName(lctx, js, spec.Stream, spec.Durable)
			if err != nil {
				return -1
			}
			return float64(lag)
		}); err != nil {
			return nil, err
		}
		rt.Go("consume "+spec.Durable, func(ctx context.Context) error {
			return in.Consume(ctx, js, db, spec)
		})
	}
	rt.Go("broadcast", func(ctx context.Context) error {
		return server.Broadcast(ctx, rt.NATS(), a.feed, a.proj, log)
	})
	rt.Go("today", a.followToday)
	if err := a.mountScorecard(rt, cfg.Council); err != nil {
		return nil, err
	}
	return a, nil
}

// mountScorecard serves the Board scorecard page at / on the HTTP port. The
// page reads this service through its own gRPC API on loopback, the same
// stream (WatchIndicators) any dashboard uses, so it shows nothing the API
// does not.
func (a *App) mountScorecard(rt *service.Runtime, council string) error {
	conn, err := grpc.NewClient(rt.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("scorecard client: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	sc := scorecard.New(metricsv1.NewMetricsServiceClient(conn), scorecard.Options{
		Council: council,
		Context: runCtx,
		Logger:  rt.Logger().With("component", "scorecard"),
	})
	rt.HTTPMux().Handle("/", sc)
	rt.Go("scorecard", func(ctx context.Context) error {
		<-ctx.Done()
		stop()
		sc.Close()
		return conn.Close()
	})
	return nil
}

// followToday moves the live totals to the new London date when it
// changes (cla_change_12m compares with twelve months before "today";
// points dated in the future come into force).
func (a *App) followToday(ctx context.Context) error {
	t := time.NewTicker(a.cfg.DayCheckInterval)
	defer t.Stop()
	for {
		if today := clock.Today(a.rt.Clock()); a.proj.SetToday(today) {
			a.rt.Logger().Info("live totals moved to a new day", "today", today, "sequence", a.proj.Seq())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// reconciler dials the source services (lazily: a connection is made at
// the first Reconcile) when all three addresses are configured.
func (a *App) reconciler() (server.Reconciler, error) {
	c := a.cfg
	if c.CaseloadAddr == "" && c.PlacementAddr == "" && c.CareleaverAddr == "" {
		return nil, nil
	}
	if c.CaseloadAddr == "" || c.PlacementAddr == "" || c.CareleaverAddr == "" {
		return nil, errors.New("metrics: reconciliation needs all three of the caseload, placement and careleaver addresses")
	}
	dial := func(addr string) (*grpc.ClientConn, error) {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err == nil {
			a.conns = append(a.conns, conn)
		}
		return conn, err
	}
	cc, err := dial(c.CaseloadAddr)
	if err != nil {
		return nil, err
	}
	pc, err := dial(c.PlacementAddr)
	if err != nil {
		return nil, err
	}
	lc, err := dial(c.CareleaverAddr)
	if err != nil {
		return nil, err
	}
	src := &reconcile.GRPCSource{
		Caseload:    caseloadv1.NewCaseloadServiceClient(cc),
		Placement:   placementv1.NewPlacementServiceClient(pc),
		CareLeaver:  careleaverv1.NewCareLeaverServiceClient(lc),
		CallTimeout: c.ReconcileTimeout,
	}
	return func(ctx context.Context, d clock.Date) (reconcile.Report, error) {
		return reconcile.Reconcile(ctx, a.proj, src, d)
	}, nil
}

func (a *App) closeConns() {
	for _, c := range a.conns {
		_ = c.Close()
	}
	a.conns = nil
}

// GRPCAddr is the bound gRPC address.
func (a *App) GRPCAddr() string { return a.rt.GRPCAddr() }

// HTTPAddr is the bound Prometheus/health HTTP address ("" if disabled).
func (a *App) HTTPAddr() string { return a.rt.HTTPAddr() }

// Projection is the live projection (for the all-in-one suite and tests).
func (a *App) Projection() *projection.Projection { return a.proj }

// Run serves until ctx ends, then shuts down in order (see pkg/service).
func (a *App) Run(ctx context.Context) error {
	defer a.closeConns()
	return a.rt.Run(ctx)
}
