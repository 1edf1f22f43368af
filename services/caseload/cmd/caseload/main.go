// Command caseload runs the caseload service: children looked after, their
// periods of care and legal statuses, UASC status, worker allocations and
// legal category as at a date, over gRPC, with its events on NATS JetStream.
//
// Every flag falls back to an environment variable (CP_CASELOAD_<FLAG>, and
// for the NATS URL also CP_NATS_URL); run with -h for the list.
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

	"github.com/corporate-parenting/suite/services/caseload/app"
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
		cfg.Service.Logger.Error("caseload stopped", "err", err)
		os.Exit(1)
	}
}

// parse reads the flags and environment into the service's Config.
func parse(args []string) (app.Config, bool, error) {
	fs := config.NewFlagSet(app.Name)
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:7101", "gRPC listen address")
	httpAddr := fs.String("http-addr", "127.0.0.1:7191", "Prometheus /metrics and /healthz listen address (empty: off)")
	dataDir := fs.String("data-dir", "data", "directory of the service's bbolt file (caseload.db)")
	natsURL := fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server or cluster URL(s)", "CP_NATS_URL")
	replicas := fs.Int("stream-replicas", 1, "replicas of the CASELOAD stream (1 embedded, 3 clustered)", "CP_STREAM_REPLICAS")
	shutdown := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight calls get to finish on shutdown")
	batch := fs.Int("max-batch", app.DefaultMaxBatch, "most writes sharing one bbolt commit (group commit)")
	milestones := fs.Duration("milestone-interval", app.DefaultMilestoneInterval, "how often the age-milestone task runs")
	healthcheck := fs.Mode("healthcheck", "probe the gRPC health of the service running at -grpc-addr and exit: 0 if SERVING, 1 if not (container health checks)")
	level := fs.LogLevel(slog.LevelInfo)
	if err := fs.Parse(args); err != nil {
		return app.Config{}, false, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	for _, name := range []string{"grpc-addr", "http-addr", "data-dir", "nats-url"} {
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
		MaxBatch:          *batch,
		MilestoneInterval: *milestones,
	}, *healthcheck, nil
}
