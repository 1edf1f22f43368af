package grpcserver_test

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/corporate-parenting/suite/pkg/grpcserver"
)

// The -healthcheck mode against a real server: SERVING passes, probed
// through the unspecified listen addresses a container uses; NOT_SERVING
// and a closed port fail with the reason; an address without a fixed port
// fails at once.
func TestHealthcheck(t *testing.T) {
	srv := grpcserver.New(grpcserver.Config{ServiceName: "caseload"}, slog.New(slog.NewTextHandler(t.Output(), nil)), nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done })

	for _, addr := range []string{lis.Addr().String(), "0.0.0.0:" + port, ":" + port, "[::]:" + port} {
		if err := grpcserver.Healthcheck(context.Background(), addr); err != nil {
			t.Errorf("Healthcheck(%s): %v", addr, err)
		}
	}

	srv.Health().SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	if err := grpcserver.Healthcheck(context.Background(), lis.Addr().String()); err == nil || !strings.Contains(err.Error(), "NOT_SERVING") {
		t.Errorf("NOT_SERVING: %v", err)
	}
	srv.Health().SetServingStatus("", healthpb.HealthCheckResponse_SERVING)

	// Nothing listening: fails by the deadline, however soon it is.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	_ = closed.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer ccancel()
	began := time.Now()
	if err := grpcserver.Healthcheck(cctx, closedAddr); err == nil {
		t.Error("closed port: healthy")
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("closed port: took %v", d)
	}
	// The built-in deadline holds without one from the caller.
	began = time.Now()
	if err := grpcserver.Healthcheck(context.Background(), closedAddr); err == nil {
		t.Error("closed port: healthy")
	}
	if d := time.Since(began); d > grpcserver.HealthcheckTimeout+2*time.Second {
		t.Errorf("closed port without deadline: took %v", d)
	}

	for _, bad := range []string{"localhost", "127.0.0.1:0", ""} {
		if err := grpcserver.Healthcheck(context.Background(), bad); err == nil || !strings.HasPrefix(err.Error(), "healthcheck:") {
			t.Errorf("Healthcheck(%q): %v", bad, err)
		}
	}
}
