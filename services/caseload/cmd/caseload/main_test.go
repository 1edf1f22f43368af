package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/corporate-parenting/suite/pkg/natsembed"
)

// The built binary starts on free ports with a temp data directory and an
// in-process NATS, answers the gRPC health check SERVING, lists the
// caseload service through reflection, and stops cleanly on SIGTERM.
func TestBinaryServesHealthAndReflection(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "caseload")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ns := natsembed.StartForTest(t)
	data := t.TempDir()
	cmd := exec.Command(bin, "-grpc-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0", "-data-dir", data)
	cmd.Env = append(os.Environ(), "CP_NATS_URL="+ns.ClientURL())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	logged := make(chan struct{}) // closed when the log reader is done
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-logged
	})

	// The service logs its bound addresses as JSON.
	addrs := make(chan string, 1)
	go func() {
		defer close(logged)
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "serving" && !sent {
				addrs <- line["grpc"].(string)
				sent = true
			}
			t.Logf("caseload: %s", sc.Text())
		}
		exited <- cmd.Wait()
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-exited:
		t.Fatalf("caseload exited early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("caseload did not start within 60s")
	}

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hc, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "caseload.v1.CaseloadService"})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health: %v %v", hc, err)
	}
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
	if !slices.Contains(names, "caseload.v1.CaseloadService") || !slices.Contains(names, "grpc.health.v1.Health") {
		t.Fatalf("reflection lists %v", names)
	}
	_ = stream.CloseSend()

	// -healthcheck, configured as in a container (the address from the
	// environment, the unspecified host probed on loopback): exit 0 while
	// the service serves, 1 once it has stopped.
	_, port, _ := net.SplitHostPort(addr)
	healthcheck := func() error {
		probe := exec.Command(bin, "-healthcheck")
		probe.Env = append(os.Environ(), "CP_CASELOAD_GRPC_ADDR=0.0.0.0:"+port)
		out, err := probe.CombinedOutput()
		t.Logf("caseload -healthcheck: %v %s", err, out)
		return err
	}
	if err := healthcheck(); err != nil {
		t.Fatalf("-healthcheck while serving: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("caseload did not stop within 30s of SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(data, "caseload.db")); err != nil {
		t.Fatalf("no bbolt file: %v", err)
	}
	var exit *exec.ExitError
	if err := healthcheck(); !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("-healthcheck after stop: %v, want exit status 1", err)
	}
}

func TestParseFlagsAndEnvironment(t *testing.T) {
	t.Setenv("CP_NATS_URL", "nats://shared:4222")
	t.Setenv("CP_CASELOAD_DATA_DIR", "/var/lib/caseload")
	t.Setenv("CP_CASELOAD_MAX_BATCH", "64")
	cfg, _, err := parse([]string{"-grpc-addr", "127.0.0.1:9999", "-stream-replicas", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service.GRPCAddr != "127.0.0.1:9999" || cfg.Service.NATSURL != "nats://shared:4222" ||
		cfg.Service.DataDir != "/var/lib/caseload" || cfg.Service.StreamReplicas != 3 || cfg.MaxBatch != 64 ||
		cfg.Service.Name != "caseload" || cfg.Service.Logger == nil || cfg.Service.HTTPAddr != "127.0.0.1:7191" {
		t.Fatalf("config = %+v", cfg)
	}
	t.Setenv("CP_CASELOAD_NATS_URL", "nats://own:4222")
	if cfg, _, _ := parse(nil, io.Discard); cfg.Service.NATSURL != "nats://own:4222" {
		t.Fatalf("the service's own variable should win over the shared one: %s", cfg.Service.NATSURL)
	}
	if _, _, err := parse([]string{"-log-level", "loud"}, io.Discard); err == nil || !strings.Contains(err.Error(), "log-level") {
		t.Fatalf("bad log level: %v", err)
	}
	if _, _, err := parse([]string{"-no-such-flag"}, io.Discard); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if _, _, err := parse([]string{"stray"}, io.Discard); err == nil {
		t.Fatal("a positional argument accepted")
	}
}
