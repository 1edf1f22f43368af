// Package launcher starts the whole suite in one process: an embedded NATS
// JetStream server and the four services, each through its own app package
// (the same code its own cmd runs), on localhost, with their bbolt files and
// the JetStream store under one data directory.
//
// It is a launcher, not a second implementation: each service still talks to
// the others over gRPC on loopback and through JetStream, exactly as it does
// when run as a separate process or in a container.
package launcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"

	careleaverapp "github.com/corporate-parenting/suite/services/careleaver/app"
	caseloadapp "github.com/corporate-parenting/suite/services/caseload/app"
	metricsapp "github.com/corporate-parenting/suite/services/metrics/app"
	placementapp "github.com/corporate-parenting/suite/services/placement/app"
)

// Config configures the all-in-one run.
type Config struct {
	// DataDir holds <service>.db for each service and nats/ for JetStream.
	DataDir string
	// Host is the address every listener binds (127.0.0.1).
	Host string
	// NATSPort is the embedded NATS server's client port (-1: any free port).
	NATSPort int
	// BasePort numbers the services' ports: caseload gRPC BasePort+1,
	// placement +2, careleaver +3, metrics +4; their HTTP ports +91..+94.
	// 0 picks free ports (tests).
	BasePort int
	// CouncilLA is the council's local authority code (ONS), for
	// inside/outside the boundary.
	CouncilLA string
	// CouncilName is shown on the scorecard page.
	CouncilName string
	// Logger receives every service's logs.
	Logger *slog.Logger
	// Clock is shared by the services (clock.System if nil).
	Clock clock.Clock
}

// Endpoint is where one service listens.
type Endpoint struct {
	Service string
	GRPC    string
	HTTP    string
}

// Suite is a running all-in-one suite.
type Suite struct {
	nats      *natsembed.Server
	endpoints []Endpoint
	run       []func(context.Context) error
	closers   []func()
}

// Start starts NATS and opens the four services (binding their ports), so
// Endpoints are known when it returns. Call Run to serve.
func Start(ctx context.Context, cfg Config) (_ *Suite, err error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	s := &Suite{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.nats, err = natsembed.Start(natsembed.Options{
		StoreDir: filepath.Join(cfg.DataDir, "nats"),
		Host:     cfg.Host,
		Port:     cfg.NATSPort,
		// In this process with its producers: fsync every second, and the
		// producers retain what they published for longer (natsembed doc).
		SyncInterval: natsembed.EmbeddedSyncInterval,
		ServerName:   "suite",
		Logger:       cfg.Logger.With("service", "nats"),
	})
	if err != nil {
		return nil, fmt.Errorf("embedded NATS: %w", err)
	}
	natsURL := s.nats.ClientURL()
	s.endpoints = append(s.endpoints, Endpoint{Service: "nats", GRPC: natsURL})

	svc := func(name string, n int) service.Config {
		return service.Config{
			Name:           name,
			GRPCAddr:       addr(cfg.Host, cfg.BasePort, n),
			HTTPAddr:       addr(cfg.Host, cfg.BasePort, 90+n),
			DataDir:        cfg.DataDir,
			NATSURL:        natsURL,
			StreamReplicas: 1,
			OutboxRetain:   natsembed.EmbeddedRetain,
			Logger:         cfg.Logger,
			Clock:          cfg.Clock,
		}
	}

	caseload, err := caseloadapp.New(ctx, caseloadapp.Config{Service: svc("caseload", 1)})
	if err != nil {
		return nil, fmt.Errorf("caseload: %w", err)
	}
	s.add("caseload", caseload)

	placement, err := placementapp.New(ctx, placementapp.Config{
		Service:      svc("placement", 2),
		CaseloadAddr: caseload.GRPCAddr(),
		CouncilLA:    cfg.CouncilLA,
	})
	if err != nil {
		return nil, fmt.Errorf("placement: %w", err)
	}
	s.add("placement", placement)

	careleaver, err := careleaverapp.New(ctx, careleaverapp.Config{
		Service:      svc("careleaver", 3),
		CaseloadAddr: caseload.GRPCAddr(),
	})
	if err != nil {
		return nil, fmt.Errorf("careleaver: %w", err)
	}
	s.add("careleaver", careleaver)

	metrics, err := metricsapp.New(ctx, metricsapp.Config{
		Service:        svc("metrics", 4),
		CaseloadAddr:   caseload.GRPCAddr(),
		PlacementAddr:  placement.GRPCAddr(),
		CareleaverAddr: careleaver.GRPCAddr(),
		Council:        cfg.CouncilName,
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	s.add("metrics", metrics)
	return s, nil
}

func addr(host string, base, n int) string {
	if base == 0 {
		return net.JoinHostPort(host, "0")
	}
	return net.JoinHostPort(host, strconv.Itoa(base+n))
}

// app is what every service's app package gives the launcher.
type app interface {
	GRPCAddr() string
	HTTPAddr() string
	Run(ctx context.Context) error
}

func (s *Suite) add(name string, a app) {
	s.endpoints = append(s.endpoints, Endpoint{Service: name, GRPC: a.GRPCAddr(), HTTP: a.HTTPAddr()})
	s.run = append(s.run, a.Run)
	// An app opened but never run holds its bbolt file and listeners; release
	// them if a later service fails to start.
	if c, ok := a.(interface{ Close() }); ok {
		s.closers = append(s.closers, c.Close)
	}
}

// Endpoints lists where NATS and each service listen.
func (s *Suite) Endpoints() []Endpoint { return append([]Endpoint{}, s.endpoints...) }

// Addr is the gRPC address of the named service ("" if unknown).
func (s *Suite) Addr(service string) string {
	for _, e := range s.endpoints {
		if e.Service == service {
			return e.GRPC
		}
	}
	return ""
}

// HTTPAddr is the HTTP address of the named service ("" if unknown).
func (s *Suite) HTTPAddr(service string) string {
	for _, e := range s.endpoints {
		if e.Service == service {
			return e.HTTP
		}
	}
	return ""
}

// NATSURL is the embedded server's client URL.
func (s *Suite) NATSURL() string { return s.nats.ClientURL() }

// Run serves until ctx ends (or a service fails, which stops the others),
// waits for every service to shut down, then stops NATS.
func (s *Suite) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i, run := range s.run {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", s.endpoints[i+1].Service, err))
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	s.nats.Shutdown()
	return errors.Join(errs...)
}

// close releases whatever Start opened when it fails part-way.
func (s *Suite) close() {
	for _, c := range s.closers {
		c()
	}
	if s.nats != nil {
		s.nats.Shutdown()
	}
}
