package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/testutil"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
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

// The command starts the suite, says where everything listens, and stops
// cleanly when its context ends (Ctrl-C).
func TestRunPrintsEndpointsAndStopsCleanly(t *testing.T) {
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args := []string{"-data-dir", t.TempDir(), "-nats-port", "-1", "-base-port", "0"}
	go func() { done <- run(ctx, args, &stdout, &stderr) }()

	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		out := stdout.String()
		for _, want := range []string{"nats", "caseload", "placement", "careleaver", "metrics", "Board scorecard: http://127.0.0.1:", "press Ctrl-C"} {
			if !strings.Contains(out, want) {
				return fmt.Errorf("output lacks %q:\n%s%s", want, out, stderr.String())
			}
		}
		return nil
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after Ctrl-C; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("suite did not stop within 30s of Ctrl-C")
	}
	if !strings.Contains(stdout.String(), "suite stopped") {
		t.Errorf("no 'suite stopped' line:\n%s", stdout.String())
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	var stdout, stderr syncBuffer
	if err := run(context.Background(), []string{"-log-level", "loud"}, &stdout, &stderr); err == nil {
		t.Fatal("run accepted -log-level loud")
	}
}
