// Package service is the runtime every service of the suite shares: it opens
// the service's bbolt file, connects to NATS, creates the stream the service
// publishes, runs the outbox relay and any consumers, serves gRPC (with
// health and reflection) and the Prometheus HTTP port, and shuts all of it
// down in order.
//
// A service's app package calls Open, registers its gRPC handlers on
// Runtime.GRPC(), adds its consumers and clocks with Runtime.Go, and then
// calls Runtime.Run. Both the service's own cmd and the all-in-one suite call
// the same app package, so there is one way a service starts.
//
// Shutdown order when the context ends (architecture: "Behaviour every
// service shares"): health NOT_SERVING and GracefulStop with a deadline, then
// Stop; background tasks (relay, consumers) are cancelled and awaited; the
// NATS connection is drained; the bbolt file is closed last, so no task
// writes to a closed file.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
	"github.com/corporate-parenting/suite/pkg/idem"
	"github.com/corporate-parenting/suite/pkg/metrics"
)

// Config is what every service is configured with.
type Config struct {
	// Name is the service's name: caseload, placement, careleaver, metrics.
	Name string
	// GRPCAddr is the gRPC listen address; "127.0.0.1:0" picks a free port.
	GRPCAddr string
	// HTTPAddr is the Prometheus /metrics and /healthz address; "" disables it.
	HTTPAddr string
	// DataDir holds the service's bbolt file, <DataDir>/<Name>.db.
	DataDir string
	// NATSURL is the NATS server (or cluster) to connect to.
	NATSURL string
	// StreamReplicas is the replica count of the stream the service
	// publishes: 1 with an embedded server, 3 in the clustered deployment.
	StreamReplicas int
	// Logger is the service's logger (slog.Default() if nil).
	Logger *slog.Logger
	// Clock is the service's clock (clock.System if nil). Tests set it.
	Clock clock.Clock
	// OutboxRetain, when positive, keeps published outbox rows that long
	// and publishes them again at start (events.RelayOptions.Retain): only
	// with a NATS server in the same process that fsyncs on an interval
	// shorter than it (natsembed.EmbeddedRetain with EmbeddedSyncInterval).
	// Zero with a NATS server that runs sync_interval always.
	OutboxRetain time.Duration
	// ShutdownTimeout bounds the graceful gRPC stop (10 s if 0).
	ShutdownTimeout time.Duration
}

// Spec is what a service declares about itself.
type Spec struct {
	// Schema names the service's bbolt buckets and schema version. The
	// outbox and consumer buckets are added by Open.
	Schema boltdb.Schema
	// Publishes is the stream the service produces, or nil.
	Publishes *events.StreamSpec
}

// Runtime is an opened service: its file, connection, servers and tasks.
type Runtime struct {
	cfg      Config
	log      *slog.Logger
	db       *bolt.DB
	nc       *nats.Conn
	js       jetstream.JetStream
	relay    *events.Relay
	grpc     *grpcserver.Server
	grpcLis  net.Listener
	httpLis  net.Listener
	registry *prometheus.Registry
	mux      *http.ServeMux
	clock    clock.Clock
	stream   *events.StreamSpec

	mu    sync.Mutex
	tasks []task
	ran   bool
}

type task struct {
	name string
	fn   func(ctx context.Context) error
}

// Open opens the bbolt file, connects to NATS (retrying in the background
// if NATS is not there yet: a service starts and takes writes without it),
// and binds the gRPC and HTTP listeners, so their addresses are known before
// Run.
func Open(ctx context.Context, cfg Config, spec Spec) (_ *Runtime, err error) {
	if cfg.Name == "" {
		return nil, errors.New("service: Config.Name is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.DataDir == "" {
		return nil, errors.New("service: Config.DataDir is required")
	}
	r := &Runtime{cfg: cfg, log: cfg.Logger.With("service", cfg.Name), clock: cfg.Clock, stream: spec.Publishes}
	defer func() {
		if err != nil {
			r.closeAll()
		}
	}()

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("service: data dir: %w", err)
	}
	schema := spec.Schema
	schema.Buckets = append(append([][]byte{}, schema.Buckets...), events.OutboxBucket, events.ConsumersBucket)
	r.db, err = boltdb.Open(filepath.Join(cfg.DataDir, cfg.Name+".db"), schema)
	if err != nil {
		return nil, err
	}

	opts := append(events.RelayConnectOptions(),
		nats.Name(cfg.Name),
		nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				r.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { r.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
	)
	r.nc, err = nats.Connect(cfg.NATSURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("service: nats: %w", err)
	}
	r.js, err = jetstream.New(r.nc)
	if err != nil {
		return nil, fmt.Errorf("service: jetstream: %w", err)
	}

	r.registry = metrics.NewRegistry()
	r.grpc = grpcserver.New(grpcserver.Config{
		ServiceName:     cfg.Name,
		ShutdownTimeout: cfg.ShutdownTimeout,
	}, cfg.Logger, r.registry) // grpcserver adds the service name itself

	if spec.Publishes != nil {
		r.relay = events.NewRelay(r.db, r.js, events.RelayOptions{Logger: r.log, Retain: cfg.OutboxRetain})
		if _, err := metrics.OutboxDepth(r.registry, cfg.Name, func() float64 {
			n, err := r.relay.Depth()
			if err != nil {
				return -1
			}
			return float64(n)
		}); err != nil {
			return nil, fmt.Errorf("service: outbox gauge: %w", err)
		}
	}

	r.grpcLis, err = net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		return nil, fmt.Errorf("service: grpc listen %s: %w", cfg.GRPCAddr, err)
	}
	r.mux = metrics.Handler(r.registry) // /metrics and /healthz
	if cfg.HTTPAddr != "" {
		r.httpLis, err = net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return nil, fmt.Errorf("service: http listen %s: %w", cfg.HTTPAddr, err)
		}
	}
	return r, nil
}

// DB is the service's bbolt file.
func (r *Runtime) DB() *bolt.DB { return r.db }

// JetStream is the service's JetStream context.
func (r *Runtime) JetStream() jetstream.JetStream { return r.js }

// NATS is the service's NATS connection.
func (r *Runtime) NATS() *nats.Conn { return r.nc }

// GRPC is the gRPC server to register handlers on.
func (r *Runtime) GRPC() *grpcserver.Server { return r.grpc }

// Registry is the service's Prometheus registry.
func (r *Runtime) Registry() *prometheus.Registry { return r.registry }

// HTTPMux is the HTTP port's mux, for extra routes (the scorecard page).
func (r *Runtime) HTTPMux() *http.ServeMux { return r.mux }

// Logger is the service's logger.
func (r *Runtime) Logger() *slog.Logger { return r.log }

// Clock is the service's clock.
func (r *Runtime) Clock() clock.Clock { return r.clock }

// GRPCAddr is the bound gRPC address (host:port).
func (r *Runtime) GRPCAddr() string { return r.grpcLis.Addr().String() }

// HTTPAddr is the bound HTTP address, or "" when disabled.
func (r *Runtime) HTTPAddr() string {
	if r.httpLis == nil {
		return ""
	}
	return r.httpLis.Addr().String()
}

// Published tells the relay that a committed transaction appended events.
// Call it after every write that called events.Append.
func (r *Runtime) Published() {
	if r.relay != nil {
		r.relay.Notify()
	}
}

// Relay is the outbox relay, or nil for a service that publishes nothing.
func (r *Runtime) Relay() *events.Relay { return r.relay }

// Go adds a background task (a consumer, a birthday clock) run by Run until
// shutdown. A task returning an error other than context.Canceled stops the
// service. Call before Run.
func (r *Runtime) Go(name string, fn func(ctx context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tasks = append(r.tasks, task{name: name, fn: fn})
}

// Run serves until ctx ends (or a task fails), then shuts down in order and
// closes the bbolt file. It returns nil after a clean shutdown.
func (r *Runtime) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.ran {
		r.mu.Unlock()
		return errors.New("service: Run called twice")
	}
	r.ran = true
	tasks := append([]task{}, r.tasks...)
	r.mu.Unlock()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	if r.relay != nil {
		spec := *r.stream
		if spec.Replicas == 0 {
			spec.Replicas = r.cfg.StreamReplicas
		}
		relay := r.relay
		tasks = append([]task{{name: "relay", fn: func(ctx context.Context) error {
			// The stream must exist before the first publish; NATS may not
			// be up yet, so keep trying (writes are kept in the outbox).
			if err := ensureStream(ctx, r.js, spec, r.log); err != nil {
				return err
			}
			return relay.Run(ctx)
		}}}, tasks...)
	}

	var wg sync.WaitGroup
	taskCtx, stopTasks := context.WithCancel(ctx)
	for _, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := t.fn(taskCtx); err != nil && !errors.Is(err, context.Canceled) && taskCtx.Err() == nil {
				r.log.Error("task failed", "task", t.name, "err", err)
				cancel(fmt.Errorf("%s: %w", t.name, err))
			}
		}()
	}

	var httpSrv *http.Server
	if r.httpLis != nil {
		httpSrv = &http.Server{Handler: r.mux, ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := httpSrv.Serve(r.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
				r.log.Error("http server failed", "err", err)
				cancel(err)
			}
		}()
	}

	r.log.Info("serving", "grpc", r.GRPCAddr(), "http", r.HTTPAddr(), "data", r.db.Path())
	serveErr := r.grpc.Serve(ctx, r.grpcLis) // returns after GracefulStop/Stop once ctx ends

	cancel(nil)
	if httpSrv != nil {
		shutCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
		_ = httpSrv.Shutdown(shutCtx)
		done()
	}
	stopTasks()
	wg.Wait()
	if r.nc != nil {
		_ = r.nc.Drain()
	}
	r.closeDB()
	r.log.Info("stopped")
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if serveErr != nil && !errors.Is(serveErr, context.Canceled) {
		return serveErr
	}
	return nil
}

// Close releases a Runtime that was opened but never run.
func (r *Runtime) Close() { r.closeAll() }

func (r *Runtime) closeAll() {
	if r.grpcLis != nil {
		_ = r.grpcLis.Close()
	}
	if r.httpLis != nil {
		_ = r.httpLis.Close()
	}
	if r.nc != nil {
		r.nc.Close()
	}
	r.closeDB()
}

func (r *Runtime) closeDB() {
	if r.db != nil {
		if err := r.db.Close(); err != nil {
			r.log.Error("closing bbolt file", "err", err)
		}
	}
}

// ensureStream creates or updates the stream, retrying until NATS answers
// or ctx ends.
func ensureStream(ctx context.Context, js jetstream.JetStream, spec events.StreamSpec, log *slog.Logger) error {
	backoff := 100 * time.Millisecond
	for {
		callCtx, done := context.WithTimeout(ctx, 5*time.Second)
		_, err := events.EnsureStream(callCtx, js, spec)
		done()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("stream not ready; retrying", "stream", spec.Name, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		if backoff < 2*time.Second {
			backoff *= 2
		}
	}
}

// KeepRequestIDs prunes, hourly, the request_id entries (pkg/idem) older
// than retention, so the idem bucket does not grow for ever. The contract
// promises a retry returns the first response for at least 24 hours; idem
// refuses a shorter retention. Call before Run.
func (r *Runtime) KeepRequestIDs(retention time.Duration) {
	r.Go("idem-prune", func(ctx context.Context) error {
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			n, err := idem.Prune(r.db, retention, r.clock.Now())
			if err != nil {
				r.log.Warn("pruning request ids failed", "err", err)
				continue
			}
			if n > 0 {
				r.log.Info("pruned request ids", "n", n)
			}
		}
	})
}
