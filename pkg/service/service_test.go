package service_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"
)

var records = []byte("records")

func testSpec() service.Spec {
	spec := events.CaseloadStream()
	return service.Spec{
		Schema:    boltdb.Schema{Name: "svctest", Version: 1, Buckets: [][]byte{records}},
		Publishes: &spec,
	}
}

func testConfig(t *testing.T, natsURL, dataDir string) service.Config {
	return service.Config{
		Name:     "svctest",
		GRPCAddr: "127.0.0.1:0",
		HTTPAddr: "127.0.0.1:0",
		DataDir:  dataDir,
		NATSURL:  natsURL,
		Logger:   slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
}

// start runs rt in the background and returns a stop function that ends
// the run and reports its error.
func start(t *testing.T, rt *service.Runtime) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	var stopped bool
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("Run did not return within 15s of cancel")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// write records one value and its event in one transaction, as a service
// handler does.
func write(t *testing.T, rt *service.Runtime, key, value string) string {
	t.Helper()
	var id string
	err := rt.DB().Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(records).Put([]byte(key), []byte(value)); err != nil {
			return err
		}
		ev, err := events.Append(tx, "caseload.test.written", wrapperspb.String(key))
		id = ev.ID
		return err
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	rt.Published()
	return id
}

func streamIDs(ctx context.Context, js jetstream.JetStream) (map[string]int, error) {
	s, err := js.Stream(ctx, events.StreamCaseload)
	if err != nil {
		return nil, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[string]int{}
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			return nil, err
		}
		ids[m.Header.Get(nats.MsgIdHdr)]++
	}
	return ids, nil
}

func TestRuntimeServesHealthMetricsAndRelaysEvents(t *testing.T) {
	ns := natsembed.StartForTest(t)
	rt, err := service.Open(context.Background(), testConfig(t, ns.ClientURL(), t.TempDir()), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, rt)
	path := rt.DB().Path()

	conn, err := grpc.NewClient(rt.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		resp, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		if resp.Status != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health %v", resp.Status)
		}
		return nil
	})

	id := write(t, rt, "child-1", "looked after")

	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		ids, err := streamIDs(context.Background(), js)
		if err != nil {
			return err
		}
		if ids[id] != 1 || len(ids) != 1 {
			return fmt.Errorf("stream holds %v, want exactly %s once", ids, id)
		}
		return nil
	})

	resp, err := http.Get("http://" + rt.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"outbox_depth", "grpc_server_handled_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	if err := stop(); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	// The file is closed on shutdown: it can be opened again at once.
	db, err := boltdb.Open(path, testSpec().Schema)
	if err != nil {
		t.Fatalf("reopen after shutdown: %v", err)
	}
	db.Close()
}

// A service starts and takes writes while NATS is down; the events arrive
// once NATS comes up.
func TestRuntimeStartsWithoutNATS(t *testing.T) {
	ns := natsembed.StartForTest(t)
	opts := ns.Options()
	url := ns.ClientURL()
	ns.Shutdown()

	rt, err := service.Open(context.Background(), testConfig(t, url, t.TempDir()), testSpec())
	if err != nil {
		t.Fatalf("Open with NATS down: %v", err)
	}
	start(t, rt)
	ids := []string{write(t, rt, "a", "1"), write(t, rt, "b", "2")}
	if n, _ := rt.Relay().Depth(); n != 2 {
		t.Fatalf("outbox depth %d with NATS down, want 2", n)
	}

	ns2, err := natsembed.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns2.Shutdown)
	nc, err := ns2.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		got, err := streamIDs(context.Background(), js)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if got[id] != 1 {
				return fmt.Errorf("stream holds %v, want each of %v once", got, ids)
			}
		}
		return nil
	})
}

func TestRuntimeTaskFailureStopsService(t *testing.T) {
	ns := natsembed.StartForTest(t)
	rt, err := service.Open(context.Background(), testConfig(t, ns.ClientURL(), t.TempDir()), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("consumer broke")
	rt.Go("consumer", func(ctx context.Context) error { return boom })
	done := make(chan error, 1)
	go func() { done <- rt.Run(context.Background()) }()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("Run returned %v, want the task's error", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not stop after a task failed")
	}
}

func TestOpenRefusesSecondOpener(t *testing.T) {
	ns := natsembed.StartForTest(t)
	dir := t.TempDir()
	rt, err := service.Open(context.Background(), testConfig(t, ns.ClientURL(), dir), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, err := service.Open(context.Background(), testConfig(t, ns.ClientURL(), dir), testSpec()); err == nil {
		t.Fatal("a second service opened the same bbolt file")
	}
}
