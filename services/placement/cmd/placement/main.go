// Command placement runs the placement service: where each looked-after
// child is placed (903 PLACE, provider, URN, inside/outside the council's
// boundary, distance from home), checked against the child's care history
// held by the caseload service, over gRPC, with its events on the PLACEMENT
// JetStream stream.
//
// Every flag falls back to an environment variable (CP_PLACEMENT_<FLAG>,
// and for the shared settings CP_NATS_URL and CP_CASELOAD_ADDR); run with -h
// for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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

	"github.com/corporate-parenting/suite/services/placement/app"
	"github.com/corporate-parenting/suite/services/placement/internal/caseloadclient"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, healthcheck, err := parse(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if healthcheck {
		if err := grpcserver.Healthcheck(ctx, cfg.Service.GRPCAddr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := app.Run(ctx, cfg); err != nil {
		cfg.Service.Logger.Error("placement stopped", "err", err)
		os.Exit(1)
	}
}

// parse reads the flags and environment into the service's Config.
func parse(args []string) (app.Config, bool, error) {
	fs := config.NewFlagSet(app.Name)
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:7102", "gRPC listen address")
	httpAddr := fs.String("http-addr", "127.0.0.1:7192", "Prometheus /metrics and /healthz listen address (empty: off)")
	dataDir := fs.String("data-dir", "data", "directory of the service's bbolt file (placement.db)")
	natsURL := fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server or cluster URL(s)", "CP_NATS_URL")
	replicas := fs.Int("stream-replicas", 1, "replicas of the PLACEMENT stream (1 embedded, 3 clustered)", "CP_STREAM_REPLICAS")
	caseloadAddr := fs.String("caseload-addr", "127.0.0.1:7101", "the caseload service's gRPC address (placements are checked against care)", "CP_CASELOAD_ADDR")
	councilLA := fs.String("council-la", app.DefaultCouncilLA, "the council's own local authority code (ONS): placements there are inside the boundary")
	caseloadTimeout := fs.Duration("caseload-timeout", caseloadclient.DefaultTimeout, "deadline of one call to the caseload service")
	caseloadAttempts := fs.Int("caseload-attempts", caseloadclient.DefaultAttempts, "attempts at a call to the caseload service while it is unavailable")
	shutdown := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight calls get to finish on shutdown")
	batchDelay := fs.Duration("batch-delay", app.DefaultMaxBatchDelay, "bbolt group-commit delay")
	batchSize := fs.Int("batch-size", app.DefaultMaxBatchSize, "bbolt group-commit size")
	healthcheck := fs.Mode("healthcheck", "probe the gRPC health of the service running at -grpc-addr and exit: 0 if SERVING, 1 if not (container health checks)")
	level := fs.LogLevel(slog.LevelInfo)
	if err := fs.Parse(args); err != nil {
		return app.Config{}, false, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	for _, name := range []string{"grpc-addr", "http-addr", "data-dir", "nats-url", "caseload-addr", "council-la"} {
		log.Debug("setting", "flag", name, "from", fs.Source(name))
	}
	return app.Config{
		Service: service.Config{
			Name:            app.Name,
			GRPCAddr:        *grpcAddr,
			HTTPAddr:        *httpAddr,
			DataDir:         *dataDir,
			NATSURL:         *natsURL,
			StreamReplicas:  *replicas,
			Logger:          log,
			ShutdownTimeout: *shutdown,
		},
		CaseloadAddr:  *caseloadAddr,
		CouncilLA:     *councilLA,
		Caseload:      caseloadclient.Options{Timeout: *caseloadTimeout, Attempts: *caseloadAttempts},
		MaxBatchDelay: *batchDelay,
		MaxBatchSize:  *batchSize,
	}, *healthcheck, nil
}
