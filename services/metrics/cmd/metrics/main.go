// Command metrics runs the metrics service: live indicator totals for the
// Corporate Parenting Board, kept from the events the caseload, placement
// and care-leaver services publish on NATS JetStream, served over gRPC
// (MetricsService, with health and reflection), streamed on core NATS
// (metrics.indicators.<indicator>.<variant>.<age_band>) and exported to
// Prometheus on the HTTP port.
//
// Every flag falls back to an environment variable (CP_METRICS_<FLAG>, and
// for the NATS URL also CP_NATS_URL); run with -h for the list.
package main

import (
	"context"
	"io"
	// The council's zone, Europe/London, in a FROM scratch image.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/metrics/app"
	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/ingest"
)

func main() {
	service.Main(app.Name, func(ctx context.Context, args []string, stderr io.Writer) error {
		return run(ctx, args, stderr, nil)
	})
}

// run parses args, then serves until ctx ends (service.Command); started,
// if set, is told the bound gRPC and HTTP addresses.
func run(ctx context.Context, args []string, stderr io.Writer, started func(grpcAddr, httpAddr string)) error {
	var tell func(*app.App)
	if started != nil {
		tell = func(a *app.App) { started(a.GRPCAddr(), a.HTTPAddr()) }
	}
	return service.Command(ctx, args, func(args []string) (app.Config, *service.Flags, error) { return parse(args, stderr) }, app.New, tell)
}

// parse reads the flags and environment into the service's Config.
func parse(args []string, stderr io.Writer) (app.Config, *service.Flags, error) {
	f := service.NewFlags(app.Name, service.FlagDefaults{GRPCAddr: "127.0.0.1:7104", HTTPAddr: "127.0.0.1:7194"}, stderr)
	fs := f.FlagSet()
	council := fs.String("council-name", "", "the council's name, shown on the scorecard page", "CP_COUNCIL_NAME")
	caseloadAddr := fs.String("caseload-addr", "", "caseload gRPC address, for Reconcile", "CP_CASELOAD_ADDR")
	placementAddr := fs.String("placement-addr", "", "placement gRPC address, for Reconcile", "CP_PLACEMENT_ADDR")
	careleaverAddr := fs.String("careleaver-addr", "", "careleaver gRPC address, for Reconcile", "CP_CARELEAVER_ADDR")
	batch := fs.Int("consume-batch", ingest.DefaultBatch, "most events applied per bbolt transaction")
	linger := fs.Duration("consume-linger", ingest.DefaultLinger, "how long a consumer waits for more events to share a transaction")
	ring := fs.Int("watch-ring", feed.DefaultCapacity, "recent changes kept for WatchIndicators clients that resume")
	dayCheck := fs.Duration("day-check-interval", app.DefaultDayCheckInterval, "how often the London date is checked to move the live totals to a new day")
	reconcileTimeout := fs.Duration("reconcile-timeout", app.DefaultReconcileTimeout, "deadline of each call to a source service during Reconcile")
	durablePrefix := fs.String("durable-prefix", ingest.DefaultDurablePrefix, "this replica's JetStream durable consumers are <prefix>-caseload, -placement, -careleaver: give each metrics replica its own, and keep it for the replica's data directory")
	svc, err := f.Parse(args, "caseload-addr", "placement-addr", "careleaver-addr", "durable-prefix")
	if err != nil {
		return app.Config{}, f, err
	}
	if err := ingest.ValidDurablePrefix(*durablePrefix); err != nil {
		return app.Config{}, f, err
	}
	return app.Config{
		Service:          svc,
		CaseloadAddr:     *caseloadAddr,
		PlacementAddr:    *placementAddr,
		CareleaverAddr:   *careleaverAddr,
		ConsumeBatch:     *batch,
		ConsumeLinger:    *linger,
		WatchRing:        *ring,
		DayCheckInterval: *dayCheck,
		ReconcileTimeout: *reconcileTimeout,
		Council:          *council,
		DurablePrefix:    *durablePrefix,
	}, f, nil
}
