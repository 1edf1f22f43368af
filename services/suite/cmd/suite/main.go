// Command suite runs the whole corporate parenting suite on this machine: an
// embedded NATS JetStream server and the caseload, placement, careleaver and
// metrics services, in one process, on localhost. Data (each service's bbolt
// file and the JetStream store) lives under -data-dir, so a second start finds
// it again. Ctrl-C shuts everything down cleanly.
//
// With -seed, the first start (into a new data directory) loads the seed
// scenario through the services' APIs — a council whose figures, as at
// -seed-as-at (default today), are those of its note to the scrutiny board —
// and records it in <data-dir>/seed.json; a start interrupted mid-load
// finishes the load on the next start with -seed.
//
// With -processes, the suite runs as separate processes instead: a
// standalone nats-server (JetStream, sync_interval always) and the four
// services' own binaries, each a child process on the same ports, with the
// same data directory layout, and each writing its log to
// <data-dir>/logs/<name>.log. The binaries are taken from -bin-dir, else
// from the directory this command is in, else built from the repository
// (go build, into the user's cache directory). Ctrl-C stops the services,
// then nats-server.
//
// Every flag falls back to an environment variable CP_SUITE_<FLAG>; run with
// -h for the list.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	// The council's zone, Europe/London.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/config"
	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/suite/launcher"
	"github.com/corporate-parenting/suite/services/suite/seed"
)

func main() {
	service.TuneGC() // the four services in this process run as their own binaries do
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "suite:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := config.NewFlagSet("suite")
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "data", "directory for the services' bbolt files and the JetStream store")
	host := fs.String("host", "127.0.0.1", "address every listener binds")
	natsPort := fs.Int("nats-port", 4222, "embedded NATS client port")
	basePort := fs.Int("base-port", 7100, "services listen on base+1..4 (gRPC) and base+91..94 (HTTP)")
	councilName := fs.String("council-name", "Coventry City Council", "the council's name, shown on the scorecard page", "CP_COUNCIL_NAME")
	councilLA := fs.String("council-la", "E08000026", "the council's local authority code (ONS), for inside/outside the boundary", "CP_COUNCIL_LA")
	level := fs.LogLevel(slog.LevelWarn)
	loadSeed := fs.Bool("seed", false, "on first start (a new data directory) load the seed scenario: a council whose figures, as at -seed-as-at, are those of its note to the scrutiny board")
	seedAsAt := fs.String("seed-as-at", "", "the seed scenario's as-at date, YYYY-MM-DD (default today, Europe/London)")
	seedNumber := fs.Int("seed-number", 1, "the seed scenario's random seed")
	processes := fs.Bool("processes", false, "run nats-server and the four services as separate processes (their own binaries), each logging to <data-dir>/logs/<name>.log")
	binDir := fs.String("bin-dir", "", "with -processes: directory holding the caseload, placement, careleaver, metrics and nats-server binaries (default: next to this command if they are there, else built from the repository)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	fresh, err := newDataDir(*dataDir)
	if err != nil {
		return err
	}
	sr := seedRequest{dataDir: *dataDir, fresh: fresh, asAt: *seedAsAt, number: int64(*seedNumber)}
	if *processes {
		childLevel := ""
		if fs.Source("log-level") != "default" {
			childLevel = strings.ToLower(level.Level().String())
		}
		return runProcesses(ctx, procsRequest{
			binDir: *binDir, dataDir: *dataDir, host: *host, natsPort: *natsPort, basePort: *basePort,
			councilLA: *councilLA, councilName: *councilName, logLevel: childLevel, seed: *loadSeed, seedRequest: sr,
		}, stdout, stderr)
	}
	if *binDir != "" {
		return errors.New("-bin-dir is for -processes")
	}

	s, err := launcher.Start(ctx, launcher.Config{
		DataDir:     *dataDir,
		Host:        *host,
		NATSPort:    *natsPort,
		BasePort:    *basePort,
		CouncilLA:   *councilLA,
		CouncilName: *councilName,
		Logger:      log,
	})
	if err != nil {
		return err
	}
	printEndpoints(stdout, s, *dataDir)
	if !*loadSeed {
		err = s.Run(ctx)
		fmt.Fprintln(stdout, "suite stopped")
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	if err := seedOnFirstStart(ctx, s, sr, stdout, stderr); err != nil {
		cancel(err)
		<-ran
		fmt.Fprintln(stdout, "suite stopped")
		return err
	}
	err = <-ran
	fmt.Fprintln(stdout, "suite stopped")
	return err
}

// newDataDir reports whether dir is new: missing or empty. The seed
// scenario loads only into a new data directory.
func newDataDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("-data-dir: %w", err)
	}
	return len(entries) == 0, nil
}

// seedMarker records in the data directory that the seed scenario was
// loaded (or is being loaded: a start interrupted mid-load resumes it,
// which is safe because every write carries a request id made from the
// plan).
type seedMarker struct {
	State    string     `json:"state"` // "loading" or "loaded"
	AsAt     clock.Date `json:"as_at"`
	Seed     int64      `json:"seed"`
	Plan     string     `json:"plan"`
	Writes   int        `json:"writes"`
	LoadedAt time.Time  `json:"loaded_at,omitzero"`
}

const seedMarkerFile = "seed.json"

// addresses gives a service's gRPC address: the all-in-one suite
// (launcher.Suite) and the separate processes (procs.Suite) both do.
type addresses interface {
	Addr(service string) string
}

type seedRequest struct {
	dataDir string
	fresh   bool
	asAt    string
	number  int64
}

// seedOnFirstStart loads the seed scenario when the data directory was new
// at this start, or finishes a load an earlier start began; otherwise it
// says why it does nothing.
func seedOnFirstStart(ctx context.Context, s addresses, r seedRequest, stdout, stderr io.Writer) error {
	path := filepath.Join(r.dataDir, seedMarkerFile)
	var m seedMarker
	switch b, err := os.ReadFile(path); {
	case err == nil:
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("-seed: %s: %w", path, err)
		}
		if m.State == "loaded" {
			fmt.Fprintf(stdout, "seed scenario as at %s (seed %d) was loaded on %s\n", m.AsAt, m.Seed, m.LoadedAt.Format(time.DateOnly))
			return nil
		}
		fmt.Fprintf(stdout, "resuming the seed scenario as at %s (seed %d) an earlier start began to load\n", m.AsAt, m.Seed)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("-seed: %w", err)
	case !r.fresh:
		fmt.Fprintf(stdout, "-seed: %s already holds data; the seed scenario loads only on first start, into a new data directory\n", r.dataDir)
		return nil
	default:
		today := clock.Today(clock.System)
		m = seedMarker{State: "loading", AsAt: today, Seed: r.number}
		if r.asAt != "" {
			d, err := clock.ParseDate(r.asAt)
			if err != nil {
				return fmt.Errorf("-seed-as-at: %w", err)
			}
			m.AsAt = d
		}
		if err := seed.CheckAsAt(m.AsAt, today); err != nil {
			return fmt.Errorf("-seed-as-at: %w", err)
		}
	}
	plan, err := seed.Draw(m.AsAt, m.Seed)
	if err != nil {
		return err
	}
	m.Plan, m.Writes = plan.Hash(), plan.Writes()
	if err := writeMarker(path, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loading the seed scenario as at %s (seed %d): %d children, %d writes\n", m.AsAt, m.Seed, len(plan.Children), plan.Writes())
	clients, closeClients, err := seed.Dial(s.Addr("caseload"), s.Addr("placement"), s.Addr("careleaver"))
	if err != nil {
		return err
	}
	defer closeClients()
	f, isFile := stderr.(*os.File)
	progress := seed.NewProgress(stderr, isFile && seed.IsTerminal(f))
	start := time.Now()
	err = seed.Load(ctx, clients, plan, progress.Update)
	progress.Done()
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stdout, "seed scenario load interrupted; the next start with -seed finishes it")
		return nil
	}
	if err != nil {
		return fmt.Errorf("-seed: %w", err)
	}
	m.State, m.LoadedAt = "loaded", time.Now().UTC()
	if err := writeMarker(path, m); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed scenario loaded in %v\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// writeMarker writes the marker atomically (a new file renamed over the
// old one).
func writeMarker(path string, m seedMarker) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("-seed: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("-seed: %w", err)
	}
	return nil
}

func printEndpoints(w io.Writer, s *launcher.Suite, dataDir string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tGRPC\tHTTP (/metrics, /healthz)")
	for _, e := range s.Endpoints() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Service, e.GRPC, e.HTTP)
	}
	tw.Flush()
	fmt.Fprintf(w, "Board scorecard: http://%s/\n", s.HTTPAddr("metrics"))
	fmt.Fprintf(w, "data in %s; press Ctrl-C to stop\n", dataDir)
}
