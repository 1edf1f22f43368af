package service

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

	"github.com/corporate-parenting/suite/pkg/config"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
)

// The command line every service shares: the common flags (Flags), the
// command's body (Command) and its main (Main). A service's cmd adds only
// its own flags and its App.

// DefaultShutdownTimeout is -shutdown-timeout's default.
const DefaultShutdownTimeout = 10 * time.Second

// ErrUsage marks a command line the command cannot run with: exit status 2.
var ErrUsage = errors.New("usage")

// FlagDefaults are one service's defaults for the common flags.
type FlagDefaults struct {
	GRPCAddr string // e.g. 127.0.0.1:7101
	HTTPAddr string // e.g. 127.0.0.1:7191
	// Stream names the service's own JetStream stream (CASELOAD), which
	// gets a -stream-replicas flag; empty for a service that owns none.
	Stream string
}

// Flags are the flags every service command has: -grpc-addr, -http-addr,
// -data-dir, -nats-url, -stream-replicas (when the service owns a stream),
// -shutdown-timeout, -log-level and -healthcheck. Each falls back to
// CP_<SERVICE>_<FLAG> (config.FlagSet). Make them with NewFlags, add the
// service's own flags to FlagSet(), then call Parse.
type Flags struct {
	name        string
	fs          *config.FlagSet
	stderr      io.Writer
	grpcAddr    *string
	httpAddr    *string
	dataDir     *string
	natsURL     *string
	replicas    *int
	shutdown    *time.Duration
	healthcheck *bool
	level       *slog.LevelVar
}

// NewFlags declares the common flags of service name; usage and flag errors
// go to stderr, and so do the logs of the Config that Parse returns.
func NewFlags(name string, d FlagDefaults, stderr io.Writer) *Flags {
	fs := config.NewFlagSet(name)
	fs.SetOutput(stderr)
	f := &Flags{name: name, fs: fs, stderr: stderr}
	f.grpcAddr = fs.String("grpc-addr", d.GRPCAddr, "gRPC listen address")
	f.httpAddr = fs.String("http-addr", d.HTTPAddr, "Prometheus /metrics and /healthz listen address (empty: off)")
	f.dataDir = fs.String("data-dir", "data", "directory of the service's bbolt file ("+name+".db)")
	f.natsURL = fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server or cluster URL(s)", "CP_NATS_URL")
	if d.Stream != "" {
		f.replicas = fs.Int("stream-replicas", 1, "replicas of the "+d.Stream+" stream (1 embedded, 3 clustered)", "CP_STREAM_REPLICAS")
	}
	f.shutdown = fs.Duration("shutdown-timeout", DefaultShutdownTimeout, "how long in-flight calls get to finish on shutdown")
	f.healthcheck = fs.Mode("healthcheck", "probe the gRPC health of the service running at -grpc-addr and exit: 0 if SERVING, 1 if not (container health checks)")
	f.level = fs.LogLevel(slog.LevelInfo)
	return f
}

// FlagSet is where the service declares its own flags, before Parse.
func (f *Flags) FlagSet() *config.FlagSet { return f.fs }

// Parse parses args, which hold flags only (a positional argument is an
// error), and returns the common part of the service's Config, its Logger
// writing JSON to stderr at the -log-level. The source of each common
// address flag and of each flag named in logged (command line, environment
// or default) is logged at debug.
func (f *Flags) Parse(args []string, logged ...string) (Config, error) {
	if err := f.fs.Parse(args); err != nil {
		return Config{}, err
	}
	if rest := f.fs.Args(); len(rest) > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q (every setting is a flag)", rest)
	}
	log := slog.New(slog.NewJSONHandler(f.stderr, &slog.HandlerOptions{Level: f.level}))
	for _, name := range append([]string{"grpc-addr", "http-addr", "data-dir", "nats-url"}, logged...) {
		log.Debug("setting", "flag", name, "from", f.fs.Source(name))
	}
	cfg := Config{
		Name:            f.name,
		GRPCAddr:        *f.grpcAddr,
		HTTPAddr:        *f.httpAddr,
		DataDir:         *f.dataDir,
		NATSURL:         *f.natsURL,
		Logger:          log,
		ShutdownTimeout: *f.shutdown,
	}
	if f.replicas != nil {
		cfg.StreamReplicas = *f.replicas
	}
	return cfg, nil
}

// Healthcheck reports whether -healthcheck was given (after Parse).
func (f *Flags) Healthcheck() bool { return *f.healthcheck }

// GRPCAddr is -grpc-addr (after Parse).
func (f *Flags) GRPCAddr() string { return *f.grpcAddr }

// Logger is a logger like the one Parse puts in the Config.
func (f *Flags) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(f.stderr, &slog.HandlerOptions{Level: f.level}))
}

// Runner is what a service's cmd opens: its App.
type Runner interface {
	Run(ctx context.Context) error
}

// Command is the body of a service's command. It parses args with parse
// (which returns -h as flag.ErrHelp, returned as it is, and a command line
// it cannot run with as any other error, returned marked ErrUsage); then,
// with -healthcheck, probes the service already running at -grpc-addr and
// returns; otherwise opens the service with open, tells started (if not
// nil) before it serves, and runs it until ctx ends. An error that stops
// the service is also logged.
func Command[C any, A Runner](ctx context.Context, args []string, parse func(args []string) (C, *Flags, error),
	open func(context.Context, C) (A, error), started func(A)) error {
	cfg, flags, err := parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return err
	case err != nil:
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if flags.Healthcheck() {
		return grpcserver.Healthcheck(ctx, flags.GRPCAddr())
	}
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	if started != nil {
		started(a)
	}
	if err := a.Run(ctx); err != nil {
		flags.Logger().Error(flags.name+" stopped", "err", err)
		return err
	}
	return nil
}

// Main is a service command's main: it sets the garbage collector's target
// (TuneGC), runs run with the command line and a context that SIGINT and
// SIGTERM cancel (a graceful stop), and exits 0 when run returns nil or
// flag.ErrHelp, 2 for ErrUsage and 1 for any other error, printed to
// stderr after the command's name.
func Main(name string, run func(ctx context.Context, args []string, stderr io.Writer) error) {
	TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(ExitCode(name, err, os.Stderr))
}

// ExitCode is Main's exit status for err, which it prints to stderr
// (after name) unless it is nil or flag.ErrHelp.
func ExitCode(name string, err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
}
