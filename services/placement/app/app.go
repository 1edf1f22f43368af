// Package app wires the placement service: the shared runtime (bbolt file,
// NATS, gRPC with health and reflection, Prometheus, outbox relay on the
// PLACEMENT stream), the store, the caseload client, the domain service and
// the gRPC adapter. The service's own cmd and the all-in-one suite both
// start it through here.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/placement/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/placement/internal/placement"
	"github.com/corporate-parenting/suite/services/placement/internal/server"
	"github.com/corporate-parenting/suite/services/placement/internal/store"
)

// Name is the service's name: its bbolt file is <DataDir>/placement.db.
const Name = "placement"

// Defaults for zero Config fields.
const (
	// DefaultCouncilLA is the council's own local authority code (ONS):
	// Coventry.
	DefaultCouncilLA = "E08000026"
	// DefaultMaxBatchDelay is how long a write waits for others to share
	// its fsync (bbolt group commit). With 64 callers on the suite's 2-core
	// machines (BenchmarkPlacement/writes-64) 5 ms did best of 1, 2, 3, 5
	// and 10 ms (noisy, shared machine: e.g. 2.2k, 2.7k, -, 3.3k, 1.9k/s in
	// one quiet run). Fewer, larger commits also leave the disk to
	// JetStream, which fsyncs every event (sync_interval always). A lone
	// write waits at most this long, small beside its call to caseload.
	DefaultMaxBatchDelay = 5 * time.Millisecond
	// DefaultMaxBatchSize caps a group commit.
	DefaultMaxBatchSize = 256
	// IdempotencyRetention is how long a request_id's first response is
	// kept (the contract promises at least 24 hours).
	IdempotencyRetention = 48 * time.Hour
)

// Config configures the placement service.
type Config struct {
	// Service is the shared runtime's configuration (Name defaults to
	// "placement").
	Service service.Config
	// CaseloadAddr is the caseload service's gRPC address (host:port).
	CaseloadAddr string
	// CouncilLA is the council's own local authority code (ONS, default
	// E08000026): placements in it are inside the boundary.
	CouncilLA string
	// Caseload tunes the caseload client (deadline per attempt, attempts,
	// back-off); zero fields take caseloadclient's defaults.
	Caseload caseloadclient.Options
	// MaxBatchDelay and MaxBatchSize tune bbolt's group commit (db.Batch).
	// Sync stays on: every write is on disk before it returns.
	MaxBatchDelay time.Duration
	MaxBatchSize  int
}

// App is an opened placement service.
type App struct {
	cfg    Config
	rt     *service.Runtime
	store  *store.Store
	client *caseloadclient.Client
}

// New opens the service: its bbolt file, its NATS connection, its listeners
// and its (lazy) connection to caseload, and registers the gRPC handlers.
// Addresses are known once New returns; nothing is served until Run.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Service.Name == "" {
		cfg.Service.Name = Name
	}
	if cfg.CouncilLA == "" {
		cfg.CouncilLA = DefaultCouncilLA
	}
	if cfg.MaxBatchDelay <= 0 {
		cfg.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if cfg.MaxBatchSize <= 0 {
		cfg.MaxBatchSize = DefaultMaxBatchSize
	}
	if cfg.CaseloadAddr == "" {
		return nil, errors.New("placement: the caseload service's address is required (placements are checked against care)")
	}
	client, err := caseloadclient.New(cfg.CaseloadAddr, cfg.Caseload)
	if err != nil {
		return nil, err
	}
	stream := events.PlacementStream()
	rt, err := service.Open(ctx, cfg.Service, service.Spec{Schema: store.Schema(), Publishes: &stream})
	if err != nil {
		_ = client.Close()
		return nil, err
	}
	db := rt.DB()
	db.MaxBatchDelay = cfg.MaxBatchDelay
	db.MaxBatchSize = cfg.MaxBatchSize
	st, err := store.Open(db, store.Options{Clock: rt.Clock(), Published: rt.Published})
	if err != nil {
		rt.Close()
		_ = client.Close()
		return nil, err
	}
	a := &App{cfg: cfg, rt: rt, store: st, client: client}
	server.New(placement.NewService(cfg.CouncilLA), st, client, rt.Clock()).Register(rt.GRPC().GRPC())
	rt.KeepRequestIDs(IdempotencyRetention)
	rt.Logger().Info("placement opened", "council_la", cfg.CouncilLA, "caseload", cfg.CaseloadAddr)
	return a, nil
}

// GRPCAddr is the bound gRPC address.
func (a *App) GRPCAddr() string { return a.rt.GRPCAddr() }

// HTTPAddr is the bound metrics address ("" when disabled).
func (a *App) HTTPAddr() string { return a.rt.HTTPAddr() }

// Run serves until ctx ends, then shuts down in order and closes the
// connection to caseload.
func (a *App) Run(ctx context.Context) error {
	defer a.client.Close()
	return a.rt.Run(ctx)
}

// Close releases an App that was opened but never run.
func (a *App) Close() {
	a.rt.Close()
	_ = a.client.Close()
}
