package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/suite/procs"
)

// -processes runs nats-server and the four services as separate child
// processes, prints each one's pid and log file, loads the seed scenario
// through them with -seed, and stops them all when its context ends
// (Ctrl-C).
func TestProcessesModeRunsChildProcessesAndStopsThem(t *testing.T) {
	bin := procs.BuildForTest(t)
	dataDir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	args := []string{"-processes", "-seed", "-bin-dir", bin, "-data-dir", dataDir, "-nats-port", "-1", "-base-port", "0"}
	go func() { done <- run(ctx, args, &stdout, &stderr) }()

	row := regexp.MustCompile(`(?m)^(nats-server|caseload|placement|careleaver|metrics)\s+(\d+)\s+(\S+)\s+.*\s(\S+\.log)$`)
	pids := map[string]int{}
	testutil.CheckFor(t, 2*time.Minute, 50*time.Millisecond, func() error {
		select {
		case err := <-done:
			t.Fatalf("run returned %v before Ctrl-C\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
		default:
		}
		out := stdout.String()
		if !strings.Contains(out, "press Ctrl-C") {
			return fmt.Errorf("not ready yet:\n%s", out)
		}
		for _, m := range row.FindAllStringSubmatch(out, -1) {
			pid, _ := strconv.Atoi(m[2])
			pids[m[1]] = pid
			if want := filepath.Join(dataDir, "logs", m[1]+".log"); m[4] != want {
				t.Errorf("%s logs to %s, want %s", m[1], m[4], want)
			}
		}
		if len(pids) != 5 {
			t.Fatalf("output lists %d processes, want 5:\n%s", len(pids), out)
		}
		return nil
	})
	for name, pid := range pids {
		if pid == os.Getpid() || syscall.Kill(pid, 0) != nil {
			t.Fatalf("%s: pid %d is not a running child", name, pid)
		}
		if _, err := procs.ReadRSS(pid); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The all-in-one layout: every service's bbolt file in the data
	// directory, JetStream under nats/.
	for _, f := range []string{"caseload.db", "placement.db", "careleaver.db", "metrics.db", "nats/jetstream"} {
		if _, err := os.Stat(filepath.Join(dataDir, f)); err != nil {
			t.Errorf("data directory: %v", err)
		}
	}
	if !strings.Contains(stdout.String(), "Board scorecard: http://127.0.0.1:") {
		t.Errorf("no scorecard address:\n%s", stdout.String())
	}
	testutil.CheckFor(t, 5*time.Minute, 100*time.Millisecond, func() error {
		if out := stdout.String(); !strings.Contains(out, "seed scenario loaded in") {
			if strings.Contains(out, "suite stopped") {
				t.Fatalf("stopped while seeding:\n%s\n%s", out, stderr.String())
			}
			return fmt.Errorf("seed scenario not loaded:\n%s", out)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dataDir, "seed.json")); err != nil {
		t.Error(err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after Ctrl-C; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the processes did not stop within 60s of Ctrl-C")
	}
	for name, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("%s (pid %d) still running after Ctrl-C", name, pid)
		}
	}
	if !strings.Contains(stdout.String(), "suite stopped") {
		t.Errorf("no 'suite stopped' line:\n%s", stdout.String())
	}
}

// A child that dies on its own ends the run with an error naming it, and
// the others are stopped.
func TestProcessesModeReportsADeadChild(t *testing.T) {
	bin := procs.BuildForTest(t)
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	args := []string{"-processes", "-bin-dir", bin, "-data-dir", t.TempDir(), "-nats-port", "-1", "-base-port", "0"}
	go func() { done <- run(context.Background(), args, &stdout, &stderr) }()
	row := regexp.MustCompile(`(?m)^placement\s+(\d+)\s`)
	var pid int
	testutil.CheckFor(t, 2*time.Minute, 50*time.Millisecond, func() error {
		m := row.FindStringSubmatch(stdout.String())
		if m == nil || !strings.Contains(stdout.String(), "press Ctrl-C") {
			return fmt.Errorf("not ready:\n%s", stdout.String())
		}
		pid, _ = strconv.Atoi(m[1])
		return nil
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "placement") {
			t.Fatalf("run returned %v, want an error naming placement", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not end after placement died")
	}
}

func TestBinDirOnlyWithProcesses(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"-bin-dir", t.TempDir(), "-data-dir", t.TempDir(), "-nats-port", "-1", "-base-port", "0"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-processes") {
		t.Fatalf("run with -bin-dir and no -processes: %v", err)
	}
	err = run(context.Background(), []string{"-processes", "-bin-dir", t.TempDir(), "-data-dir", t.TempDir()}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "does not hold") {
		t.Fatalf("run -processes with an empty -bin-dir: %v", err)
	}
}
