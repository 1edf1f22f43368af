// Command metrics runs the metrics service: live indicator totals for the
// Corporate Parenting Board, kept from the events the caseload, placement
// and care-leaver services publish on NATS JetStream, served over gRPC
// (MetricsService, with health and reflection), streamed on core NATS
// (metrics.indicators.<indicator>.<variant>.<age_band>) and exported to
// Prometheus on the HTTP port.
//
// Every flag falls back to an environment variable (CP_METRICS_<FLAG>, and
// for the NATS URL also CP_NATS_URL); run with -h for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
	// The council's zone, Europe/London, in a FROM scratch image.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/config"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/metrics/app"
	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/ingest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stderr, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run parses args, then serves until ctx ends; started, if set, is told
// the bound gRPC and HTTP addresses.
func run(ctx context.Context, args []string, stderr io.Writer, started func(grpcAddr, httpAddr string)) error {
	cfg, healthcheck, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	if healthcheck {
		return grpcserver.Healthcheck(ctx, cfg.Service.GRPCAddr)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	if started != nil {
		started(a.GRPCAddr(), a.HTTPAddr())
	}
	return a.Run(ctx)
}

// parse reads the flags and environment into the service's Config.
func parse(args []string, stderr io.Writer) (app.Config, bool, error) {
	fs := config.NewFlagSet(app.Name)
	fs.SetOutput(stderr)
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:7104", "gRPC listen address")
	httpAddr := fs.String("http-addr", "127.0.0.1:7194", "Prometheus /metrics and /healthz listen address (empty: off)")
	dataDir := fs.String("data-dir", "data", "directory of the service's bbolt file (metrics.db)")
	natsURL := fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server or cluster URL(s)", "CP_NATS_URL")
	council := fs.String("council-name", "", "the council's name, shown on the scorecard page", "CP_COUNCIL_NAME")
	shutdown := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight calls get to finish on shutdown")
	caseloadAddr := fs.String("caseload-addr", "", "caseload gRPC address, for Reconcile", "CP_CASELOAD_ADDR")
	placementAddr := fs.String("placement-addr", "", "placement gRPC address, for Reconcile", "CP_PLACEMENT_ADDR")
	careleaverAddr := fs.String("careleaver-addr", "", "careleaver gRPC address, for Reconcile", "CP_CARELEAVER_ADDR")
	batch := fs.Int("consume-batch", ingest.DefaultBatch, "most events applied per bbolt transaction")
	linger := fs.Duration("consume-linger", ingest.DefaultLinger, "how long a consumer waits for more events to share a transaction")
	ring := fs.Int("watch-ring", feed.DefaultCapacity, "recent changes kept for WatchIndicators clients that resume")
	dayCheck := fs.Duration("day-check-interval", app.DefaultDayCheckInterval, "how often the London date is checked to move the live totals to a new day")
	reconcileTimeout := fs.Duration("reconcile-timeout", app.DefaultReconcileTimeout, "deadline of each call to a source service during Reconcile")
	durablePrefix := fs.String("durable-prefix", ingest.DefaultDurablePrefix, "this replica's JetStream durable consumers are <prefix>-caseload, -placement, -careleaver: give each metrics replica its own, and keep it for the replica's data directory")
	healthcheck := fs.Mode("healthcheck", "probe the gRPC health of the service running at -grpc-addr and exit: 0 if SERVING, 1 if not (container health checks)")
	level := fs.LogLevel(slog.LevelInfo)
	if err := fs.Parse(args); err != nil {
		return app.Config{}, false, err
	}
	if len(fs.Args()) > 0 {
		return app.Config{}, false, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := ingest.ValidDurablePrefix(*durablePrefix); err != nil {
		return app.Config{}, false, err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	for _, name := range []string{"grpc-addr", "http-addr", "data-dir", "nats-url", "caseload-addr", "placement-addr", "careleaver-addr", "durable-prefix"} {
		log.Debug("setting", "flag", name, "from", fs.Source(name))
	}
	return app.Config{
		Service: service.Config{
			Name:            app.Name,
			GRPCAddr:        *grpcAddr,
			HTTPAddr:        *httpAddr,
			DataDir:         *dataDir,
			NATSURL:         *natsURL,
			Logger:          log,
			ShutdownTimeout: *shutdown,
		},
		CaseloadAddr:     *caseloadAddr,
		PlacementAddr:    *placementAddr,
		CareleaverAddr:   *careleaverAddr,
		ConsumeBatch:     *batch,
		ConsumeLinger:    *linger,
		WatchRing:        *ring,
		DayCheckInterval: *dayCheck,
		ReconcileTimeout: *reconcileTimeout,
		Council:          *council,
		DurablePrefix:    *durablePrefix,
	}, *healthcheck, nil
}
