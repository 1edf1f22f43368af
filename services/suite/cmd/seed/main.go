// Command seed loads the seed scenario into a running suite: a council's
// history, drawn deterministically, written through the caseload, placement
// and care-leaver services' own gRPC APIs so that, as at its date, the
// metrics service reports the figures of the council's note to its scrutiny
// board (662 children looked after, 290 care leavers, ...). It then waits
// for the metrics service to report them and prints them.
//
//	go run ./services/suite/cmd/suite &            # the suite on 127.0.0.1:7101–7104
//	go run ./services/suite/cmd/seed               # as at today
//	go run ./services/suite/cmd/seed -as-at 2026-03-31
//
// Loading the same scenario twice changes nothing: every write carries a
// request id made from the plan, so a second run (after a crash, say)
// returns the first run's answers. A different -as-at or -seed is a
// different council and is refused by the services (the children's ids
// already exist). Every flag falls back to CP_SEED_<FLAG>.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
	// The council's zone, Europe/London.
	_ "time/tzdata"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/config"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"

	"github.com/corporate-parenting/suite/services/suite/seed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, seed.IsTerminal(os.Stderr)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) error {
	fs := config.NewFlagSet("seed")
	fs.SetOutput(stderr)
	caseloadAddr := fs.String("caseload", "127.0.0.1:7101", "caseload gRPC address")
	placementAddr := fs.String("placement", "127.0.0.1:7102", "placement gRPC address")
	careleaverAddr := fs.String("careleaver", "127.0.0.1:7103", "careleaver gRPC address")
	metricsAddr := fs.String("metrics", "127.0.0.1:7104", "metrics gRPC address (for -verify)")
	asAtFlag := fs.String("as-at", "", "the date the council's figures hold on, YYYY-MM-DD (default today, Europe/London)")
	seedNum := fs.Int("seed", 1, "random seed: the same seed and as-at date always draw the same council")
	verify := fs.Bool("verify", true, "after loading, wait for the metrics service to report the figures and print them")
	dryRun := fs.Bool("dry-run", false, "draw the plan and describe it; write nothing")
	planJSON := fs.String("plan-json", "", "also write the plan, as JSON, to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	today := clock.Today(clock.System)
	asAt := today
	if *asAtFlag != "" {
		d, err := clock.ParseDate(*asAtFlag)
		if err != nil {
			return fmt.Errorf("-as-at: %w", err)
		}
		asAt = d
	}
	if err := seed.CheckAsAt(asAt, today); err != nil {
		return fmt.Errorf("-as-at: %w", err)
	}
	plan, err := seed.Draw(asAt, int64(*seedNum))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seed scenario as at %s (seed %d): %d children, %d writes, plan %s\n",
		asAt, *seedNum, len(plan.Children), plan.Writes(), plan.Hash()[:12])
	if *planJSON != "" {
		if err := os.WriteFile(*planJSON, plan.JSON(), 0o644); err != nil {
			return err
		}
	}
	if *dryRun {
		return nil
	}
	clients, closeClients, err := seed.Dial(*caseloadAddr, *placementAddr, *careleaverAddr)
	if err != nil {
		return err
	}
	defer closeClients()
	progress := seed.NewProgress(stderr, terminal)
	start := time.Now()
	err = seed.Load(ctx, clients, plan, progress.Update)
	progress.Done()
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "loaded %d writes in %v (%.0f writes/s)\n", plan.Writes(), took.Round(time.Millisecond), float64(plan.Writes())/took.Seconds())
	if !*verify {
		return nil
	}
	conn, err := grpc.NewClient(*metricsAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	report, err := seed.Await(ctx, metricsv1.NewMetricsServiceClient(conn), asAt, time.Minute)
	if report != nil {
		fmt.Fprintf(stdout, "\nthe metrics service as at %s (and twelve months earlier):\n", asAt)
		report.Print(stdout)
	}
	return err
}
