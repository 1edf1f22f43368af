// Command careleaver runs the care-leaver service: care leavers up to 25,
// their personal advisers, pathway plans, keeping-in-touch contacts and the
// Local Offer, over gRPC, with its events on NATS JetStream. Records open by
// themselves when the caseload service reports that an eligible young
// person's care ended.
//
// Every flag falls back to an environment variable (CP_CARELEAVER_<FLAG>;
// for the NATS URL also CP_NATS_URL, for the caseload address also
// CP_CASELOAD_ADDR); run with -h for the list.
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
	"strconv"
	"strings"
	"syscall"
	"time"
	// The council's zone, Europe/London, in a FROM scratch image.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/config"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/careleaver/app"
	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}

// errUsage marks a configuration error (exit status 2).
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// run parses args and runs the service until ctx ends. started, if not nil,
// is called with the opened App before it serves (tests learn its address).
func run(ctx context.Context, args []string, stderr io.Writer, started func(*app.App)) error {
	cfg, healthcheck, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if healthcheck {
		return grpcserver.Healthcheck(ctx, cfg.Service.GRPCAddr)
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	if started != nil {
		started(a)
	}
	if err := a.Run(ctx); err != nil {
		cfg.Service.Logger.Error("careleaver stopped", "err", err)
		return err
	}
	return nil
}

// parse reads the flags and environment into the service's Config.
func parse(args []string, stderr io.Writer) (app.Config, bool, error) {
	fs := config.NewFlagSet(app.Name)
	fs.SetOutput(stderr)
	grpcAddr := fs.String("grpc-addr", "127.0.0.1:7103", "gRPC listen address")
	httpAddr := fs.String("http-addr", "127.0.0.1:7193", "Prometheus /metrics and /healthz listen address (empty: off)")
	dataDir := fs.String("data-dir", "data", "directory of the service's bbolt file (careleaver.db)")
	natsURL := fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server or cluster URL(s)", "CP_NATS_URL")
	caseloadAddr := fs.String("caseload-addr", "127.0.0.1:7101", "the caseload service's gRPC address", "CP_CASELOAD_ADDR")
	caseloadTimeout := fs.Duration("caseload-timeout", 2*time.Second, "deadline of each call to caseload, retries included")
	replicas := fs.Int("stream-replicas", 1, "replicas of the CARELEAVER stream (1 embedded, 3 clustered)", "CP_STREAM_REPLICAS")
	window := windowFlag(careleaver.DefaultBirthdayWindow)
	fs.Var(&window, "birthday-window", "months before,after the latest birthday in which a contact is the birthday contact")
	birthdays := fs.Duration("birthday-interval", app.DefaultBirthdayInterval, "how often the birthday clock looks for a new day")
	shutdown := fs.Duration("shutdown-timeout", 10*time.Second, "how long in-flight calls get to finish on shutdown")
	batchDelay := fs.Duration("batch-delay", app.DefaultMaxBatchDelay, "bbolt group-commit delay")
	batchSize := fs.Int("batch-size", app.DefaultMaxBatchSize, "bbolt group-commit size")
	healthcheck := fs.Mode("healthcheck", "probe the gRPC health of the service running at -grpc-addr and exit: 0 if SERVING, 1 if not (container health checks)")
	level := fs.LogLevel(slog.LevelInfo)
	if err := fs.Parse(args); err != nil {
		return app.Config{}, false, err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	for _, name := range []string{"grpc-addr", "http-addr", "data-dir", "nats-url", "caseload-addr", "birthday-window"} {
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
		CaseloadAddr:     *caseloadAddr,
		CaseloadTimeout:  *caseloadTimeout,
		BirthdayWindow:   careleaver.BirthdayWindow(window),
		BirthdayInterval: *birthdays,
		MaxBatchDelay:    *batchDelay,
		MaxBatchSize:     *batchSize,
	}, *healthcheck, nil
}

// windowFlag is the -birthday-window flag: "BEFORE,AFTER" in months, e.g.
// "3,1" for three months before to one month after the birthday.
type windowFlag careleaver.BirthdayWindow

func (w *windowFlag) String() string { return fmt.Sprintf("%d,%d", w.MonthsBefore, w.MonthsAfter) }

func (w *windowFlag) Set(s string) error {
	before, after, ok := strings.Cut(s, ",")
	b, err1 := strconv.Atoi(strings.TrimSpace(before))
	a, err2 := strconv.Atoi(strings.TrimSpace(after))
	v := careleaver.BirthdayWindow{MonthsBefore: b, MonthsAfter: a}
	if !ok || err1 != nil || err2 != nil || !v.Valid() {
		return fmt.Errorf("want MONTHS_BEFORE,MONTHS_AFTER, each 0 to %d", careleaver.MaxWindowMonths)
	}
	*w = windowFlag(v)
	return nil
}
