package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/corporate-parenting/suite/pkg/metrics"
)

func testLogger(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

// serve starts the real HTTP server on a loopback port and returns its base
// URL and a function that stops it and returns Serve's result.
func serve(t *testing.T, h http.Handler) (string, func() error) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- metrics.ServeOn(ctx, lis, h, testLogger(t)) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("ServeOn did not return after its context ended")
			return nil
		}
	}
	return "http://" + lis.Addr().String(), stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	reg := metrics.NewRegistry()
	var depth atomic.Int64
	depth.Store(7)
	if _, err := metrics.OutboxDepth(reg, "caseload", func() float64 { return float64(depth.Load()) }); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.ConsumerLag(reg, "metrics-placement", func() float64 { return 42 }); err != nil {
		t.Fatal(err)
	}
	mux := metrics.Handler(reg)
	mux.HandleFunc("GET /debug/extra", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "extra") })
	base, stop := serve(t, mux)

	tests := []struct {
		name       string
		path       string
		wantStatus int
		want       []string
	}{
		{"healthz", "/healthz", 200, []string{"ok"}},
		{"metrics", "/metrics", 200, []string{
			"go_goroutines", "process_resident_memory_bytes",
			`outbox_depth{service="caseload"} 7`,
			`consumer_lag{durable="metrics-placement"} 42`,
			"# HELP outbox_depth",
		}},
		{"added route", "/debug/extra", 200, []string{"extra"}},
		{"unknown", "/nope", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, base+tt.path)
			if status != tt.wantStatus {
				t.Fatalf("GET %s = %d, want %d", tt.path, status, tt.wantStatus)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s body does not contain %q", tt.path, w)
				}
			}
		})
	}

	// The gauge is read at scrape time.
	depth.Store(0)
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, `outbox_depth{service="caseload"} 0`) {
		t.Error("outbox_depth did not follow its function")
	}

	resp, err := http.Post(base+"/metrics", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d, want 405", resp.StatusCode)
	}

	if err := stop(); err != nil {
		t.Fatalf("ServeOn after shutdown = %v, want nil", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

func TestServe(t *testing.T) {
	// Serve listens on its own address; find a free one first.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- metrics.Serve(ctx, addr, metrics.NewRegistry(), testLogger(t)) }()

	// Poll until it answers, rather than sleeping.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics server never answered: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("Serve returned early: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}

	// A second server on the same address fails at once with a clear error.
	if err := metrics.Serve(t.Context(), addr, metrics.NewRegistry(), testLogger(t)); err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Serve on a used address = %v", err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v", err)
	}
}

func TestGaugeRegistration(t *testing.T) {
	reg := metrics.NewRegistry()
	one := func() float64 { return 1 }
	tests := []struct {
		name    string
		reg     func() error
		wantErr bool
	}{
		{"outbox caseload", func() error { _, err := metrics.OutboxDepth(reg, "caseload", one); return err }, false},
		{"outbox placement", func() error { _, err := metrics.OutboxDepth(reg, "placement", one); return err }, false},
		{"outbox caseload again", func() error { _, err := metrics.OutboxDepth(reg, "caseload", one); return err }, true},
		{"lag a", func() error { _, err := metrics.ConsumerLag(reg, "metrics-caseload", one); return err }, false},
		{"lag b", func() error { _, err := metrics.ConsumerLag(reg, "careleaver-caseload", one); return err }, false},
		{"lag a again", func() error { _, err := metrics.ConsumerLag(reg, "metrics-caseload", one); return err }, true},
	}
	for _, tt := range tests {
		err := tt.reg()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, wantErr %v", tt.name, err, tt.wantErr)
		}
		var are prometheus.AlreadyRegisteredError
		if tt.wantErr && !errors.As(err, &are) {
			t.Errorf("%s: err %v is not AlreadyRegisteredError", tt.name, err)
		}
	}
	// Unregistering (a service restarted in-process) frees the name.
	g, err := metrics.OutboxDepth(reg, "x", one)
	if err != nil {
		t.Fatal(err)
	}
	if !reg.Unregister(g) {
		t.Fatal("Unregister failed")
	}
	if _, err := metrics.OutboxDepth(reg, "x", one); err != nil {
		t.Fatalf("register after Unregister: %v", err)
	}
}
