// Command placement runs the placement service: where each looked-after
// child is placed (903 PLACE, provider, URN, inside/outside the council's
// boundary, distance from home), checked against the child's care history
// held by the caseload service, over gRPC, with its events on the PLACEMENT
// JetStream stream.
//
// Every flag falls back to an environment variable (CP_PLACEMENT_<FLAG>,
// and for the shared settings CP_NATS_URL and CP_CASELOAD_ADDR); run with -h
// for the list.
package main

import (
	"context"
	"io"
	// The council's zone, Europe/London, in a FROM scratch image.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/placement/app"
	"github.com/corporate-parenting/suite/services/placement/internal/caseloadclient"
)

func main() { service.Main(app.Name, run) }

// run parses args and runs the service until ctx ends (service.Command).
func run(ctx context.Context, args []string, stderr io.Writer) error {
	return service.Command(ctx, args, func(args []string) (app.Config, *service.Flags, error) { return parse(args, stderr) }, app.New, nil)
}

// parse reads the flags and environment into the service's Config.
func parse(args []string, stderr io.Writer) (app.Config, *service.Flags, error) {
	f := service.NewFlags(app.Name, service.FlagDefaults{GRPCAddr: "127.0.0.1:7102", HTTPAddr: "127.0.0.1:7192", Stream: "PLACEMENT"}, stderr)
	fs := f.FlagSet()
	caseloadAddr := fs.String("caseload-addr", "127.0.0.1:7101", "the caseload service's gRPC address (placements are checked against care)", "CP_CASELOAD_ADDR")
	councilLA := fs.String("council-la", app.DefaultCouncilLA, "the council's own local authority code (ONS): placements there are inside the boundary")
	caseloadTimeout := fs.Duration("caseload-timeout", caseloadclient.DefaultTimeout, "deadline of one call to the caseload service")
	caseloadAttempts := fs.Int("caseload-attempts", caseloadclient.DefaultAttempts, "attempts at a call to the caseload service while it is unavailable")
	batchDelay := fs.Duration("batch-delay", app.DefaultMaxBatchDelay, "bbolt group-commit delay")
	batchSize := fs.Int("batch-size", app.DefaultMaxBatchSize, "bbolt group-commit size")
	svc, err := f.Parse(args, "caseload-addr", "council-la")
	if err != nil {
		return app.Config{}, f, err
	}
	return app.Config{
		Service:       svc,
		CaseloadAddr:  *caseloadAddr,
		CouncilLA:     *councilLA,
		Caseload:      caseloadclient.Options{Timeout: *caseloadTimeout, Attempts: *caseloadAttempts},
		MaxBatchDelay: *batchDelay,
		MaxBatchSize:  *batchSize,
	}, f, nil
}
