package grpcserver

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/errs"
)

// RequestIDHeader is the metadata key carrying a call's request id, in both
// directions. It traces a call through logs; it is not the request_id field
// that makes writes idempotent.
const RequestIDHeader = "x-request-id"

// maxRequestIDLen bounds an id taken from a caller: it is logged verbatim.
const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestID returns the call's request id, or "" outside a call.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithRequestID returns ctx carrying id, as the server interceptor does;
// for tests of code that reads RequestID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestIDFrom takes the caller's id if it is sane, else makes a UUIDv7
// (time-ordered, so ids sort with the logs).
func requestIDFrom(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if ids := md.Get(RequestIDHeader); len(ids) > 0 && validRequestID(ids[0]) {
			return ids[0]
		}
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// validRequestID accepts printable ASCII without spaces, so a caller
// cannot forge log lines through it.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// stream wraps a ServerStream to give handlers a different context.
type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *stream) Context() context.Context { return w.ctx }

func (s *Server) unaryRequestID(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	id := requestIDFrom(ctx)
	// Best effort: the header is only lost if the transport is gone.
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDHeader, id))
	return h(WithRequestID(ctx, id), req)
}

func (s *Server) streamRequestID(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	id := requestIDFrom(ss.Context())
	_ = ss.SetHeader(metadata.Pairs(RequestIDHeader, id))
	return h(srv, &stream{ServerStream: ss, ctx: WithRequestID(ss.Context(), id)})
}

// The access log records who called what, the outcome and how long it
// took. Never the request or response: they hold children's personal data.

func (s *Server) unaryAccessLog(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := h(ctx, req)
	s.logCall(ctx, "grpc call", info.FullMethod, err, time.Since(start))
	return resp, err
}

func (s *Server) streamAccessLog(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	start := time.Now()
	err := h(srv, ss)
	s.logCall(ss.Context(), "grpc stream", info.FullMethod, err, time.Since(start))
	return err
}

func (s *Server) logCall(ctx context.Context, msg, method string, err error, d time.Duration) {
	code := status.Code(err)
	level := slog.LevelInfo
	switch {
	case code == codes.Internal || code == codes.Unknown || code == codes.DataLoss:
		level = slog.LevelError
	case strings.HasPrefix(method, "/grpc.health.v1.Health/"):
		// Load balancers poll health constantly.
		level = slog.LevelDebug
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("request_id", RequestID(ctx)),
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, slog.String("peer", p.Addr.String()))
	}
	s.log.LogAttrs(ctx, level, msg, attrs...)
}

// serverMetrics are the request counters and latencies. The service name is
// a constant label, so several servers can share one registry (the suite
// runs four in one process).
type serverMetrics struct {
	handled  *prometheus.CounterVec
	handling *prometheus.HistogramVec
}

func newServerMetrics(service string, reg prometheus.Registerer) *serverMetrics {
	constLabels := prometheus.Labels{"service": service}
	m := &serverMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "grpc_server_handled_total",
			Help:        "RPCs completed on the server, by method and status code.",
			ConstLabels: constLabels,
		}, []string{"method", "code"}),
		handling: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "grpc_server_handling_seconds",
			Help:        "Time to handle an RPC on the server, by method.",
			ConstLabels: constLabels,
			// Down to 100 µs: indicator reads are expected under 1 ms.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method"}),
	}
	if reg != nil {
		m.handled = register(reg, m.handled)
		m.handling = register(reg, m.handling)
	}
	return m
}

// register registers c, or returns the collector already registered under
// the same description (a second server with the same name in one process).
// Any other registration error is a programming error.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("grpcserver: register metrics: " + err.Error())
	}
	return c
}

func (m *serverMetrics) observe(method string, err error, d time.Duration) {
	m.handled.WithLabelValues(method, status.Code(err).String()).Inc()
	m.handling.WithLabelValues(method).Observe(d.Seconds())
}

func (s *Server) unaryMetrics(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := h(ctx, req)
	s.metrics.observe(info.FullMethod, err, time.Since(start))
	return resp, err
}

func (s *Server) streamMetrics(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	start := time.Now()
	err := h(srv, ss)
	s.metrics.observe(info.FullMethod, err, time.Since(start))
	return err
}

// Error mapping: every error leaves the server through ToStatus. The detail
// of an internal error is logged here, since the caller never sees it.

func (s *Server) unaryErrors(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		return resp, s.mapError(ctx, info.FullMethod, err)
	}
	return resp, nil
}

func (s *Server) streamErrors(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := h(srv, ss); err != nil {
		return s.mapError(ss.Context(), info.FullMethod, err)
	}
	return nil
}

func (s *Server) mapError(ctx context.Context, method string, err error) error {
	st := ToStatus(err)
	switch {
	case status.Code(st) == codes.Internal && !isStatus(err):
		s.log.LogAttrs(ctx, slog.LevelError, "internal error",
			slog.String("method", method), slog.String("request_id", RequestID(ctx)), slog.Any("err", err))
	case errs.KindOf(err) == errs.KindUnavailable && errors.Unwrap(err) != nil:
		s.log.LogAttrs(ctx, slog.LevelWarn, "dependency unavailable",
			slog.String("method", method), slog.String("request_id", RequestID(ctx)), slog.Any("err", err))
	}
	return st
}

// isStatus reports whether err is itself a gRPC status error (already
// mapped, e.g. by the recovery interceptor, which logged it).
func isStatus(err error) bool {
	_, ok := err.(interface{ GRPCStatus() *status.Status })
	return ok
}

// Panic recovery: a panicking handler becomes Internal, with its stack in
// the log, and the server keeps serving.

func (s *Server) unaryRecover(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.recovered(ctx, info.FullMethod, r)
		}
	}()
	return h(ctx, req)
}

func (s *Server) streamRecover(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.recovered(ss.Context(), info.FullMethod, r)
		}
	}()
	return h(srv, ss)
}

func (s *Server) recovered(ctx context.Context, method string, r any) error {
	s.log.LogAttrs(ctx, slog.LevelError, "panic in handler",
		slog.String("method", method), slog.String("request_id", RequestID(ctx)),
		slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
	return status.Error(codes.Internal, internalMessage)
}

// streamDrain ends streams when shutdown starts: a stream that would run
// for ever (WatchIndicators, health Watch) must not hold GracefulStop until
// its timeout. The handler sees its context cancelled; the client sees
// Unavailable, the code that tells it to reconnect elsewhere and resume.
func (s *Server) streamDrain(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	var drained atomic.Bool
	drain := func() { drained.Store(true); cancel() }

	var wrapped grpc.ServerStream = &stream{ServerStream: ss, ctx: ctx}
	onShutdown := drain
	if info.FullMethod == healthpb.Health_Watch_FullMethodName {
		// A health watcher must see NOT_SERVING before its stream ends,
		// or it would only learn of the shutdown from the broken stream.
		hw := &healthWatch{ServerStream: wrapped, drain: drain}
		wrapped, onShutdown = hw, hw.shutdown
	}
	stop := context.AfterFunc(s.draining, onShutdown)
	defer stop()

	err := h(srv, wrapped)
	if err != nil && drained.Load() && ss.Context().Err() == nil {
		return status.Error(codes.Unavailable, "server shutting down")
	}
	return err
}

// healthWatch ends a health Watch stream once shutdown has started and the
// watcher has been sent a status other than SERVING.
type healthWatch struct {
	grpc.ServerStream
	drain func()

	mu           sync.Mutex
	shuttingDown bool
	notServing   bool // the last status sent was not SERVING
}

func (w *healthWatch) shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.shuttingDown = true
	if w.notServing {
		w.drain()
	}
}

func (w *healthWatch) SendMsg(m any) error {
	err := w.ServerStream.SendMsg(m)
	if r, ok := m.(*healthpb.HealthCheckResponse); ok && err == nil {
		w.mu.Lock()
		w.notServing = r.GetStatus() != healthpb.HealthCheckResponse_SERVING
		if w.shuttingDown && w.notServing {
			w.drain()
		}
		w.mu.Unlock()
	}
	return err
}
