package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/placement/app"
	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

// runMainEnv makes the test binary run main() instead of the tests, so the
// command can be started as a real process.
const runMainEnv = "CP_PLACEMENT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"placement"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The command as a process, configured through the environment: it serves
// health SERVING, reflection listing placement.v1.PlacementService, and the
// HTTP liveness check, and stops cleanly on SIGTERM.
func TestCommandServes(t *testing.T) {
	ns := testenv.StartNATS(t)
	cl := testenv.StartCaseload(t, ns, testenv.Clock())
	grpcAddr, httpAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(),
		runMainEnv+"=1",
		"CP_PLACEMENT_GRPC_ADDR="+grpcAddr,
		"CP_PLACEMENT_HTTP_ADDR="+httpAddr,
		"CP_PLACEMENT_DATA_DIR="+t.TempDir(),
		"CP_NATS_URL="+ns.ClientURL(),
		"CP_CASELOAD_ADDR="+cl.Addr,
		"CP_PLACEMENT_COUNCIL_LA=E08000025",
		"CP_LOG_LEVEL=warn",
	)
	cmd.Stdout, cmd.Stderr = t.Output(), t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health %v", resp.GetStatus())
		}
		return nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	refl, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := refl.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := refl.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !strings.Contains(strings.Join(names, " "), "placement.v1.PlacementService") {
		t.Errorf("reflection lists %v, want placement.v1.PlacementService", names)
	}
	_ = refl.CloseSend()

	hr, err := http.Get("http://" + httpAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, hr.Body)
	_ = hr.Body.Close()
	if hr.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", hr.Status)
	}

	// -healthcheck, configured as in a container: exit 0 while the
	// service serves, 1 once it has stopped.
	_, port, _ := net.SplitHostPort(grpcAddr)
	healthcheck := func() error {
		probe := exec.Command(os.Args[0], "-healthcheck")
		probe.Env = append(os.Environ(), runMainEnv+"=1", "CP_PLACEMENT_GRPC_ADDR=0.0.0.0:"+port)
		out, err := probe.CombinedOutput()
		t.Logf("placement -healthcheck: %v %s", err, out)
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
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	var exit *exec.ExitError
	if err := healthcheck(); !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("-healthcheck after stop: %v, want exit status 1", err)
	}
}

func TestParse(t *testing.T) {
	t.Setenv("CP_NATS_URL", "nats://shared:4222")
	t.Setenv("CP_CASELOAD_ADDR", "caseload:7101")
	t.Setenv("CP_PLACEMENT_DATA_DIR", "/var/lib/placement")
	cfg, _, err := parse([]string{"-grpc-addr", "127.0.0.1:9999", "-caseload-attempts", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service.GRPCAddr != "127.0.0.1:9999" || cfg.Service.HTTPAddr != "127.0.0.1:7192" ||
		cfg.Service.NATSURL != "nats://shared:4222" || cfg.CaseloadAddr != "caseload:7101" ||
		cfg.Service.DataDir != "/var/lib/placement" || cfg.CouncilLA != app.DefaultCouncilLA ||
		cfg.Caseload.Attempts != 2 || cfg.Service.Name != app.Name || cfg.Service.Logger == nil {
		t.Errorf("config %+v", cfg)
	}
	t.Setenv("CP_PLACEMENT_NATS_URL", "nats://own:4222")
	t.Setenv("CP_PLACEMENT_COUNCIL_LA", "E09000001")
	cfg, _, err = parse([]string{"-caseload-addr", "flag:1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service.NATSURL != "nats://own:4222" || cfg.CouncilLA != "E09000001" || cfg.CaseloadAddr != "flag:1" {
		t.Errorf("precedence: %+v", cfg)
	}
	if _, _, err := parse([]string{"-log-level", "loud"}, io.Discard); err == nil {
		t.Error("bad log level accepted")
	}
	if _, _, err := parse([]string{"-h"}, io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
}
