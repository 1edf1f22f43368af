// Package metrics is each service's Prometheus registry and its small HTTP
// listener for /metrics and /healthz, plus the gauges every service shares.
//
// The gRPC request metrics live in pkg/grpcserver, registered on the same
// registry.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors
// (memory, file descriptors, CPU), which the memory measurements read.
// Each service has its own registry, also when the suite runs all four in
// one process, so no metric is registered twice.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves /metrics from g and /healthz. It returns the mux so a
// service can add routes of its own before serving it.
func Handler(g prometheus.Gatherer) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	// Liveness only: the process is up and serving HTTP. Readiness is the
	// gRPC health service, which knows about shutdown.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// Serve listens on addr and serves Handler(reg) until ctx ends.
func Serve(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	return ServeOn(ctx, lis, Handler(reg), log)
}

// shutdownTimeout bounds how long a scrape in progress may delay shutdown.
const shutdownTimeout = 5 * time.Second

// ServeOn serves h on lis until ctx ends, then shuts down, letting requests
// in flight finish for a few seconds. It returns nil after a shutdown caused
// by ctx, and the server's error otherwise. It closes lis.
func ServeOn(ctx context.Context, lis net.Listener, h http.Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	log.Info("metrics listening", "addr", lis.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("metrics: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		log.Warn("metrics: shutdown timed out", "err", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: serve: %w", err)
	}
	return nil
}

// OutboxDepth registers outbox_depth{service}: events written to the
// service's outbox and not yet acknowledged by JetStream. It grows while
// NATS is down and should fall back to zero. depth is called at each scrape,
// from the scraping goroutine, so it must be cheap and safe for concurrent
// use (a bbolt View reading a bucket's key count is fine).
func OutboxDepth(reg prometheus.Registerer, service string, depth func() float64) (prometheus.GaugeFunc, error) {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "outbox_depth",
		Help:        "Events in the outbox not yet acknowledged by JetStream.",
		ConstLabels: prometheus.Labels{"service": service},
	}, depth)
	if err := reg.Register(g); err != nil {
		return nil, fmt.Errorf("metrics: register outbox_depth for %s: %w", service, err)
	}
	return g, nil
}

// ConsumerLag registers consumer_lag{durable}: messages in the stream not
// yet applied by the named durable consumer (e.g. "metrics-placement"). lag
// is called at each scrape; see OutboxDepth.
func ConsumerLag(reg prometheus.Registerer, durable string, lag func() float64) (prometheus.GaugeFunc, error) {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "consumer_lag",
		Help:        "Stream messages not yet applied by the durable consumer.",
		ConstLabels: prometheus.Labels{"durable": durable},
	}, lag)
	if err := reg.Register(g); err != nil {
		return nil, fmt.Errorf("metrics: register consumer_lag for %s: %w", durable, err)
	}
	return g, nil
}
