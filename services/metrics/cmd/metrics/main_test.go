package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
)

// syncBuffer is a bytes.Buffer safe for the service's log writes.
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

func TestServesHealthAndReflection(t *testing.T) {
	ns := natsembed.StartForTest(t)
	t.Setenv("CP_NATS_URL", ns.ClientURL()) // the shared fallback the compose file uses
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-grpc-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-log-level", "warn"}, &logs,
			func(g, h string) { addrs <- [2]string{g, h} })
	}()
	var grpcAddr, httpAddr string
	select {
	case a := <-addrs:
		grpcAddr, httpAddr = a[0], a[1]
	case err := <-done:
		t.Fatalf("run returned %v\n%s", err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("not started")
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// Health: SERVING (polled: Serve marks it once it runs).
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health: %v %v", resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "metrics.v1.MetricsService"}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("service health: %v %v", resp, err)
	}

	// Reflection lists the service.
	rc, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := rc.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !strings.Contains(strings.Join(names, ","), "metrics.v1.MetricsService") {
		t.Fatalf("reflection lists %v", names)
	}

	// The HTTP port serves the gauges.
	hr, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	if !strings.Contains(string(body), `cp_indicator_numerator{age_band="all",indicator="cla_count",variant="dfe"} 0`) {
		t.Fatalf("/metrics:\n%s", body)
	}

	// -healthcheck: passes while the service serves, fails once it has
	// stopped (main exits 1 on any error but usage).
	_, port, _ := net.SplitHostPort(grpcAddr)
	if err := run(context.Background(), []string{"-healthcheck", "-grpc-addr", "0.0.0.0:" + port}, io.Discard, nil); err != nil {
		t.Fatalf("-healthcheck while serving: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	err = run(context.Background(), []string{"-healthcheck", "-grpc-addr", grpcAddr}, io.Discard, nil)
	if err == nil || errors.Is(err, service.ErrUsage) || !strings.Contains(err.Error(), "healthcheck") {
		t.Fatalf("-healthcheck after stop: %v", err)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	t.Setenv("CP_METRICS_CONSUME_BATCH", "512")
	t.Setenv("CP_CASELOAD_ADDR", "caseload:7101")
	cfg, _, err := parse([]string{"-placement-addr", "placement:7102", "-careleaver-addr", "careleaver:7103", "-watch-ring", "99"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConsumeBatch != 512 || cfg.CaseloadAddr != "caseload:7101" || cfg.PlacementAddr != "placement:7102" || cfg.WatchRing != 99 ||
		cfg.Service.GRPCAddr != "127.0.0.1:7104" || cfg.Service.Name != "metrics" || cfg.DurablePrefix != "metrics" {
		t.Fatalf("config %+v", cfg)
	}
	// A replica's durable prefix, as a StatefulSet gives it its pod name.
	t.Setenv("CP_METRICS_DURABLE_PREFIX", "metrics-1")
	if cfg, _, err := parse(nil, io.Discard); err != nil || cfg.DurablePrefix != "metrics-1" {
		t.Fatalf("durable prefix from the environment: %q %v", cfg.DurablePrefix, err)
	}
	if err := run(context.Background(), []string{"-durable-prefix", "metrics.1"}, io.Discard, nil); !errors.Is(err, service.ErrUsage) {
		t.Fatalf("bad durable prefix: %v", err)
	}
	var out bytes.Buffer
	if _, _, err := parse([]string{"-h"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "CP_METRICS_GRPC_ADDR") {
		t.Fatalf("help: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"-log-level", "loud"}, io.Discard, nil); !errors.Is(err, service.ErrUsage) {
		t.Fatalf("bad level: %v", err)
	}
	if err := run(context.Background(), []string{"stray"}, io.Discard, nil); !errors.Is(err, service.ErrUsage) {
		t.Fatalf("stray argument: %v", err)
	}
	// Reconcile needs all three addresses or none.
	if err := run(context.Background(), []string{"-caseload-addr", "x:1", "-grpc-addr", "127.0.0.1:0", "-http-addr", "", "-data-dir", t.TempDir(), "-nats-url", "nats://127.0.0.1:1"}, io.Discard, nil); err == nil {
		t.Fatal("one reconcile address accepted")
	}
}
