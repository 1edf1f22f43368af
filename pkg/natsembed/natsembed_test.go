package natsembed_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// checkFor calls f every interval until it returns nil or timeout passes.
func checkFor(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		<-tick.C
	}
}

func connectJS(t *testing.T, s *natsembed.Server, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := s.Connect(opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

func TestStartForTestServesJetStreamWithSyncAlways(t *testing.T) {
	s := natsembed.StartForTest(t)
	u, err := url.Parse(s.ClientURL())
	if err != nil {
		t.Fatalf("client url %q: %v", s.ClientURL(), err)
	}
	if u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" || u.Port() == "-1" || u.Port() == "4222" {
		t.Fatalf("client url %q: want 127.0.0.1 and a random bound port", s.ClientURL())
	}
	if got := s.Options().Port; fmt.Sprint(got) != u.Port() {
		t.Fatalf("Options().Port = %d, want the bound port %s", got, u.Port())
	}
	cfg := s.NATS().JetStreamConfig()
	if cfg == nil || !cfg.SyncAlways {
		t.Fatalf("JetStream config %+v: want SyncAlways", cfg)
	}
	if cfg.StoreDir == "" || !strings.HasPrefix(cfg.StoreDir, s.Options().StoreDir) {
		t.Fatalf("store dir %q, want under %q", cfg.StoreDir, s.Options().StoreDir)
	}

	_, js := connectJS(t, s)
	ctx := context.Background()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatalf("create stream: %v", err)
	}
	if _, err := js.Publish(ctx, "t.one", []byte("x")); err != nil {
		t.Fatalf("publish: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("info: %v", err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("stream holds %d messages, want 1", info.State.Msgs)
	}
}

func TestSyncAlwaysOffUsesServerDefault(t *testing.T) {
	s := natsembed.StartForTestWith(t, natsembed.Options{SyncAlways: false})
	if cfg := s.NATS().JetStreamConfig(); cfg == nil || cfg.SyncAlways {
		t.Fatalf("JetStream config %+v: want SyncAlways off", cfg)
	}
}

func TestDontListenConnectsInProcess(t *testing.T) {
	s := natsembed.StartForTestWith(t, natsembed.Options{DontListen: true, SyncAlways: true})
	if s.ClientURL() != "" {
		t.Fatalf("ClientURL() = %q for a server that does not listen", s.ClientURL())
	}
	if s.NATS().Addr() != nil {
		t.Fatalf("server listens on %v", s.NATS().Addr())
	}
	_, js := connectJS(t, s)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "IP", Subjects: []string{"ip.>"}}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	ack, err := js.Publish(ctx, "ip.x", []byte("in-process"))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if ack.Stream != "IP" || ack.Sequence != 1 {
		t.Fatalf("ack %+v", ack)
	}
}

func TestRestartForTestKeepsPortStoreAndClients(t *testing.T) {
	s := natsembed.StartForTest(t)
	url1 := s.ClientURL()
	nc, js := connectJS(t, s)
	ctx := context.Background()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "R", Subjects: []string{"r.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatalf("create stream: %v", err)
	}
	for i := range 3 {
		if _, err := js.Publish(ctx, "r.x", fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}

	s2 := natsembed.RestartForTest(t, s)
	if s2.ClientURL() != url1 {
		t.Fatalf("restarted on %s, want %s", s2.ClientURL(), url1)
	}
	// The same client reconnects and the stream's messages survived.
	checkFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		if !nc.IsConnected() {
			return errors.New("not reconnected")
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err := js.Publish(pctx, "r.x", []byte("after"))
		return err
	})
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatalf("info: %v", err)
	}
	if info.State.Msgs != 4 {
		t.Fatalf("stream holds %d messages after restart, want 4", info.State.Msgs)
	}
}

func TestStartNeedsStoreDir(t *testing.T) {
	if _, err := natsembed.Start(natsembed.Options{Port: -1}); err == nil {
		t.Fatal("Start without StoreDir succeeded")
	}
}

func TestShutdownTwiceIsSafe(t *testing.T) {
	s, err := natsembed.Start(natsembed.Options{StoreDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.Shutdown()
	if s.NATS().Running() {
		t.Fatal("server still running after Shutdown")
	}
}

// recorder is a slog.Handler keeping records.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func TestLoggerReceivesServerLogs(t *testing.T) {
	rec := &recorder{}
	natsembed.StartForTestWith(t, natsembed.Options{Logger: slog.New(rec), ServerName: "logged"})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	found := false
	for _, r := range rec.recs {
		comp := ""
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "component" {
				comp = a.Value.String()
			}
			return true
		})
		if comp != "nats-server" {
			t.Fatalf("record %q without component=nats-server", r.Message)
		}
		if r.Level == slog.LevelDebug && strings.Contains(r.Message, "Starting nats-server") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no debug record of the server starting among %d records", len(rec.recs))
	}
}
