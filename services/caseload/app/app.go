// Package app wires the caseload service: the shared runtime (bbolt file,
// NATS, gRPC with health and reflection, Prometheus, outbox relay), the
// store, the domain service, the gRPC adapter and the background tasks (the
// PLACEMENT consumer, age milestones, request-id pruning). The
// service's own cmd and the all-in-one suite both start it through here.
package app

import (
	"context"
	"time"

	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/server"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// Name is the service's name: its bbolt file is <DataDir>/caseload.db.
const Name = "caseload"

// Defaults for zero Config fields.
const (
	// DefaultMaxBatch caps how many writes share one commit (group commit:
	// the writes that arrive while one commit is being fsynced form the
	// next).
	DefaultMaxBatch = store.DefaultMaxBatch
	// DefaultMilestoneInterval is how often the age-milestone task looks at
	// the clock for a new day.
	DefaultMilestoneInterval = time.Minute
	// IdempotencyRetention is how long a request_id's first response is
	// kept (the contract promises at least 24 hours).
	IdempotencyRetention = 48 * time.Hour
)

// Config configures the caseload service.
type Config struct {
	// Service is the shared runtime's configuration (Name defaults to
	// "caseload").
	Service service.Config
	// MaxBatch caps how many writes share one commit (DefaultMaxBatch).
	// Sync stays on: every write is on disk before it returns.
	MaxBatch int
	// MilestoneInterval is how often the age-milestone task runs.
	MilestoneInterval time.Duration
}

// App is an opened caseload service.
type App struct {
	cfg   Config
	rt    *service.Runtime
	store *store.Store
	svc   *caseload.Service
}

// New opens the service: its bbolt file (loading every child into memory),
// its NATS connection and its listeners, and registers the gRPC handlers
// and background tasks. Addresses are known once New returns; nothing is
// served until Run.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Service.Name == "" {
		cfg.Service.Name = Name
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultMaxBatch
	}
	if cfg.MilestoneInterval <= 0 {
		cfg.MilestoneInterval = DefaultMilestoneInterval
	}
	stream := events.CaseloadStream()
	rt, err := service.Open(ctx, cfg.Service, service.Spec{Schema: store.Schema(), Publishes: &stream})
	if err != nil {
		return nil, err
	}
	st, err := store.Open(rt.DB(), store.Options{Clock: rt.Clock(), Published: rt.Published, MaxBatch: cfg.MaxBatch})
	if err != nil {
		rt.Close()
		return nil, err
	}
	a := &App{cfg: cfg, rt: rt, store: st, svc: caseload.NewService(rt.Clock())}
	server.New(a.svc, st).Register(rt.GRPC().GRPC())
	if err := a.registerPlacementConsumer(); err != nil {
		st.Close()
		rt.Close()
		return nil, err
	}
	rt.Go("age-milestones", a.runMilestones)
	rt.KeepRequestIDs(IdempotencyRetention)
	rt.Logger().Info("caseload opened", "children", st.Len())
	return a, nil
}

// GRPCAddr is the bound gRPC address.
func (a *App) GRPCAddr() string { return a.rt.GRPCAddr() }

// HTTPAddr is the bound metrics address ("" when disabled).
func (a *App) HTTPAddr() string { return a.rt.HTTPAddr() }

// Run serves until ctx ends, then shuts down in order.
func (a *App) Run(ctx context.Context) error {
	err := a.rt.Run(ctx)
	a.store.Close() // idle by now: calls and tasks have stopped
	return err
}

// Close releases an App that was opened but never run.
func (a *App) Close() {
	a.store.Close()
	a.rt.Close()
}
