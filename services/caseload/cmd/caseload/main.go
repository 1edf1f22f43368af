// Command caseload runs the caseload service: children looked after, their
// periods of care and legal statuses, UASC status, worker allocations and
// legal category as at a date, over gRPC, with its events on NATS JetStream.
//
// Every flag falls back to an environment variable (CP_CASELOAD_<FLAG>, and
// for the NATS URL also CP_NATS_URL); run with -h for the list.
package main

import (
	"context"
	"io"
	// The council's zone, Europe/London, in a FROM scratch image.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/caseload/app"
)

func main() { service.Main(app.Name, run) }

// run parses args and runs the service until ctx ends (service.Command).
func run(ctx context.Context, args []string, stderr io.Writer) error {
	return service.Command(ctx, args, func(args []string) (app.Config, *service.Flags, error) { return parse(args, stderr) }, app.New, nil)
}

// parse reads the flags and environment into the service's Config.
func parse(args []string, stderr io.Writer) (app.Config, *service.Flags, error) {
	f := service.NewFlags(app.Name, service.FlagDefaults{GRPCAddr: "127.0.0.1:7101", HTTPAddr: "127.0.0.1:7191", Stream: "CASELOAD"}, stderr)
	fs := f.FlagSet()
	batch := fs.Int("max-batch", app.DefaultMaxBatch, "most writes sharing one bbolt commit (group commit)")
	milestones := fs.Duration("milestone-interval", app.DefaultMilestoneInterval, "how often the age-milestone task runs")
	svc, err := f.Parse(args)
	if err != nil {
		return app.Config{}, f, err
	}
	return app.Config{Service: svc, MaxBatch: *batch, MilestoneInterval: *milestones}, f, nil
}
