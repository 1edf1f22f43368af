// Package natsembed runs a NATS server with JetStream inside the current
// process, as a library (github.com/nats-io/nats-server/v2). The suite uses
// it for the all-in-one run (services/suite) and every test that needs a
// real JetStream uses it through StartForTest.
//
// # Durability: sync_interval always
//
// JetStream file storage, left to its defaults, writes each message to the
// OS page cache and fsyncs only every two minutes. A publish acknowledged
// inside that window lives only in memory: an OS crash or power loss loses
// it, even though the publisher was told it was stored (Jepsen's analysis of
// NATS 2.12 shows exactly this). The suite's relay deletes an outbox row as
// soon as its publish is acknowledged, so a lost acknowledged message would
// be an event lost for good, and the invariant "an event of a write that
// returned OK is counted exactly once, even across an OS crash" would break.
//
// Options.SyncAlways therefore sets the server's sync_interval to "always":
// every message is written synchronously before it is acknowledged. It costs
// throughput (order of 1–3k acknowledged messages/s on a 2-core machine
// instead of ~90k). The separate servers the suite runs with (the
// three-node cluster, the -processes mode) use it, and so does StartForTest.
//
// # Or: a short sync interval and producers that retain what they published
//
// The all-in-one suite embeds the server in the same process as its
// producers, so the server and the producers' outboxes share a fate: a crash
// of the machine restarts them together. There the suite runs the server
// with a short SyncInterval (1 s) instead, and each producer's relay keeps
// every acknowledged outbox row for a retention well above it
// (events.RelayOptions.Retain, 10 s) and publishes the retained rows again
// when it starts. A tail the crash took from the stream is put back in the
// same order, so at the same stream sequences (each stream has exactly one
// producer), and the rows the stream still holds are dropped as duplicates.
// That removes the per-message fsync from the publish path (placement's
// outbox-to-stream lag at 1,000 writes/s: p99 138 ms with sync always, 12 ms
// this way; BenchmarkPlacement), at the cost of
// republishing up to 10 s of events at each start. Separate NATS servers
// (the cluster, the -processes mode) keep sync_interval always, because
// they can lose their tail without the producer restarting.
package natsembed

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// The pairing the all-in-one suite uses (see the package doc): the embedded
// server fsyncs every EmbeddedSyncInterval, and each producer in the same
// process retains its published rows for EmbeddedRetain.
const (
	EmbeddedSyncInterval = time.Second
	EmbeddedRetain       = 10 * time.Second
)

// ReadyTimeout is how long Start waits for the server to accept clients.
const ReadyTimeout = 10 * time.Second

// Options configures an embedded server.
type Options struct {
	// StoreDir holds JetStream's file storage. Required.
	StoreDir string
	// Host to listen on; "" means 127.0.0.1 (an embedded server is local).
	Host string
	// Port to listen on: -1 picks a free port, 0 means the NATS default 4222.
	Port int
	// DontListen runs without any network listener; clients connect
	// in-process only (Server.Connect uses nats.InProcessServer).
	DontListen bool
	// SyncAlways sets JetStream's sync_interval to always: every message is
	// fsynced before it is acknowledged. The suite sets it (see package doc).
	SyncAlways bool
	// SyncInterval, when SyncAlways is false and it is positive, is how often
	// JetStream fsyncs its files (nats-server's default is 2 minutes). A
	// producer whose relay retains acknowledged rows for longer than this
	// (events.RelayOptions.Retain) republishes whatever a machine crash took
	// from the unsynced tail; see the package doc.
	SyncInterval time.Duration
	// ServerName names the server; "" lets nats-server generate one.
	ServerName string
	// Logger, when set, receives nats-server's log lines: notices, debug and
	// trace at slog debug level, warnings at warn, errors and fatals at error.
	// When nil the server logs nothing.
	Logger *slog.Logger
}

// Server is a running embedded NATS server.
type Server struct {
	opts Options // effective options: Host filled in, Port resolved
	ns   *server.Server
	once sync.Once
}

// Start starts a NATS server with JetStream and file storage in
// opts.StoreDir and waits until it accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("natsembed: StoreDir is required")
	}
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	sopts := &server.Options{
		ServerName: opts.ServerName,
		Host:       opts.Host,
		Port:       opts.Port,
		DontListen: opts.DontListen,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		NoSigs:     true,
		NoLog:      opts.Logger == nil,
	}
	if opts.SyncAlways {
		// What the config file's `sync_interval: always` sets.
		sopts.SyncAlways = true
		sopts.SyncInterval = 2 * time.Minute
	} else if opts.SyncInterval > 0 {
		sopts.SyncInterval = opts.SyncInterval
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsembed: new server: %w", err)
	}
	if opts.Logger != nil {
		ns.SetLoggerV2(slogAdapter{opts.Logger}, false, false, false)
	}
	ns.Start()
	if !ns.ReadyForConnections(ReadyTimeout) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("natsembed: server not ready for connections within %s", ReadyTimeout)
	}
	if !ns.JetStreamEnabled() {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, errors.New("natsembed: JetStream did not start")
	}
	if !opts.DontListen {
		if addr, ok := ns.Addr().(*net.TCPAddr); ok {
			opts.Port = addr.Port
		}
	}
	return &Server{opts: opts, ns: ns}, nil
}

// NATS returns the underlying nats-server.
func (s *Server) NATS() *server.Server { return s.ns }

// Options returns the effective options: Host filled in and, when the
// server listens, Port set to the port actually bound. Start(s.Options())
// after Shutdown starts a server on the same port and store directory.
func (s *Server) Options() Options { return s.opts }

// ClientURL is the URL clients connect to, e.g. nats://127.0.0.1:40123.
// It is "" when the server does not listen.
func (s *Server) ClientURL() string {
	if s.opts.DontListen {
		return ""
	}
	return s.ns.ClientURL()
}

// DefaultConnectOptions are applied by Connect before the caller's options:
// the client reconnects forever, so a restarted server (same port) is picked
// up again, and it retries if the first connect fails.
func DefaultConnectOptions() []nats.Option {
	return []nats.Option{
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
	}
}

// Connect opens a client connection to the server: over TCP to ClientURL, or
// in-process when the server does not listen (such a connection cannot
// follow a restart, since the restarted server is a new object).
// DefaultConnectOptions come first; opts may override them.
func (s *Server) Connect(opts ...nats.Option) (*nats.Conn, error) {
	all := append(DefaultConnectOptions(), opts...)
	if s.opts.DontListen {
		all = append(all, nats.InProcessServer(s.ns))
		return nats.Connect("", all...)
	}
	return nats.Connect(s.ClientURL(), all...)
}

// Shutdown stops the server and waits until it has stopped. It is safe to
// call more than once.
func (s *Server) Shutdown() {
	s.once.Do(func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	})
}

// slogAdapter routes nats-server's logger to slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Noticef(format string, v ...any) {
	a.l.Debug(fmt.Sprintf(format, v...), "component", "nats-server")
}
func (a slogAdapter) Warnf(format string, v ...any) {
	a.l.Warn(fmt.Sprintf(format, v...), "component", "nats-server")
}
func (a slogAdapter) Fatalf(format string, v ...any) {
	a.l.Error(fmt.Sprintf(format, v...), "component", "nats-server", "fatal", true)
}
func (a slogAdapter) Errorf(format string, v ...any) {
	a.l.Error(fmt.Sprintf(format, v...), "component", "nats-server")
}
func (a slogAdapter) Debugf(format string, v ...any) {
	a.l.Debug(fmt.Sprintf(format, v...), "component", "nats-server")
}
func (a slogAdapter) Tracef(format string, v ...any) {
	a.l.Debug(fmt.Sprintf(format, v...), "component", "nats-server", "trace", true)
}
