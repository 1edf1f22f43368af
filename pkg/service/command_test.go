package service

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestFlagsParse(t *testing.T) {
	t.Setenv("CP_NATS_URL", "nats://shared:4222")
	t.Setenv("CP_WIDGETS_DATA_DIR", "/var/lib/widgets")
	var out bytes.Buffer
	f := NewFlags("widgets", FlagDefaults{GRPCAddr: "127.0.0.1:7001", HTTPAddr: "127.0.0.1:7091", Stream: "WIDGETS"}, &out)
	own := f.FlagSet().Int("own", 5, "a flag of the service's own")
	cfg, err := f.Parse([]string{"-grpc-addr", ":9000", "-stream-replicas", "3", "-own", "7"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "widgets" || cfg.GRPCAddr != ":9000" || cfg.HTTPAddr != "127.0.0.1:7091" || cfg.DataDir != "/var/lib/widgets" ||
		cfg.NATSURL != "nats://shared:4222" || cfg.StreamReplicas != 3 || cfg.ShutdownTimeout != DefaultShutdownTimeout ||
		cfg.Logger == nil || *own != 7 || f.Healthcheck() || f.GRPCAddr() != ":9000" {
		t.Fatalf("config %+v, own %d", cfg, *own)
	}

	// A service that owns no stream has no -stream-replicas.
	f = NewFlags("readers", FlagDefaults{GRPCAddr: "127.0.0.1:7002"}, &out)
	if _, err := f.Parse([]string{"-stream-replicas", "3"}); err == nil {
		t.Fatal("-stream-replicas accepted by a service without a stream")
	}
	f = NewFlags("readers", FlagDefaults{GRPCAddr: "127.0.0.1:7002"}, &out)
	if _, err := f.Parse([]string{"-grpc-addr", ":1", "stray"}); err == nil || !strings.Contains(err.Error(), "stray") {
		t.Fatalf("a positional argument: %v", err)
	}
	f = NewFlags("readers", FlagDefaults{}, &out)
	if _, err := f.Parse([]string{"-healthcheck"}); err != nil || !f.Healthcheck() {
		t.Fatalf("-healthcheck: %v", err)
	}
	out.Reset()
	f = NewFlags("readers", FlagDefaults{}, &out)
	if _, err := f.Parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "CP_READERS_GRPC_ADDR") {
		t.Fatalf("-h: %v\n%s", err, out.String())
	}
}

// app is a service as Command opens it.
type app struct {
	ran    bool
	runErr error
}

func (a *app) Run(context.Context) error { a.ran = true; return a.runErr }

type appConfig struct {
	Service Config
	fail    string
}

func command(ctx context.Context, args []string, stderr *bytes.Buffer, opened **app, started func(*app)) error {
	parse := func(args []string) (appConfig, *Flags, error) {
		f := NewFlags("widgets", FlagDefaults{GRPCAddr: "127.0.0.1:0"}, stderr)
		fail := f.FlagSet().String("fail", "", "open or run fails with this")
		svc, err := f.Parse(args)
		return appConfig{Service: svc, fail: *fail}, f, err
	}
	open := func(_ context.Context, cfg appConfig) (*app, error) {
		if cfg.fail == "open" {
			return nil, errors.New("cannot open the file")
		}
		a := &app{}
		if cfg.fail == "run" {
			a.runErr = errors.New("lost the file")
		}
		*opened = a
		return a, nil
	}
	return Command(ctx, args, parse, open, started)
}

func TestCommand(t *testing.T) {
	ctx := context.Background()
	var stderr bytes.Buffer
	var a *app

	err := command(ctx, []string{"-h"}, &stderr, &a, nil)
	if !errors.Is(err, flag.ErrHelp) || ExitCode("widgets", err, &stderr) != 0 || a != nil {
		t.Fatalf("-h: %v, opened %v", err, a)
	}

	stderr.Reset()
	err = command(ctx, []string{"-no-such-flag"}, &stderr, &a, nil)
	if !errors.Is(err, ErrUsage) || ExitCode("widgets", err, &stderr) != 2 || a != nil ||
		!strings.Contains(stderr.String(), "widgets: usage: flag provided but not defined: -no-such-flag") {
		t.Fatalf("an unknown flag: %v\n%s", err, stderr.String())
	}

	err = command(ctx, []string{"-fail", "open"}, &stderr, &a, nil)
	if err == nil || errors.Is(err, ErrUsage) || ExitCode("widgets", err, &stderr) != 1 || a != nil {
		t.Fatalf("open failing: %v", err)
	}

	var before bool
	err = command(ctx, nil, &stderr, &a, func(s *app) { before = !s.ran })
	if err != nil || a == nil || !a.ran || !before {
		t.Fatalf("a clean run: %v; ran %v, started before running %v", err, a != nil && a.ran, before)
	}

	stderr.Reset()
	a = nil
	err = command(ctx, []string{"-fail", "run"}, &stderr, &a, nil)
	if err == nil || !a.ran || ExitCode("widgets", err, &stderr) != 1 ||
		!strings.Contains(stderr.String(), `"msg":"widgets stopped"`) || !strings.Contains(stderr.String(), "widgets: lost the file") {
		t.Fatalf("run failing: %v\n%s", err, stderr.String())
	}
}

func TestCommandHealthcheck(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	var stderr bytes.Buffer
	var a *app
	if err := command(context.Background(), []string{"-healthcheck", "-grpc-addr", lis.Addr().String()}, &stderr, &a, nil); err != nil || a != nil {
		t.Fatalf("-healthcheck of a serving server: %v (opened %v)", err, a)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err = command(ctx, []string{"-healthcheck", "-grpc-addr", lis.Addr().String()}, &stderr, &a, nil)
	if err == nil || ExitCode("widgets", err, &stderr) != 1 || a != nil {
		t.Fatalf("-healthcheck of a server not serving: %v", err)
	}
}
