package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/careleaver/app"
	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/testenv"
)

// TestServes starts the command as main does, against a real NATS and
// caseload, and checks it answers health (SERVING) and reflection (listing
// careleaver.v1.CareLeaverService), then shuts down cleanly.
func TestServes(t *testing.T) {
	env := testenv.Start(t, clock.Today(clock.System))
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan *app.App, 1)
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{
			"-grpc-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(),
			"-nats-url", env.NATS.ClientURL(), "-caseload-addr", env.CaseloadAddr, "-log-level", "warn",
		}, &stderr, func(a *app.App) { addrs <- a })
	}()
	var a *app.App
	select {
	case a = <-addrs:
	case err := <-done:
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return errors.New(resp.GetStatus().String())
		}
		return nil
	})
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, "careleaver.v1.CareLeaverService") || !slices.Contains(names, "grpc.health.v1.Health") {
		t.Fatalf("reflection lists %v", names)
	}
	_ = stream.CloseSend()
	// The HTTP port: liveness and Prometheus, with the outbox and consumer
	// gauges.
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		resp, err := http.Get("http://" + a.HTTPAddr() + "/metrics")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		for _, want := range []string{"outbox_depth", `consumer_lag{durable="careleaver-caseload"}`} {
			if !strings.Contains(string(body), want) {
				return fmt.Errorf("/metrics has no %s", want)
			}
		}
		return nil
	})
	if resp, err := http.Get("http://" + a.HTTPAddr() + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// -healthcheck: passes while the service serves, fails (exit status 1)
	// once it has stopped.
	var probeOut bytes.Buffer
	if err := run(context.Background(), []string{"-healthcheck", "-grpc-addr", a.GRPCAddr()}, &probeOut, nil); err != nil {
		t.Fatalf("-healthcheck while serving: %v\n%s", err, probeOut.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	err = run(context.Background(), []string{"-healthcheck", "-grpc-addr", a.GRPCAddr()}, &probeOut, nil)
	if code := service.ExitCode(app.Name, err, io.Discard); code != 1 || !strings.Contains(err.Error(), "healthcheck") {
		t.Fatalf("-healthcheck after stop: %v (exit %d)", err, code)
	}
}

func TestParse(t *testing.T) {
	t.Setenv("CP_CASELOAD_ADDR", "caseload:7101")
	t.Setenv("CP_NATS_URL", "nats://nats:4222")
	t.Setenv("CP_CARELEAVER_DATA_DIR", "/data")
	var out bytes.Buffer
	cfg, _, err := parse([]string{"-birthday-window", "2,2", "-grpc-addr", ":9000"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CaseloadAddr != "caseload:7101" || cfg.Service.NATSURL != "nats://nats:4222" || cfg.Service.DataDir != "/data" ||
		cfg.Service.GRPCAddr != ":9000" || cfg.BirthdayWindow != (careleaver.BirthdayWindow{MonthsBefore: 2, MonthsAfter: 2}) ||
		cfg.Service.Name != app.Name {
		t.Fatalf("config %+v", cfg)
	}
	cfg, _, err = parse(nil, &out)
	if err != nil || cfg.BirthdayWindow != careleaver.DefaultBirthdayWindow {
		t.Fatalf("default window %+v %v", cfg.BirthdayWindow, err)
	}
	for _, bad := range []string{"3", "3,x", "-1,1", "3,12"} {
		if _, _, err := parse([]string{"-birthday-window", bad}, &out); err == nil {
			t.Errorf("-birthday-window %q accepted", bad)
		}
	}
	if _, _, err := parse([]string{"-log-level", "loud"}, &out); err == nil {
		t.Error("-log-level loud accepted")
	}
	if err := run(context.Background(), []string{"-h"}, &out, nil); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	if err := run(context.Background(), []string{"-nonsense"}, &out, nil); service.ExitCode(app.Name, err, io.Discard) != 2 {
		t.Errorf("an unknown flag: %v", err)
	}
}
