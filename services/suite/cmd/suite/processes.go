package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/corporate-parenting/suite/services/suite/procs"
)

// procsRequest is what -processes needs from the flags.
type procsRequest struct {
	binDir, dataDir, host  string
	natsPort, basePort     int
	councilLA, councilName string
	logLevel               string // the children's -log-level ("" their default)
	seed                   bool
	seedRequest            seedRequest
}

// runProcesses runs the suite as separate processes until ctx ends (Ctrl-C)
// or one of them exits on its own, then stops the services and nats-server.
func runProcesses(ctx context.Context, r procsRequest, stdout, stderr io.Writer) error {
	bin, err := serviceBinaries(ctx, r.binDir, stdout, stderr)
	if err != nil {
		return err
	}
	natsPort := r.natsPort
	switch natsPort {
	case -1:
		natsPort = 0 // procs: any free port
	case 0:
		natsPort = 4222
	}
	s, err := procs.Start(ctx, procs.Config{
		BinDir:        bin,
		DataDir:       r.dataDir,
		SharedDataDir: true, // the all-in-one layout: either way of running finds the other's data
		Host:          r.host,
		NATSPort:      natsPort,
		BasePort:      r.basePort,
		CouncilLA:     r.councilLA,
		CouncilName:   r.councilName,
		LogLevel:      r.logLevel,
	})
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stdout, "suite stopped")
			return nil
		}
		return err
	}
	printProcesses(stdout, s, bin, r.dataDir)
	var runErr error
	if r.seed {
		if err := seedOnFirstStart(ctx, s, r.seedRequest, stdout, stderr); err != nil {
			runErr = err
		}
	}
	if runErr == nil {
		select {
		case <-ctx.Done():
		case err := <-s.Unexpected():
			runErr = fmt.Errorf("-processes: %w", err)
		}
	}
	fmt.Fprintln(stdout, "stopping the services, then nats-server")
	stopErr := s.StopAll()
	fmt.Fprintln(stdout, "suite stopped")
	return errors.Join(runErr, stopErr)
}

// serviceBinaries finds the five programs: in dir if given, else next to
// this command, else built from the repository the working directory is in.
func serviceBinaries(ctx context.Context, dir string, stdout, stderr io.Writer) (string, error) {
	want := strings.Join(procs.Binaries, ", ")
	if dir != "" {
		if !procs.HasBinaries(dir) {
			return "", fmt.Errorf("-bin-dir %s does not hold all of %s", dir, want)
		}
		return dir, nil
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err := filepath.EvalSymlinks(exe); err == nil && procs.HasBinaries(filepath.Dir(exe)) {
			return filepath.Dir(exe), nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := procs.FindWorkspace(wd)
	if err != nil {
		return "", fmt.Errorf("-processes: %s are not next to this command, -bin-dir is not given, and %s is not inside the repository to build them from (%w)", want, wd, err)
	}
	bin, err := procs.DefaultBinDir(root)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "building %s from %s into %s (a first build takes a few minutes)\n", want, root, bin)
	took, err := procs.Build(ctx, root, bin, stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "binaries ready in %v\n", took.Round(time.Millisecond))
	return bin, nil
}

func printProcesses(w io.Writer, s *procs.Suite, bin, dataDir string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROCESS\tPID\tGRPC\tHTTP (/metrics, /healthz)\tLOG")
	for _, p := range s.Procs() {
		addr, http := p.GRPCAddr(), p.HTTPAddr()
		if p.Name() == procs.NATSServer {
			addr, http = s.NATSURL(), http+" (monitoring)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name(), strconv.Itoa(p.PID()), addr, http, p.LogPath())
	}
	tw.Flush()
	fmt.Fprintf(w, "Board scorecard: http://%s/\n", s.HTTPAddr("metrics"))
	fmt.Fprintf(w, "binaries from %s; data in %s; press Ctrl-C to stop\n", bin, dataDir)
}
