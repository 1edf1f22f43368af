package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// run is the whole program: it parses args, makes the calls and returns the
// exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	inv, err := parse(args)
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, usageText)
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "cpctl: %v\n(cpctl help shows the commands and their flags)\n", err)
		return 2
	}
	c := &cli{g: inv.G, stdout: stdout, stderr: stderr, now: time.Now}
	defer c.close()
	switch inv.Command {
	case "children":
		err = c.children(ctx, inv.Children)
	case "place":
		err = c.place(ctx, inv.Place)
	case "contact":
		err = c.contact(ctx, inv.Contact)
	case "indicators":
		err = c.indicators(ctx, inv.Indicators)
	case "watch":
		err = c.watch(ctx, inv.Watch)
	}
	if err != nil {
		var ce *callError
		if errors.As(err, &ce) {
			fmt.Fprintln(stderr, describeError(ce.service, ce.addr, ce.err))
		} else {
			fmt.Fprintln(stderr, "cpctl:", err)
		}
		return 1
	}
	return 0
}

// callError is a failed call to one service.
type callError struct {
	service, addr string
	err           error
}

func (e *callError) Error() string { return e.service + ": " + e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

type cli struct {
	g              globals
	stdout, stderr io.Writer
	now            func() time.Time
	conns          []*grpc.ClientConn
}

func (c *cli) close() {
	for _, cc := range c.conns {
		_ = cc.Close()
	}
}

func (c *cli) dial(addr string) (*grpc.ClientConn, error) {
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	c.conns = append(c.conns, cc)
	return cc, nil
}

// call prepares one call: a deadline, and a new request id (UUIDv7) sent as
// x-request-id and returned for a write's request_id.
func (c *cli) call(ctx context.Context, service, addr, method string) (context.Context, context.CancelFunc, string) {
	id := newRequestID()
	if c.g.Verbose {
		fmt.Fprintf(c.stderr, "-> %s %s %s request_id=%s\n", service, addr, method, id)
	}
	ctx = metadata.AppendToOutgoingContext(ctx, "x-request-id", id)
	ctx, cancel := context.WithTimeout(ctx, c.g.Timeout)
	return ctx, cancel, id
}

func newRequestID() string {
	id, err := uuid.NewV7()
	if err != nil { // only when the system's random source fails
		return uuid.NewString()
	}
	return id.String()
}

func (c *cli) children(ctx context.Context, a childrenArgs) error {
	cc, err := c.dial(c.g.Caseload)
	if err != nil {
		return err
	}
	client := caseloadv1.NewCaseloadServiceClient(cc)
	var all []*caseloadv1.Child
	token := ""
	for {
		size := int32(500)
		if a.Limit > 0 && a.Limit-len(all) < 500 {
			size = int32(a.Limit - len(all))
		}
		cctx, cancel, _ := c.call(ctx, "caseload", c.g.Caseload, "ListChildren")
		resp, err := client.ListChildren(cctx, &caseloadv1.ListChildrenRequest{
			PageSize: size, PageToken: token, Status: a.Status,
			NamePrefix: a.Name, WorkerId: a.Worker, TeamId: a.Team,
		})
		cancel()
		if err != nil {
			return &callError{"caseload", c.g.Caseload, err}
		}
		all = append(all, resp.GetChildren()...)
		token = resp.GetNextPageToken()
		if token == "" || (a.Limit > 0 && len(all) >= a.Limit) {
			break
		}
	}
	return writeChildren(c.stdout, all)
}

func (c *cli) place(ctx context.Context, a placeArgs) error {
	cc, err := c.dial(c.g.Placement)
	if err != nil {
		return err
	}
	client := placementv1.NewPlacementServiceClient(cc)
	details := &placementv1.PlacementDetails{
		PlacementType: a.Type, Provider: a.Provider, Urn: a.URN, CarerId: a.Carer,
		PlacementLocalAuthority: a.LA, HomeGrid: a.HomeGrid, PlacementGrid: a.PlacementGrid,
	}
	if a.Change {
		cctx, cancel, id := c.call(ctx, "placement", c.g.Placement, "ChangePlacement")
		defer cancel()
		resp, err := client.ChangePlacement(cctx, &placementv1.ChangePlacementRequest{
			RequestId: id, ChildId: a.Child, ChangeDate: a.Date, ReasonForChange: a.Reason, Details: details,
		})
		if err != nil {
			return &callError{"placement", c.g.Placement, err}
		}
		writeChanged(c.stdout, resp)
		return nil
	}
	cctx, cancel, id := c.call(ctx, "placement", c.g.Placement, "StartPlacement")
	defer cancel()
	resp, err := client.StartPlacement(cctx, &placementv1.StartPlacementRequest{
		RequestId: id, ChildId: a.Child, StartDate: a.Date, Details: details,
	})
	if err != nil {
		return &callError{"placement", c.g.Placement, err}
	}
	writeStarted(c.stdout, resp.GetPlacement())
	return nil
}

func (c *cli) contact(ctx context.Context, a contactArgs) error {
	cc, err := c.dial(c.g.Careleaver)
	if err != nil {
		return err
	}
	client := careleaverv1.NewCareLeaverServiceClient(cc)
	cctx, cancel, id := c.call(ctx, "careleaver", c.g.Careleaver, "RecordContact")
	defer cancel()
	resp, err := client.RecordContact(cctx, &careleaverv1.RecordContactRequest{
		RequestId: id, ChildId: a.Child, ContactDate: a.Date,
		InTouch: a.InTouch, Activity: a.Activ, Accommodation: a.Accom,
	})
	if err != nil {
		return &callError{"careleaver", c.g.Careleaver, err}
	}
	writeContact(c.stdout, a.Child, resp.GetContact())
	return nil
}

// definitions reads the indicators' plain titles; without them the table
// shows ids.
func (c *cli) definitions(ctx context.Context, client metricsv1.MetricsServiceClient) []*metricsv1.IndicatorDefinition {
	cctx, cancel, _ := c.call(ctx, "metrics", c.g.Metrics, "ListIndicatorDefinitions")
	defer cancel()
	resp, err := client.ListIndicatorDefinitions(cctx, &metricsv1.ListIndicatorDefinitionsRequest{})
	if err != nil {
		if c.g.Verbose {
			fmt.Fprintln(c.stderr, "(no indicator titles:", describeError("metrics", c.g.Metrics, err)+")")
		}
		return nil
	}
	return resp.GetDefinitions()
}

func (c *cli) indicators(ctx context.Context, a indicatorsArgs) error {
	cc, err := c.dial(c.g.Metrics)
	if err != nil {
		return err
	}
	client := metricsv1.NewMetricsServiceClient(cc)
	cctx, cancel, _ := c.call(ctx, "metrics", c.g.Metrics, "GetIndicators")
	defer cancel()
	resp, err := client.GetIndicators(cctx, &metricsv1.GetIndicatorsRequest{
		AsAtDate: a.AsAt, IndicatorIds: a.IDs, IncludeTwelveMonthsEarlier: true,
	})
	if err != nil {
		return &callError{"metrics", c.g.Metrics, err}
	}
	return writeIndicators(c.stdout, resp, c.definitions(ctx, client), a.Bands, a.AsAt == "")
}

// watch prints every change until ctx ends, reconnecting after its last
// sequence when the stream breaks.
func (c *cli) watch(ctx context.Context, a watchArgs) error {
	cc, err := c.dial(c.g.Metrics)
	if err != nil {
		return err
	}
	client := metricsv1.NewMetricsServiceClient(cc)
	byID := defsByID(c.definitions(ctx, client))
	after := a.After
	backoff := 250 * time.Millisecond
	for {
		id := newRequestID()
		if c.g.Verbose {
			fmt.Fprintf(c.stderr, "-> metrics %s WatchIndicators after=%d request_id=%s\n", c.g.Metrics, after, id)
		}
		sctx, cancel := context.WithCancel(metadata.AppendToOutgoingContext(ctx, "x-request-id", id))
		stream, err := client.WatchIndicators(sctx, &metricsv1.WatchIndicatorsRequest{IndicatorIds: a.IDs, AfterSequence: after})
		got := false
		for err == nil {
			var resp *metricsv1.WatchIndicatorsResponse
			resp, err = stream.Recv()
			if err == nil {
				got = true
				writeWatch(c.stdout, resp, byID, c.now())
				after = resp.GetSequence()
			}
		}
		cancel()
		if ctx.Err() != nil {
			return nil // Ctrl-C: done
		}
		switch status.Code(err) {
		case codes.Unavailable, codes.Internal, codes.Unknown, codes.DeadlineExceeded, codes.Aborted:
		default:
			if !errors.Is(err, io.EOF) {
				return &callError{"metrics", c.g.Metrics, err}
			}
		}
		if got {
			backoff = 250 * time.Millisecond
		}
		fmt.Fprintf(c.stderr, "watch: the stream ended (%s); reconnecting after #%d\n", describeError("metrics", c.g.Metrics, err), after)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}
