package procs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// NATSServer is the name of the nats-server binary in a binaries directory.
const NATSServer = "nats-server"

// Services are the four services, in the order they start (caseload first:
// placement and careleaver call it; metrics last: it reconciles against the
// other three).
var Services = []string{"caseload", "placement", "careleaver", "metrics"}

// Binaries are the five programs a separate-process suite runs, by the
// name of their file in a binaries directory.
var Binaries = []string{"caseload", "placement", "careleaver", "metrics", NATSServer}

// packages are the Go packages built into Binaries (same order).
var packages = []string{
	"github.com/corporate-parenting/suite/services/caseload/cmd/caseload",
	"github.com/corporate-parenting/suite/services/placement/cmd/placement",
	"github.com/corporate-parenting/suite/services/careleaver/cmd/careleaver",
	"github.com/corporate-parenting/suite/services/metrics/cmd/metrics",
	// The real server, from the version in pkg's module graph.
	"github.com/nats-io/nats-server/v2",
}

// HasBinaries reports whether dir holds all five programs.
func HasBinaries(dir string) bool {
	for _, b := range Binaries {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// FindWorkspace returns the directory of the go.work file at or above dir:
// the repository the binaries are built from.
func FindWorkspace(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if fi, err := os.Stat(filepath.Join(d, "go.work")); err == nil && !fi.IsDir() {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("procs: no go.work at or above %s: build the binaries from inside the repository", dir)
		}
		d = parent
	}
}

// DefaultBinDir is where Build puts the binaries of the workspace at root
// when asked for no particular directory: a directory of the user's cache
// named after the workspace's path, so two checkouts never share one and
// a second build of unchanged sources links nothing.
func DefaultBinDir(root string) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(cache, "corporate-parenting-suite", "bin-"+hex.EncodeToString(sum[:6])), nil
}

// Build builds the four services and nats-server into dir with `go build`
// run in the workspace at root. The go command's cache makes a build of
// unchanged sources cheap (nothing is relinked when the files in dir are up
// to date). Builds into the same dir are serialised with a lock file, so
// test packages running at once can share one. Output of the go command
// goes to log (may be nil).
func Build(ctx context.Context, root, dir string, log io.Writer) (time.Duration, error) {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("procs: %w", err)
	}
	unlock, err := lock(filepath.Join(dir, ".build.lock"))
	if err != nil {
		return 0, err
	}
	defer unlock()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	args := append([]string{"build", "-o", dir + string(filepath.Separator)}, packages...)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = root
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if log != nil {
		w := io.MultiWriter(&out, log)
		cmd.Stdout, cmd.Stderr = w, w
	}
	if err := cmd.Run(); err != nil {
		return time.Since(start), fmt.Errorf("procs: go build in %s: %w\n%s", root, err, out.String())
	}
	if !HasBinaries(dir) {
		return time.Since(start), fmt.Errorf("procs: go build left %s without all of %v", dir, Binaries)
	}
	return time.Since(start), nil
}

// LinkBinaries makes private links to src's binaries in dst (copies when a
// hard link is impossible), so a later build into src (which replaces its
// files) never changes the programs a running suite restarts.
func LinkBinaries(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, b := range Binaries {
		from, to := filepath.Join(src, b), filepath.Join(dst, b)
		_ = os.Remove(to)
		if err := os.Link(from, to); err == nil {
			continue
		}
		if err := copyFile(from, to); err != nil {
			return fmt.Errorf("procs: %w", err)
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// lock takes an exclusive flock on path.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("procs: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("procs: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// limitedBuffer keeps the last 64 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.b = append(l.b, p...)
	if over := len(l.b) - 64<<10; over > 0 {
		l.b = l.b[over:]
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }

var errNotRunning = errors.New("not running")
