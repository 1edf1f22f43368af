// Package app wires the care-leaver service: the shared runtime (bbolt
// file, NATS, gRPC with health and reflection, Prometheus, outbox relay),
// the store, the domain service, the caseload client, the gRPC adapter and
// the background tasks (the CASELOAD consumer that opens records, the
// birthday clock, request-id pruning). The service's own cmd and the
// all-in-one suite both start it through here.
package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/metrics"
	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/careleaver/internal/server"
	"github.com/corporate-parenting/suite/services/careleaver/internal/store"
)

// Name is the service's name: its bbolt file is <DataDir>/careleaver.db.
const Name = "careleaver"

// ConsumerDurable is the durable name of the service's CASELOAD consumer.
const ConsumerDurable = "careleaver-caseload"

// Defaults for zero Config fields.
const (
	// DefaultMaxBatchDelay is how long a write waits for others to share
	// its fsync (bbolt group commit). Under load a batch fills while the
	// previous one commits; a lone write waits at most this long.
	DefaultMaxBatchDelay = 2 * time.Millisecond
	// DefaultMaxBatchSize caps a group commit.
	DefaultMaxBatchSize = 256
	// DefaultBirthdayInterval is how often the birthday clock looks at the
	// service's clock for a new day.
	DefaultBirthdayInterval = time.Minute
	// IdempotencyRetention is how long a request_id's first response is
	// kept (the contract promises at least 24 hours).
	IdempotencyRetention = 48 * time.Hour
)

// Config configures the care-leaver service.
type Config struct {
	// Service is the shared runtime's configuration (Name defaults to
	// "careleaver"; Clock to the system clock).
	Service service.Config
	// CaseloadAddr is the caseload service's gRPC address (host:port).
	CaseloadAddr string
	// CaseloadTimeout bounds each call to caseload, retries included
	// (caseloadclient.DefaultTimeout if 0).
	CaseloadTimeout time.Duration
	// BirthdayWindow is the window around a birthday in which a contact is
	// the birthday contact (3 months before to 1 month after if zero).
	BirthdayWindow careleaver.BirthdayWindow
	// BirthdayInterval is how often the birthday clock runs.
	BirthdayInterval time.Duration
	// MaxBatchDelay and MaxBatchSize tune bbolt's group commit (db.Batch).
	// Sync stays on: every write is on disk before it returns.
	MaxBatchDelay time.Duration
	MaxBatchSize  int
}

// App is an opened care-leaver service.
type App struct {
	cfg      Config
	rt       *service.Runtime
	store    *store.Store
	svc      *careleaver.Service
	caseload *caseloadclient.Client

	birthdayMu sync.Mutex // one birthday pass at a time
}

// New opens the service: its bbolt file, its NATS connection, its
// listeners and the caseload client, and registers the gRPC handlers and
// background tasks. Addresses are known once New returns; nothing is served
// until Run.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Service.Name == "" {
		cfg.Service.Name = Name
	}
	if cfg.BirthdayWindow == (careleaver.BirthdayWindow{}) {
		cfg.BirthdayWindow = careleaver.DefaultBirthdayWindow
	}
	if !cfg.BirthdayWindow.Valid() {
		return nil, fmt.Errorf("careleaver: birthday window %+v: each side must be 0 to %d months", cfg.BirthdayWindow, careleaver.MaxWindowMonths)
	}
	if cfg.BirthdayInterval <= 0 {
		cfg.BirthdayInterval = DefaultBirthdayInterval
	}
	if cfg.MaxBatchDelay <= 0 {
		cfg.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if cfg.MaxBatchSize <= 0 {
		cfg.MaxBatchSize = DefaultMaxBatchSize
	}
	cl, err := caseloadclient.New(cfg.CaseloadAddr, cfg.CaseloadTimeout)
	if err != nil {
		return nil, err
	}
	stream := events.CareleaverStream()
	rt, err := service.Open(ctx, cfg.Service, service.Spec{Schema: store.Schema(), Publishes: &stream})
	if err != nil {
		_ = cl.Close()
		return nil, err
	}
	db := rt.DB()
	db.MaxBatchDelay = cfg.MaxBatchDelay
	db.MaxBatchSize = cfg.MaxBatchSize
	st, err := store.Open(db, store.Options{Clock: rt.Clock(), Published: rt.Published})
	if err != nil {
		rt.Close()
		_ = cl.Close()
		return nil, err
	}
	js := rt.JetStream()
	if _, err := metrics.ConsumerLag(rt.Registry(), ConsumerDurable, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		lag, err := events.ConsumerLagByName(ctx, js, events.StreamCaseload, ConsumerDurable)
		if err != nil {
			return -1
		}
		return float64(lag)
	}); err != nil {
		rt.Close()
		_ = cl.Close()
		return nil, err
	}
	a := &App{cfg: cfg, rt: rt, store: st, svc: careleaver.NewService(rt.Clock(), cl), caseload: cl}
	server.New(a.svc, st, rt.Clock(), cfg.BirthdayWindow).Register(rt.GRPC().GRPC())
	rt.Go("caseload-consumer", a.consumeCaseload)
	rt.Go("birthday-clock", a.runBirthdays)
	rt.KeepRequestIDs(IdempotencyRetention)
	return a, nil
}

// GRPCAddr is the bound gRPC address.
func (a *App) GRPCAddr() string { return a.rt.GRPCAddr() }

// HTTPAddr is the bound metrics address ("" when disabled).
func (a *App) HTTPAddr() string { return a.rt.HTTPAddr() }

// Run serves until ctx ends, then shuts down in order.
func (a *App) Run(ctx context.Context) error {
	defer a.caseload.Close()
	return a.rt.Run(ctx)
}

// Close releases an App that was opened but never run.
func (a *App) Close() {
	a.rt.Close()
	_ = a.caseload.Close()
}
