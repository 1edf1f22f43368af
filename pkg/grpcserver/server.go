// Package grpcserver is the gRPC server every service runs: health and
// reflection registered, one interceptor chain (request id, access log,
// Prometheus, error mapping, panic recovery), and a graceful shutdown.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

// Defaults for zero Config fields.
const (
	DefaultMaxMsgBytes     = 4 << 20
	DefaultShutdownTimeout = 10 * time.Second
)

// Config is a server's settings.
type Config struct {
	// Addr is the listen address Listen uses when given "".
	Addr string
	// MaxMsgBytes bounds a request or response (default 4 MiB).
	MaxMsgBytes int
	// ShutdownTimeout bounds GracefulStop; calls still running after it are
	// cut off by Stop (default 10 s).
	ShutdownTimeout time.Duration
	// ServiceName labels logs and metrics, e.g. "caseload".
	ServiceName string
}

// Server is a grpc.Server with the suite's wiring.
type Server struct {
	cfg     Config
	log     *slog.Logger
	grpc    *grpc.Server
	health  *health.Server
	metrics *serverMetrics

	// draining ends when shutdown starts; it cancels streams, which would
	// otherwise hold GracefulStop until the timeout.
	draining    context.Context
	stopStreams context.CancelFunc
}

// New builds a server. Register services on GRPC() before Serve. log may be
// nil (slog.Default); reg may be nil (metrics are kept but not exported).
// Registering on a registry that already has this server's metrics (e.g.
// a service restarted in-process) reuses them.
func New(cfg Config, log *slog.Logger, reg prometheus.Registerer) *Server {
	if cfg.MaxMsgBytes <= 0 {
		cfg.MaxMsgBytes = DefaultMaxMsgBytes
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.ServiceName != "" {
		log = log.With("service", cfg.ServiceName)
	}
	s := &Server{cfg: cfg, log: log, health: health.NewServer(), metrics: newServerMetrics(cfg.ServiceName, reg)}
	s.draining, s.stopStreams = context.WithCancel(context.Background())
	s.grpc = grpc.NewServer(
		grpc.MaxRecvMsgSize(cfg.MaxMsgBytes),
		grpc.MaxSendMsgSize(cfg.MaxMsgBytes),
		// Outermost first. Recovery sits inside the others so that a panic
		// is logged, counted and mapped like any other Internal error.
		grpc.ChainUnaryInterceptor(
			s.unaryRequestID,
			s.unaryAccessLog,
			s.unaryMetrics,
			s.unaryErrors,
			s.unaryRecover,
		),
		grpc.ChainStreamInterceptor(
			s.streamRequestID,
			s.streamAccessLog,
			s.streamMetrics,
			s.streamErrors,
			s.streamRecover,
			s.streamDrain,
		),
	)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	return s
}

// GRPC is the underlying server, for registering services.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Health is the health service; a service may mark itself NOT_SERVING while
// a dependency is down.
func (s *Server) Health() *health.Server { return s.health }

// Listen opens a TCP listener on addr, or on Config.Addr if addr is "".
func (s *Server) Listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = s.cfg.Addr
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("grpcserver: listen on %s: %w", addr, err)
	}
	return lis, nil
}

// Serve marks every registered service SERVING and serves lis until ctx
// ends. Then it shuts down in the order load balancers and clients need:
// health NOT_SERVING (health watchers are told before their stream ends);
// streams cancelled, ending with Unavailable so clients resume elsewhere;
// GracefulStop, letting unary calls in flight finish, bounded by
// ShutdownTimeout; then Stop. It returns nil after a shutdown caused by ctx.
// A Server serves once.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)

	errc := make(chan error, 1)
	go func() { errc <- s.grpc.Serve(lis) }()
	s.log.Info("grpc listening", "addr", lis.Addr().String())

	select {
	case err := <-errc:
		// The listener failed: nothing to drain gracefully.
		s.health.Shutdown()
		s.stopStreams()
		s.grpc.Stop()
		return fmt.Errorf("grpcserver: serve: %w", err)
	case <-ctx.Done():
	}

	s.log.Info("grpc shutting down", "timeout", s.cfg.ShutdownTimeout)
	s.health.Shutdown()
	s.stopStreams()
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.log.Warn("grpc graceful stop timed out; stopping", "timeout", s.cfg.ShutdownTimeout)
		s.grpc.Stop()
		<-stopped
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("grpcserver: serve: %w", err)
	}
	s.log.Info("grpc stopped")
	return nil
}
