package procs

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BinDirEnv names an environment variable that, when set, points at a
// directory already holding the five binaries: BuildForTest then uses
// them instead of building.
const BinDirEnv = "CP_PROCS_BIN_DIR"

// BuildForTest builds the binaries of the workspace the test runs in (into
// DefaultBinDir, shared by test packages and kept between runs, so an
// unchanged tree links nothing), logs how long that took, and returns a
// private directory of links to them that later builds cannot change. It
// fails the test if the build fails.
func BuildForTest(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv(BinDirEnv); dir != "" {
		if !HasBinaries(dir) {
			t.Fatalf("%s=%s lacks some of %v", BinDirEnv, dir, Binaries)
		}
		t.Logf("using the binaries in %s=%s", BinDirEnv, dir)
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := FindWorkspace(wd)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := DefaultBinDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	took, err := Build(ctx, root, shared, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s into %s in %v", strings.Join(Binaries, ", "), shared, took.Round(time.Millisecond))
	private := filepath.Join(t.TempDir(), "bin")
	if err := LinkBinaries(shared, private); err != nil {
		t.Fatal(err)
	}
	return private
}

// StartForTest starts a separate-process suite in a temporary directory
// on free ports, kills whatever still runs when the test ends, and on
// failure logs the tail of each process's log.
func StartForTest(t testing.TB, cfg Config) *Suite {
	t.Helper()
	if cfg.BinDir == "" {
		cfg.BinDir = BuildForTest(t)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("separate processes ready in %v: %s", time.Since(start).Round(time.Millisecond), s.Describe())
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range s.Procs() {
				t.Log(tail(p.LogPath(), 15))
			}
		}
		s.KillAll()
	})
	return s
}

// Describe lists each process's name, pid and address on one line.
func (s *Suite) Describe() string {
	var b strings.Builder
	for i, p := range s.procs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.name + " pid " + itoa(p.PID()) + " " + p.grpc)
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}
