package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/caseload/app"
)

// harness runs the real caseload service in-process: a bbolt file under
// t.TempDir(), an in-process JetStream server, gRPC on 127.0.0.1:0, and a
// settable clock. Nothing is mocked.
type harness struct {
	t      testing.TB
	nats   *natsembed.Server
	js     jetstream.JetStream
	dir    string
	clock  *clock.Settable
	logger *slog.Logger

	app    *app.App
	cancel context.CancelFunc
	done   chan error
	conn   *grpc.ClientConn
	client caseloadv1.CaseloadServiceClient
	reqN   int
	// callCtx is the context of every call the harness makes.
	callCtx context.Context
	// milestoneEvery is the age-milestone task's interval.
	milestoneEvery time.Duration
	// writes counts the successful writes made through the helpers below,
	// each of which publishes exactly one event.
	writes int
}

// today is the date tests run "on" unless they move the clock.
var today = clock.MustParseDate("2026-06-30")

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, 10*time.Millisecond)
}

// newHarnessWith runs the age-milestone task every milestoneEvery.
func newHarnessWith(t testing.TB, milestoneEvery time.Duration) *harness {
	t.Helper()
	ns := natsembed.StartForTest(t)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		t: t, nats: ns, js: js, dir: t.TempDir(),
		clock:          clock.NewSettable(today.Midnight().Add(12 * time.Hour)),
		logger:         slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		milestoneEvery: milestoneEvery,
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h.callCtx = ctx
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) config() app.Config {
	return app.Config{
		Service: service.Config{
			GRPCAddr: "127.0.0.1:0",
			DataDir:  h.dir,
			NATSURL:  h.nats.ClientURL(),
			Logger:   h.logger,
			Clock:    h.clock,
		},
		MilestoneInterval: h.milestoneEvery,
	}
}

func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, h.config())
	if err != nil {
		cancel()
		h.t.Fatalf("app.New: %v", err)
	}
	h.app, h.cancel, h.done = a, cancel, make(chan error, 1)
	go func() { h.done <- a.Run(ctx) }()
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		h.t.Fatal(err)
	}
	h.conn, h.client = conn, caseloadv1.NewCaseloadServiceClient(conn)
}

// stop shuts the service down cleanly; it is idempotent.
func (h *harness) stop() {
	if h.app == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("app.Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Error("app did not stop within 30s")
	}
	_ = h.conn.Close()
	h.app = nil
}

// restart stops the service and starts it again on the same data directory.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

// ctx is the context of the harness's calls: cancelled when the test ends
// (each call is also bounded by the test binary's timeout).
func (h *harness) ctx() context.Context { return h.callCtx }

func (h *harness) rid() string {
	h.reqN++
	return fmt.Sprintf("req-%d", h.reqN)
}

func (h *harness) setToday(d string) { h.clock.SetDate(clock.MustParseDate(d)) }

// register registers a child and returns its id.
func (h *harness) register(la, given, family, dob string) string {
	h.t.Helper()
	resp, err := h.client.RegisterChild(h.ctx(), &caseloadv1.RegisterChildRequest{
		RequestId: h.rid(), LaChildId: la, GivenName: given, FamilyName: family,
		DateOfBirth: dob, Sex: "F", Ethnicity: "WBRI",
	})
	if err != nil {
		h.t.Fatalf("RegisterChild %s: %v", la, err)
	}
	h.writes++
	return resp.GetChild().GetChildId()
}

func (h *harness) startPeriod(id, start, ls, cin string) *caseloadv1.PeriodOfCare {
	h.t.Helper()
	resp, err := h.client.StartPeriodOfCare(h.ctx(), &caseloadv1.StartPeriodOfCareRequest{
		RequestId: h.rid(), ChildId: id, StartDate: start, LegalStatus: ls, CategoryOfNeed: cin})
	if err != nil {
		h.t.Fatalf("StartPeriodOfCare %s %s %s: %v", id, start, ls, err)
	}
	h.writes++
	return resp.GetPeriod()
}

func (h *harness) changeLS(id, eff, ls string) *caseloadv1.PeriodOfCare {
	h.t.Helper()
	resp, err := h.client.ChangeLegalStatus(h.ctx(), &caseloadv1.ChangeLegalStatusRequest{
		RequestId: h.rid(), ChildId: id, EffectiveDate: eff, LegalStatus: ls})
	if err != nil {
		h.t.Fatalf("ChangeLegalStatus %s %s %s: %v", id, eff, ls, err)
	}
	h.writes++
	return resp.GetPeriod()
}

func (h *harness) endPeriod(id, end, rec string) *caseloadv1.EndPeriodOfCareResponse {
	h.t.Helper()
	resp, err := h.client.EndPeriodOfCare(h.ctx(), &caseloadv1.EndPeriodOfCareRequest{
		RequestId: h.rid(), ChildId: id, EndDate: end, ReasonCeased: rec})
	if err != nil {
		h.t.Fatalf("EndPeriodOfCare %s %s %s: %v", id, end, rec, err)
	}
	h.writes++
	return resp
}

func (h *harness) category(id, asAt string) *caseloadv1.GetLegalCategoryResponse {
	h.t.Helper()
	resp, err := h.client.GetLegalCategory(h.ctx(), &caseloadv1.GetLegalCategoryRequest{ChildId: id, AsAtDate: asAt})
	if err != nil {
		h.t.Fatalf("GetLegalCategory %s %s: %v", id, asAt, err)
	}
	return resp
}

func (h *harness) history(id string) *caseloadv1.GetCareHistoryResponse {
	h.t.Helper()
	resp, err := h.client.GetCareHistory(h.ctx(), &caseloadv1.GetCareHistoryRequest{ChildId: id})
	if err != nil {
		h.t.Fatalf("GetCareHistory %s: %v", id, err)
	}
	return resp
}

// published is one message on the CASELOAD stream.
type published struct {
	Subject string
	MsgID   string
	Event   *caseloadv1.CaseloadEvent
	Raw     []byte
}

// streamEvents reads every message on the CASELOAD stream, in order.
func (h *harness) streamEvents() []published {
	h.t.Helper()
	ctx := h.ctx()
	st, err := h.js.Stream(ctx, events.StreamCaseload)
	if err != nil {
		h.t.Fatalf("stream: %v", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []published
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			h.t.Fatalf("get msg %d: %v", seq, err)
		}
		ev := &caseloadv1.CaseloadEvent{}
		if err := proto.Unmarshal(m.Data, ev); err != nil {
			h.t.Fatalf("msg %d: %v", seq, err)
		}
		out = append(out, published{Subject: m.Subject, MsgID: m.Header.Get(jetstream.MsgIDHeader), Event: ev, Raw: m.Data})
	}
	return out
}

// waitEvents waits until the stream holds exactly n messages (and checks it
// does not hold more) and returns them.
func (h *harness) waitEvents(n int) []published {
	h.t.Helper()
	var got []published
	testutil.CheckFor(h.t, 20*time.Second, 10*time.Millisecond, func() error {
		if _, err := h.js.Stream(context.Background(), events.StreamCaseload); err != nil {
			return err
		}
		got = h.streamEvents()
		if len(got) < n {
			return fmt.Errorf("%d events on CASELOAD, want %d", len(got), n)
		}
		return nil
	})
	if len(got) != n {
		h.t.Fatalf("%d events on CASELOAD, want %d: %v", len(got), n, subjects(got))
	}
	return got
}

func subjects(ps []published) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Subject
	}
	return out
}

// violation is one field violation as a caller sees it.
type violation struct{ Field, Rule string }

// refusal returns the code and field violations of a refused call.
func refusal(t testing.TB, err error) (codes.Code, []violation) {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, want it refused")
	}
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("not a status error: %v", err)
	}
	var vs []violation
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				vs = append(vs, violation{fv.GetField(), fv.GetReason()})
			}
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Field+vs[i].Rule < vs[j].Field+vs[j].Rule })
	return st.Code(), vs
}

func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	st, _ := status.FromError(err)
	return st.Code()
}

var errNotYet = errors.New("not yet")
