package server_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/grpcserver"

	"github.com/corporate-parenting/suite/services/placement/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/placement/internal/placement"
	"github.com/corporate-parenting/suite/services/placement/internal/server"
	"github.com/corporate-parenting/suite/services/placement/internal/store"
	"github.com/corporate-parenting/suite/services/placement/internal/testenv"
)

const council = "E08000026"

// env is the placement gRPC server over a real bbolt file, asking the real
// caseload service, called over real gRPC on loopback.
type env struct {
	t     *testing.T
	cl    *testenv.Caseload
	api   placementv1.PlacementServiceClient
	db    *bolt.DB
	clock *clock.Settable
	seq   atomic.Int64
}

func start(t *testing.T) *env {
	t.Helper()
	clk := testenv.Clock()
	cl := testenv.StartCaseload(t, testenv.StartNATS(t), clk)
	e := startPlacement(t, cl.Addr, clk, caseloadclient.Options{})
	e.cl = cl
	return e
}

// startPlacement serves the placement API asking caseload at caseloadAddr.
func startPlacement(t *testing.T, caseloadAddr string, clk *clock.Settable, opts caseloadclient.Options) *env {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "placement.db"), store.Schema())
	if err != nil {
		t.Fatal(err)
	}
	db.MaxBatchDelay = time.Millisecond
	st, err := store.Open(db, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	client, err := caseloadclient.New(caseloadAddr, opts)
	if err != nil {
		t.Fatal(err)
	}
	gs := grpcserver.New(grpcserver.Config{ServiceName: "placement", ShutdownTimeout: time.Second}, testenv.Logger(t), nil)
	server.New(placement.NewService(council), st, client, clk).Register(gs.GRPC())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gs.Serve(ctx, lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		<-done
		_ = client.Close()
		_ = db.Close()
	})
	return &env{t: t, api: placementv1.NewPlacementServiceClient(conn), db: db, clock: clk}
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

func (e *env) reqID() string { return fmt.Sprintf("req-%d", e.seq.Add(1)) }

// call is one placement write for a child.
type call func(e *env, child string) error

func startPl(date string, d *placementv1.PlacementDetails) call {
	return func(e *env, child string) error {
		_, err := e.api.StartPlacement(e.ctx(), &placementv1.StartPlacementRequest{RequestId: e.reqID(), ChildId: child, StartDate: date, Details: d})
		return err
	}
}

func change(date, reason string, d *placementv1.PlacementDetails) call {
	return func(e *env, child string) error {
		_, err := e.api.ChangePlacement(e.ctx(), &placementv1.ChangePlacementRequest{RequestId: e.reqID(), ChildId: child, ChangeDate: date, ReasonForChange: reason, Details: d})
		return err
	}
}

func end(date string) call {
	return func(e *env, child string) error {
		_, err := e.api.EndPlacement(e.ctx(), &placementv1.EndPlacementRequest{RequestId: e.reqID(), ChildId: child, EndDate: date})
		return err
	}
}

func tempStart(date, place string) call {
	return func(e *env, child string) error {
		_, err := e.api.StartTemporaryPlacement(e.ctx(), &placementv1.StartTemporaryPlacementRequest{RequestId: e.reqID(), ChildId: child, StartDate: date, PlacementType: place})
		return err
	}
}

func tempEnd(date string) call {
	return func(e *env, child string) error {
		_, err := e.api.EndTemporaryPlacement(e.ctx(), &placementv1.EndTemporaryPlacementRequest{RequestId: e.reqID(), ChildId: child, EndDate: date})
		return err
	}
}

// details builds PlacementDetails; fosterDetails is a placement every rule
// accepts for the default child (9, looked after under C2 from 2025-04-01).
func details(place, provider, urn, carer, la string) *placementv1.PlacementDetails {
	return &placementv1.PlacementDetails{PlacementType: place, Provider: provider, Urn: urn, CarerId: carer, PlacementLocalAuthority: la}
}

func fosterDetails() *placementv1.PlacementDetails {
	return details("U4", "PR1", "SC000001", "carer-1", council)
}

func homeDetails() *placementv1.PlacementDetails {
	return details("K2", "PR4", "SC000002", "home-1", "E09000001")
}

func withGrid(d *placementv1.PlacementDetails, he, hn, pe, pn float64) *placementv1.PlacementDetails {
	d = proto.Clone(d).(*placementv1.PlacementDetails)
	d.HomeGrid = &placementv1.GridReference{Easting: he, Northing: hn}
	d.PlacementGrid = &placementv1.GridReference{Easting: pe, Northing: pn}
	return d
}

// violations returns the BadRequest field violations of a status error.
func violations(err error) []*errdetails.BadRequest_FieldViolation {
	var out []*errdetails.BadRequest_FieldViolation
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			out = append(out, br.GetFieldViolations()...)
		}
	}
	return out
}

func hasViolation(err error, field, rule string) bool {
	for _, v := range violations(err) {
		if v.GetField() == field && v.GetReason() == rule {
			return true
		}
	}
	return false
}

// history is the child's placement history as the API returns it.
func (e *env) history(child string) []*placementv1.Placement {
	e.t.Helper()
	resp, err := e.api.ListPlacementHistory(e.ctx(), &placementv1.ListPlacementHistoryRequest{ChildId: child})
	if err != nil {
		e.t.Fatalf("ListPlacementHistory: %v", err)
	}
	return resp.GetPlacements()
}

// outbox is the number of events waiting to be published.
func (e *env) outbox() int {
	e.t.Helper()
	var n int
	if err := e.db.View(func(tx *bolt.Tx) error { n = events.OutboxDepth(tx); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) pending() []*placementv1.PlacementEvent {
	e.t.Helper()
	var out []*placementv1.PlacementEvent
	err := e.db.View(func(tx *bolt.Tx) error {
		evs, err := events.PendingEvents(tx, 0)
		for _, ev := range evs {
			m := &placementv1.PlacementEvent{}
			if err := proto.Unmarshal(ev.Data, m); err != nil {
				return err
			}
			out = append(out, m)
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func code(err error) codes.Code { return status.Code(err) }
