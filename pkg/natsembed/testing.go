package natsembed

import (
	"testing"
)

// StartForTest starts a server for a test: a fresh t.TempDir() store, a free
// port on 127.0.0.1, SyncAlways on (what the suite ships). The server is
// shut down by t.Cleanup.
func StartForTest(t testing.TB) *Server {
	t.Helper()
	return StartForTestWith(t, Options{StoreDir: t.TempDir(), Port: -1, SyncAlways: true})
}

// StartForTestWith starts a server with opts (StoreDir defaults to
// t.TempDir(), Port 0 to -1) and shuts it down in t.Cleanup.
func StartForTestWith(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	if opts.Port == 0 {
		opts.Port = -1
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("natsembed: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// RestartForTest shuts old down (if it is still running) and starts a new
// server on the same host, port and store directory, so clients connected
// to old reconnect to it and JetStream state carries over. The new server is
// shut down by t.Cleanup.
func RestartForTest(t testing.TB, old *Server) *Server {
	t.Helper()
	old.Shutdown()
	s, err := Start(old.Options())
	if err != nil {
		t.Fatalf("natsembed: restart: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}
