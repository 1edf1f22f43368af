package grpcserver_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
)

// A hand-written service (the generated protos do not exist yet): unary Do
// and server-streaming Watch, both taking and returning StringValue. The
// request value says what the handler does.
const (
	serviceName = "test.v1.ChildService"
	methodDo    = "/" + serviceName + "/Do"
	methodWatch = "/" + serviceName + "/Watch"
)

type childService struct {
	started chan struct{} // closed by a "block" call once it is running
	release chan struct{} // closed by the test to let a "block" call finish
}

func newChildService() *childService {
	return &childService{started: make(chan struct{}), release: make(chan struct{})}
}

func (c *childService) Do(ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
	switch in.GetValue() {
	case "invalid":
		var v errs.Violations
		v.Add("child.date_of_birth", "903:358", "must be on or before the start of care")
		v.Add("child.name", "required", "name is required")
		return nil, v.Err()
	case "conflict":
		return nil, errs.Conflict(errs.Violation{Field: "placement.start_date", Rule: "903:503", Message: "overlaps the previous placement"})
	case "notfound":
		return nil, errs.NotFoundf("child %s not found", "c-9")
	case "internal":
		return nil, errors.New("bolt: page 42 corrupt; secret-detail")
	case "canceled":
		return nil, context.Canceled
	case "status":
		return nil, status.Error(codes.ResourceExhausted, "slow down")
	case "panic":
		panic("boom")
	case "block":
		close(c.started)
		select {
		case <-c.release:
			return wrapperspb.String("finished"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "hang":
		// Ignores release: only Stop (cancelling ctx) ends it.
		close(c.started)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	// Echo a payload-shaped reply, with the request id the handler saw.
	return wrapperspb.String("reply for " + in.GetValue() + " rid=" + grpcserver.RequestID(ctx)), nil
}

func (c *childService) Watch(in *wrapperspb.StringValue, ss grpc.ServerStream) error {
	if in.GetValue() == "panic" {
		panic("stream boom")
	}
	if err := ss.SendMsg(wrapperspb.String("hello")); err != nil {
		return err
	}
	<-ss.Context().Done()
	return ss.Context().Err()
}

var childServiceDesc = grpc.ServiceDesc{
	ServiceName: serviceName,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Do",
		Handler: func(srv any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			call := func(ctx context.Context, req any) (any, error) {
				return srv.(*childService).Do(ctx, req.(*wrapperspb.StringValue))
			}
			if icpt == nil {
				return call(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: methodDo}, call)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Watch",
		ServerStreams: true,
		Handler: func(srv any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return srv.(*childService).Watch(in, ss)
		},
	}},
}

// syncBuffer collects log output written by server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	srv     *grpcserver.Server
	svc     *childService
	conn    *grpc.ClientConn
	lis     net.Listener
	logs    *syncBuffer
	reg     *prometheus.Registry
	stop    context.CancelFunc
	done    chan error
	stopped bool
}

// start runs a real server with the full interceptor chain on a loopback
// port and connects a real client to it.
func start(t *testing.T, cfg grpcserver.Config) *harness {
	t.Helper()
	if cfg.ServiceName == "" {
		cfg.ServiceName = "test"
	}
	h := &harness{svc: newChildService(), logs: &syncBuffer{}, reg: prometheus.NewRegistry(), done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(h.logs, t.Output()), &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.srv = grpcserver.New(cfg, log, h.reg)
	h.srv.GRPC().RegisterService(&childServiceDesc, h.svc)
	var err error
	if h.lis, err = h.srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- h.srv.Serve(ctx, h.lis) }()
	if h.conn, err = grpc.NewClient(h.lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.conn.Close()
		if !h.stopped {
			if err := h.shutdown(t); err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
	})
	return h
}

// shutdown cancels Serve's context and waits for Serve to return.
func (h *harness) shutdown(t *testing.T) error {
	t.Helper()
	h.stop()
	return h.wait(t)
}

func (h *harness) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-h.done:
		h.stopped = true
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

func (h *harness) do(ctx context.Context, value string, opts ...grpc.CallOption) (*wrapperspb.StringValue, error) {
	out := new(wrapperspb.StringValue)
	err := h.conn.Invoke(ctx, methodDo, wrapperspb.String(value), out, opts...)
	return out, err
}

func (h *harness) watch(ctx context.Context, value string) (grpc.ClientStream, error) {
	cs, err := h.conn.NewStream(ctx, &grpc.StreamDesc{StreamName: "Watch", ServerStreams: true}, methodWatch)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(value)); err != nil {
		return nil, err
	}
	return cs, cs.CloseSend()
}

func badRequest(t *testing.T, err error) []*errdetails.BadRequest_FieldViolation {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br.GetFieldViolations()
		}
	}
	return nil
}

func TestErrorsOverTheWire(t *testing.T) {
	h := start(t, grpcserver.Config{})
	type fv struct{ field, reason, description string }
	tests := []struct {
		call       string
		wantCode   codes.Code
		wantMsg    string
		wantFields []fv
	}{
		{"invalid", codes.InvalidArgument, "invalid argument: 2 problems", []fv{
			{"child.date_of_birth", "903:358", "903:358: must be on or before the start of care"},
			{"child.name", "required", "required: name is required"},
		}},
		{"conflict", codes.FailedPrecondition, "conflicts with recorded history", []fv{
			{"placement.start_date", "903:503", "903:503: overlaps the previous placement"},
		}},
		{"notfound", codes.NotFound, "child c-9 not found", nil},
		{"internal", codes.Internal, "internal error", nil},
		{"canceled", codes.Canceled, "request canceled", nil},
		{"status", codes.ResourceExhausted, "slow down", nil},
		{"fine", codes.OK, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			_, err := h.do(t.Context(), tt.call)
			st := status.Convert(err)
			if st.Code() != tt.wantCode || !strings.HasPrefix(st.Message(), tt.wantMsg) {
				t.Fatalf("got %v %q, want %v %q…", st.Code(), st.Message(), tt.wantCode, tt.wantMsg)
			}
			got := badRequest(t, err)
			if len(got) != len(tt.wantFields) {
				t.Fatalf("field violations = %v, want %v", got, tt.wantFields)
			}
			for i, w := range tt.wantFields {
				if g := (fv{got[i].GetField(), got[i].GetReason(), got[i].GetDescription()}); g != w {
					t.Errorf("violation %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
	// The detail of an internal error is logged, never returned.
	if !strings.Contains(h.logs.String(), "secret-detail") {
		t.Error("internal error detail was not logged")
	}
	if _, err := h.do(t.Context(), "internal"); strings.Contains(err.Error(), "secret-detail") {
		t.Error("internal error detail reached the client")
	}
}

func TestPanicRecovered(t *testing.T) {
	h := start(t, grpcserver.Config{})
	_, err := h.do(t.Context(), "panic")
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Fatalf("panic: got %v %q", st.Code(), st.Message())
	}
	cs, err := h.watch(t.Context(), "panic")
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.RecvMsg(new(wrapperspb.StringValue)); status.Code(err) != codes.Internal {
		t.Fatalf("stream panic: got %v", err)
	}
	// The server is still serving.
	if resp, err := h.do(t.Context(), "after"); err != nil || !strings.HasPrefix(resp.GetValue(), "reply for after") {
		t.Fatalf("call after panic: %v, %v", resp, err)
	}
	logs := h.logs.String()
	for _, want := range []string{"panic in handler", "boom", "stream boom", "goroutine", "code=Internal"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log does not contain %q", want)
		}
	}
}

func TestRequestID(t *testing.T) {
	h := start(t, grpcserver.Config{})
	tests := []struct {
		name     string
		sent     string // "" sends no header
		wantSame bool
	}{
		{"caller's id kept", "rid-0190d5a4-7b1c", true},
		{"none sent", "", false},
		{"spaces replaced", "forged id level=ERROR", false},
		{"too long replaced", strings.Repeat("x", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.sent != "" {
				ctx = metadata.AppendToOutgoingContext(ctx, grpcserver.RequestIDHeader, tt.sent)
			}
			var header metadata.MD
			resp, err := h.do(ctx, "x", grpc.Header(&header))
			if err != nil {
				t.Fatal(err)
			}
			ids := header.Get(grpcserver.RequestIDHeader)
			if len(ids) != 1 {
				t.Fatalf("response header %s = %v", grpcserver.RequestIDHeader, ids)
			}
			id := ids[0]
			if tt.wantSame && id != tt.sent {
				t.Fatalf("echoed %q, sent %q", id, tt.sent)
			}
			if !tt.wantSame {
				u, err := uuid.Parse(id)
				if err != nil || u.Version() != 7 {
					t.Fatalf("made-up id %q is not a UUIDv7", id)
				}
			}
			if !strings.HasSuffix(resp.GetValue(), "rid="+id) {
				t.Fatalf("handler saw %q, header said %q", resp.GetValue(), id)
			}
			if !strings.Contains(h.logs.String(), "request_id="+id) {
				t.Fatalf("access log has no request_id=%s", id)
			}
		})
	}
	// Streams get one too.
	cs, err := h.watch(metadata.AppendToOutgoingContext(t.Context(), grpcserver.RequestIDHeader, "stream-rid"), "x")
	if err != nil {
		t.Fatal(err)
	}
	md, err := cs.Header()
	if err != nil || md.Get(grpcserver.RequestIDHeader)[0] != "stream-rid" {
		t.Fatalf("stream header = %v, %v", md, err)
	}
}

func TestAccessLogHasNoPayload(t *testing.T) {
	h := start(t, grpcserver.Config{})
	const personal = "Jane Doe born 2010-06-15"
	ctx := metadata.AppendToOutgoingContext(t.Context(), grpcserver.RequestIDHeader, "log-rid")
	resp, err := h.do(ctx, personal)
	if err != nil || !strings.Contains(resp.GetValue(), personal) {
		t.Fatalf("call: %v, %v", resp, err)
	}
	var line string
	for l := range strings.SplitSeq(h.logs.String(), "\n") {
		if strings.Contains(l, "request_id=log-rid") {
			line = l
		}
	}
	for _, want := range []string{`msg="grpc call"`, "method=" + methodDo, "code=OK", "duration_ms=", "peer=127.0.0.1:", "service=test"} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line %q lacks %q", line, want)
		}
	}
	if strings.Contains(h.logs.String(), "Jane") {
		t.Fatal("the log holds the request or response payload")
	}
}

func TestMetrics(t *testing.T) {
	h := start(t, grpcserver.Config{ServiceName: "caseload"})
	for _, call := range []string{"a", "b", "invalid", "panic"} {
		_, _ = h.do(t.Context(), call)
	}
	tests := []struct {
		code string
		want float64
	}{{"OK", 2}, {"InvalidArgument", 1}, {"Internal", 1}}
	for _, tt := range tests {
		got := counter(t, h.reg, "grpc_server_handled_total", map[string]string{"service": "caseload", "method": methodDo, "code": tt.code})
		if got != tt.want {
			t.Errorf("handled_total{code=%s} = %v, want %v", tt.code, got, tt.want)
		}
	}
	if n := histogramCount(t, h.reg, "grpc_server_handling_seconds", map[string]string{"service": "caseload", "method": methodDo}); n != 4 {
		t.Errorf("handling_seconds count = %d, want 4", n)
	}
}

func TestMetricsSharedRegistry(t *testing.T) {
	// The suite runs four servers in one process; they may share a registry,
	// and a service restarted in-process registers again.
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	for _, name := range []string{"caseload", "placement", "caseload"} {
		grpcserver.New(grpcserver.Config{ServiceName: name}, log, reg)
	}
	grpcserver.New(grpcserver.Config{ServiceName: "careleaver"}, log, nil) // no registry
}

func match(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := labels[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}

func counter(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if match(m, labels) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if match(m, labels) {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

func TestHealthAndReflection(t *testing.T) {
	h := start(t, grpcserver.Config{})
	hc := healthpb.NewHealthClient(h.conn)
	tests := []struct {
		service  string
		want     healthpb.HealthCheckResponse_ServingStatus
		wantCode codes.Code
	}{
		{"", healthpb.HealthCheckResponse_SERVING, codes.OK},
		{serviceName, healthpb.HealthCheckResponse_SERVING, codes.OK},
		{"no.such.Service", 0, codes.NotFound},
	}
	for _, tt := range tests {
		resp, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{Service: tt.service})
		if status.Code(err) != tt.wantCode || resp.GetStatus() != tt.want {
			t.Errorf("Check(%q) = %v, %v; want %v, %v", tt.service, resp.GetStatus(), err, tt.want, tt.wantCode)
		}
	}

	rc, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := rc.Recv()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, s := range resp.GetListServicesResponse().GetService() {
		listed[s.GetName()] = true
	}
	for _, want := range []string{serviceName, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !listed[want] {
			t.Errorf("reflection does not list %s (got %v)", want, listed)
		}
	}
	_ = rc.CloseSend()
}

func TestGracefulShutdown(t *testing.T) {
	h := start(t, grpcserver.Config{ShutdownTimeout: time.Minute})

	// A health watcher and a long-lived stream, both open before shutdown.
	hw, err := healthpb.NewHealthClient(h.conn).Watch(t.Context(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := hw.Recv(); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health watch first = %v, %v", r, err)
	}
	ws, err := h.watch(t.Context(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.RecvMsg(new(wrapperspb.StringValue)); err != nil {
		t.Fatal(err)
	}

	// A unary call in flight.
	type result struct {
		resp *wrapperspb.StringValue
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := h.do(context.Background(), "block")
		inflight <- result{resp, err}
	}()
	<-h.svc.started

	h.stop() // shutdown begins

	// The watcher is told NOT_SERVING, then its stream ends with Unavailable.
	r, err := hw.Recv()
	if err != nil || r.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health watch after shutdown = %v, %v; want NOT_SERVING", r, err)
	}
	if _, err := hw.Recv(); status.Code(err) != codes.Unavailable {
		t.Fatalf("health watch end = %v, want Unavailable", err)
	}
	if err := ws.RecvMsg(new(wrapperspb.StringValue)); status.Code(err) != codes.Unavailable {
		t.Fatalf("stream end = %v, want Unavailable", err)
	}
	resp, err := h.srv.Health().Check(t.Context(), &healthpb.HealthCheckRequest{Service: serviceName})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("health during shutdown = %v, %v", resp, err)
	}

	// GracefulStop has closed the listener but waits for the call in flight.
	waitFor(t, func() error {
		c, err := net.Dial("tcp", h.lis.Addr().String())
		if err == nil {
			c.Close()
			return errors.New("listener still accepting")
		}
		return nil
	})
	select {
	case res := <-inflight:
		t.Fatalf("in-flight call ended before release: %v, %v", res.resp, res.err)
	case err := <-h.done:
		t.Fatalf("Serve returned with a call in flight: %v", err)
	default:
	}
	close(h.svc.release)
	res := <-inflight
	if res.err != nil || res.resp.GetValue() != "finished" {
		t.Fatalf("in-flight call = %v, %v; want it to finish", res.resp, res.err)
	}
	if err := h.wait(t); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
}

func TestShutdownTimeoutStops(t *testing.T) {
	h := start(t, grpcserver.Config{ShutdownTimeout: 100 * time.Millisecond})
	callErr := make(chan error, 1)
	go func() {
		_, err := h.do(context.Background(), "hang")
		callErr <- err
	}()
	<-h.svc.started
	began := time.Now()
	if err := h.shutdown(t); err != nil {
		t.Fatalf("Serve = %v", err)
	}
	if d := time.Since(began); d > 20*time.Second {
		t.Fatalf("shutdown took %v with a 100ms timeout", d)
	}
	if err := <-callErr; err == nil {
		t.Fatal("hung call succeeded after Stop")
	}
	if !strings.Contains(h.logs.String(), "graceful stop timed out") {
		t.Error("forced stop was not logged")
	}
}

func TestMaxMsgBytes(t *testing.T) {
	h := start(t, grpcserver.Config{MaxMsgBytes: 1024})
	if _, err := h.do(t.Context(), "small"); err != nil {
		t.Fatal(err)
	}
	_, err := h.do(t.Context(), strings.Repeat("x", 2048))
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("oversized request: %v, want ResourceExhausted", err)
	}
}

func TestListenAndServeErrors(t *testing.T) {
	srv := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, slog.New(slog.NewTextHandler(t.Output(), nil)), nil)
	lis, err := srv.Listen("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Listen(lis.Addr().String()); err == nil {
		t.Fatal("second Listen on a used address succeeded")
	}
	// A listener that fails makes Serve return its error instead of hanging.
	lis.Close()
	if err := srv.Serve(t.Context(), lis); err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
}

// waitFor polls cond until it returns nil, failing after a deadline; tests
// never sleep to wait.
func waitFor(t *testing.T, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met: %v", err)
		}
		<-tick.C
	}
}
