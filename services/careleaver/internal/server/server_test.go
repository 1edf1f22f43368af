package server_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
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
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	"github.com/corporate-parenting/suite/pkg/grpcserver"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/caseloadclient"
	"github.com/corporate-parenting/suite/services/careleaver/internal/server"
	"github.com/corporate-parenting/suite/services/careleaver/internal/store"
	"github.com/corporate-parenting/suite/services/careleaver/internal/testenv"
)

// The adapter is tested over real gRPC on 127.0.0.1, against the real
// caseload service (records are opened by hand with OpenCareLeaver, which
// asks it). No relay runs, so every event the service wrote is still in
// the outbox to be counted.

const today = "2026-06-01"

type harness struct {
	t      *testing.T
	env    *testenv.Env
	st     *store.Store
	clk    *clock.Settable
	client careleaverv1.CareLeaverServiceClient
}

var reqSeq atomic.Int64

func rid() string { return fmt.Sprintf("req-%d", reqSeq.Add(1)) }

func start(t *testing.T) *harness {
	t.Helper()
	env := testenv.Start(t, clock.MustParseDate(today))
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "careleaver.db"), store.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clk := clock.NewSettable(time.Time{})
	clk.SetDate(clock.MustParseDate(today))
	st, err := store.Open(db, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := caseloadclient.New(env.CaseloadAddr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Close() })
	g := grpcserver.New(grpcserver.Config{ServiceName: "careleaver"}, testenv.Logger(t), nil)
	server.New(careleaver.NewService(clk, cl), st, clk, careleaver.DefaultBirthdayWindow).Register(g.GRPC())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &harness{t: t, env: env, st: st, clk: clk, client: careleaverv1.NewCareLeaverServiceClient(conn)}
}

// leaver records the care history in caseload and opens the record by hand.
func (h *harness) leaver(l testenv.Leaver) string {
	h.t.Helper()
	id, end := h.env.RecordLeaver(h.t, l)
	if err := testenv.Eligible(end); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.client.OpenCareLeaver(context.Background(), &careleaverv1.OpenCareLeaverRequest{
		RequestId: rid(), ChildId: id, OpenedDate: l.End}); err != nil {
		h.t.Fatalf("OpenCareLeaver: %v", err)
	}
	return id
}

func (h *harness) outboxDepth() int {
	h.t.Helper()
	n := 0
	_ = h.st.DB().View(func(tx *bolt.Tx) error { n = events.OutboxDepth(tx); return nil })
	return n
}

func (h *harness) contactCount(id string) int {
	h.t.Helper()
	resp, err := h.client.ListContacts(context.Background(), &careleaverv1.ListContactsRequest{ChildId: id, PageSize: 500})
	if err != nil {
		h.t.Fatal(err)
	}
	return len(resp.GetContacts())
}

// events decodes the outbox, in write order.
func (h *harness) events() []*careleaverv1.CareLeaverEvent {
	h.t.Helper()
	var out []*careleaverv1.CareLeaverEvent
	err := h.st.DB().View(func(tx *bolt.Tx) error {
		rows, err := events.PendingEvents(tx, 0)
		for _, r := range rows {
			ev := &careleaverv1.CareLeaverEvent{}
			if err := proto.Unmarshal(r.Data, ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// violations returns the status code and "field=rule" for each field
// violation of a failed call.
func violations(err error) (codes.Code, []string) {
	st := status.Convert(err)
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField()+"="+v.GetReason())
			}
		}
	}
	return st.Code(), out
}

// TestRecordContactRules: every rule CheckContact applies, through gRPC: a
// passing contact is recorded with its event; a refused one returns
// INVALID_ARGUMENT (FAILED_PRECONDITION for the history rules 1000/1011)
// naming the field and DfE rule, and writes nothing and publishes nothing.
// The rules' own logic is tested in pkg/ssda903.
func TestRecordContactRules(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	// 17 on 2026-05-01 (left care at 17), 24 until 2026-07-01, and 16.
	yp17 := h.leaver(testenv.Leaver{DOB: "2009-03-10", Start: "2023-05-01", End: "2026-04-20", ReasonCeased: "E4A"})
	yp24 := h.leaver(testenv.Leaver{DOB: "2001-07-01", Start: "2017-01-01", End: "2019-07-01", ReasonCeased: "E17"})
	yp16 := h.leaver(testenv.Leaver{DOB: "2010-01-15", Start: "2024-06-01", End: "2026-05-01", ReasonCeased: "E13"})
	// 1000 and 1011 concern young people whose care ended E2 or E3, for whom
	// caseload reports no leaving-care status, so no record ever opens by
	// the service's own paths; such records are written to the store
	// directly to show the rules still hold.
	for id, rec := range map[string]string{"died-in-care": "E2", "other-la": "E3"} {
		err := h.st.Write(ctx, "", nil, nil, func(tx careleaver.Tx) error {
			return tx.PutCareLeaver(&careleaver.CareLeaver{ChildID: id, DOB: clock.MustParseDate("2007-01-01"),
				Opened: clock.MustParseDate("2025-01-01"), ReasonCareCeased: rec})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.clk.SetDate(clock.MustParseDate("2026-07-02")) // yp24 is 25 from 2026-07-01

	type contact struct{ child, date, touch, activ, accom string }
	tests := []struct {
		name string
		in   contact
		code codes.Code // OK when the contact passes
		want []string   // field=rule violations
	}{
		{"131 pass", contact{yp17, "2026-05-01", "YES", "F2", "U1"}, codes.OK, nil},
		{"131 fail", contact{yp17, "2026-05-01", "MAYBE", "F2", "U1"}, codes.InvalidArgument, []string{"in_touch=903:131"}},
		{"131 fail: lower case", contact{yp17, "2026-05-01", "yes", "F2", "U1"}, codes.InvalidArgument, []string{"in_touch=903:131"}},
		{"132 pass", contact{yp17, "2026-05-02", "YES", "P5", "D1"}, codes.OK, nil},
		{"132 fail: F3 retired in 2022", contact{yp17, "2026-05-02", "YES", "F3", "D1"}, codes.InvalidArgument, []string{"activity=903:132"}},
		{"133 pass", contact{yp17, "2026-05-03", "YES", "G5", "S2"}, codes.OK, nil},
		{"133 fail: S1", contact{yp17, "2026-05-03", "YES", "G5", "S1"}, codes.InvalidArgument, []string{"accommodation=903:133"}},
		{"133 fail: X1", contact{yp17, "2026-05-03", "YES", "G5", "X1"}, codes.InvalidArgument, []string{"accommodation=903:133"}},
		{"153 pass: all blank", contact{yp17, "2026-05-04", "", "", ""}, codes.OK, nil},
		{"153 fail", contact{yp17, "2026-05-04", "NO", "", ""}, codes.InvalidArgument, []string{"activity=903:153", "accommodation=903:153"}},
		{"344 pass", contact{yp17, "2026-05-05", "RHOM", "0", "0"}, codes.OK, nil},
		{"344 fail", contact{yp17, "2026-05-05", "DIED", "G4", "0"}, codes.InvalidArgument, []string{"activity=903:344"}},
		{"345 pass", contact{yp17, "2026-05-06", "YES", "F4", "B1"}, codes.OK, nil},
		{"345 fail", contact{yp17, "2026-05-06", "YES", "0", "0"}, codes.InvalidArgument, []string{"activity=903:345", "accommodation=903:345"}},
		{"351 pass: 24", contact{yp24, "2026-06-30", "YES", "F5", "U1"}, codes.OK, nil},
		{"351 fail: 25", contact{yp24, "2026-07-01", "YES", "F5", "U1"}, codes.InvalidArgument, []string{"contact_date=903:351"}},
		{"1000 pass", contact{yp24, "2026-06-29", "NO", "0", "0"}, codes.OK, nil},
		{"1000 fail: care ended E2", contact{"died-in-care", "2026-05-01", "NO", "0", "0"}, codes.FailedPrecondition, []string{"child_id=903:1000"}},
		{"1011 pass", contact{yp16, "2026-05-15", "REFU", "0", "0"}, codes.OK, nil},
		{"1011 fail: care ended E3", contact{"other-la", "2026-05-01", "NO", "0", "0"}, codes.FailedPrecondition, []string{"child_id=903:1011"}},
		{"3001 pass: Z1 at 18", contact{yp24, "2026-06-28", "YES", "F1", "Z1"}, codes.OK, nil},
		{"3001 fail: Z1 at 17", contact{yp17, "2026-05-07", "YES", "F1", "Z1"}, codes.InvalidArgument, []string{"accommodation=903:3001"}},
		// 391/1007/1016 decide the OC3 cohort and never refuse a contact: a
		// 16-year-old relevant child is contacted.
		{"391 never refuses: 16", contact{yp16, "2026-05-16", "YES", "F2", "E1"}, codes.OK, nil},
		{"future date", contact{yp17, "2026-07-03", "YES", "F2", "U1"}, codes.InvalidArgument, []string{"contact_date=future_date"}},
		{"before the record opened", contact{yp17, "2026-04-19", "YES", "F2", "U1"}, codes.FailedPrecondition, []string{"contact_date=" + careleaver.RuleBeforeOpened}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, beforeContacts := h.outboxDepth(), h.contactCount(tt.in.child)
			resp, err := h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: rid(), ChildId: tt.in.child,
				ContactDate: tt.in.date, InTouch: tt.in.touch, Activity: tt.in.activ, Accommodation: tt.in.accom})
			code, got := violations(err)
			if code != tt.code || !slices.Equal(got, tt.want) {
				t.Fatalf("RecordContact = %v %v (%v), want %v %v", code, got, err, tt.code, tt.want)
			}
			wantMore := 0
			if tt.code == codes.OK {
				wantMore = 1
				if resp.GetContact().GetContactId() == "" || resp.GetContact().GetContactDate() != tt.in.date {
					t.Fatalf("contact %v", resp.GetContact())
				}
			}
			if n := h.outboxDepth() - before; n != wantMore {
				t.Fatalf("%d events written, want %d", n, wantMore)
			}
			if n := h.contactCount(tt.in.child) - beforeContacts; n != wantMore {
				t.Fatalf("%d contacts written, want %d", n, wantMore)
			}
		})
	}
}

func TestContactRetryAndLatest(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	id := h.leaver(testenv.Leaver{DOB: "2007-09-20", Start: "2022-01-10", End: "2025-09-20", ReasonCeased: "E17"})
	req := &careleaverv1.RecordContactRequest{RequestId: "same", ChildId: id, ContactDate: "2026-05-20", InTouch: "YES", Activity: "F1", Accommodation: "U1"}
	first, err := h.client.RecordContact(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.client.RecordContact(ctx, req)
	if err != nil || again.GetContact().GetContactId() != first.GetContact().GetContactId() {
		t.Fatalf("retry: %v %v", again, err)
	}
	other := &careleaverv1.RecordContactRequest{RequestId: "same", ChildId: id, ContactDate: "2026-05-21", InTouch: "YES", Activity: "F1", Accommodation: "U1"}
	if _, err := h.client.RecordContact(ctx, other); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("request id reused: %v", err)
	}
	// A backdated contact is kept but does not replace the latest; the
	// birthday contact is the one nearest the 18th birthday (2025-09-20).
	if _, err := h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: rid(), ChildId: id,
		ContactDate: "2025-09-25", InTouch: "NO", Activity: "0", Accommodation: "0"}); err != nil {
		t.Fatal(err)
	}
	got, err := h.client.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: id})
	if err != nil {
		t.Fatal(err)
	}
	cl := got.GetCareLeaver()
	if cl.GetLatestContact().GetContactDate() != "2026-05-20" || cl.GetBirthdayContact().GetContactDate() != "2025-09-25" {
		t.Fatalf("latest %v, birthday %v", cl.GetLatestContact(), cl.GetBirthdayContact())
	}
	if cl.GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_FORMER_RELEVANT || cl.GetAgeBand() != "17_18" ||
		!cl.GetStayingPut() || cl.GetMonthOfBirth() != "2007-09" || !cl.GetOpen() || cl.GetReasonCareCeased() != "E17" {
		t.Fatalf("record %v", cl)
	}
	// As at a date before the May contact, the latest is the September one.
	got, err = h.client.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: id, AsAtDate: "2026-01-01"})
	if err != nil || got.GetCareLeaver().GetLatestContact().GetContactDate() != "2025-09-25" {
		t.Fatalf("as at 2026-01-01: %v %v", got, err)
	}
	// The contacts reach metrics with is_latest; the retry wrote nothing.
	var latest []bool
	for _, ev := range h.events() {
		if c := ev.GetContactRecorded(); c != nil {
			latest = append(latest, c.GetIsLatest())
		}
	}
	if !slices.Equal(latest, []bool{true, false}) {
		t.Fatalf("is_latest of the contact events = %v, want [true false]", latest)
	}
}

func TestOpenCareLeaverChecksCaseload(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	stillInCare, _ := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2009-01-01", Start: "2024-01-01"})
	tooYoung, _ := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2012-01-01", Start: "2025-01-01", End: "2026-01-01"})
	leaver, _ := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2008-04-04", Start: "2023-01-01", End: "2026-04-04", ReasonCeased: "E17"})
	for _, tt := range []struct {
		name, child, opened string
		code                codes.Code
		want                []string
	}{
		{"still looked after", stillInCare, "2026-05-01", codes.FailedPrecondition, []string{"opened_date=" + careleaver.RuleLeavingCareStatus}},
		{"left care at 14", tooYoung, "2026-02-01", codes.FailedPrecondition, []string{"opened_date=" + careleaver.RuleLeavingCareStatus}},
		{"unknown child", "no-such-child", "2026-05-01", codes.NotFound, nil},
		{"no date", leaver, "", codes.InvalidArgument, []string{"opened_date=required"}},
		{"future", leaver, "2026-06-02", codes.InvalidArgument, []string{"opened_date=future_date"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.client.OpenCareLeaver(ctx, &careleaverv1.OpenCareLeaverRequest{RequestId: rid(), ChildId: tt.child, OpenedDate: tt.opened})
			code, got := violations(err)
			if code != tt.code || !slices.Equal(got, tt.want) {
				t.Fatalf("OpenCareLeaver = %v %v (%v), want %v %v", code, got, err, tt.code, tt.want)
			}
		})
	}
	req := &careleaverv1.OpenCareLeaverRequest{RequestId: "open-1", ChildId: leaver, OpenedDate: "2026-04-04"}
	resp, err := h.client.OpenCareLeaver(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	cl := resp.GetCareLeaver()
	if cl.GetOpenedDate() != "2026-04-04" || cl.GetReasonCareCeased() != "E17" || !cl.GetStayingPut() || cl.GetAgeBand() != "17_18" ||
		cl.GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_FORMER_RELEVANT || !cl.GetOpen() {
		t.Fatalf("opened %v", cl)
	}
	if _, err := h.client.OpenCareLeaver(ctx, &careleaverv1.OpenCareLeaverRequest{RequestId: rid(), ChildId: leaver, OpenedDate: "2026-04-05"}); status.Code(err) != codes.AlreadyExists {
		t.Fatalf("opening twice: %v", err)
	}
	// A retry answers from the first response even with caseload down.
	h.env.StopCaseload()
	again, err := h.client.OpenCareLeaver(ctx, req)
	if err != nil || again.GetCareLeaver().GetOpenedDate() != "2026-04-04" {
		t.Fatalf("retry with caseload down: %v %v", again, err)
	}
	if _, err := h.client.OpenCareLeaver(ctx, &careleaverv1.OpenCareLeaverRequest{RequestId: rid(), ChildId: stillInCare, OpenedDate: "2026-04-04"}); status.Code(err) != codes.Unavailable {
		t.Fatalf("caseload down: %v, want Unavailable", err)
	}
	if h.outboxDepth() != 1 {
		t.Fatalf("%d events, want the one registered", h.outboxDepth())
	}
}

func TestListsAdvisersAndPlans(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	// Three care leavers: a (19_21), b (17_18), c (17_18).
	a := h.leaver(testenv.Leaver{DOB: "2006-10-01", Start: "2021-01-01", End: "2024-10-01", ReasonCeased: "E17"})
	b := h.leaver(testenv.Leaver{DOB: "2008-05-01", Start: "2023-01-01", End: "2025-12-01"})
	c := h.leaver(testenv.Leaver{DOB: "2008-08-01", Start: "2023-01-01", End: "2026-03-01"})
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.client.AllocatePersonalAdviser(ctx, &careleaverv1.AllocatePersonalAdviserRequest{RequestId: rid(), ChildId: a, AdviserId: "pa-1", StartDate: "2024-10-01"}))
	must(h.client.AllocatePersonalAdviser(ctx, &careleaverv1.AllocatePersonalAdviserRequest{RequestId: rid(), ChildId: a, AdviserId: "pa-2", StartDate: "2025-06-01"}))
	must(h.client.AllocatePersonalAdviser(ctx, &careleaverv1.AllocatePersonalAdviserRequest{RequestId: rid(), ChildId: b, AdviserId: "pa-2", StartDate: "2025-12-01"}))
	must(h.client.RecordPathwayPlanReview(ctx, &careleaverv1.RecordPathwayPlanReviewRequest{RequestId: rid(), ChildId: b, ReviewDate: "2026-05-01"}))
	must(h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: rid(), ChildId: a, ContactDate: "2026-05-25", InTouch: "YES", Activity: "F5", Accommodation: "U1"}))
	must(h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: rid(), ChildId: b, ContactDate: "2026-02-01", InTouch: "YES", Activity: "G6", Accommodation: "V2"}))

	list := func(req *careleaverv1.ListCareLeaversRequest) []string {
		t.Helper()
		var ids []string
		req.PageSize = 1
		for {
			resp, err := h.client.ListCareLeavers(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, cl := range resp.GetCareLeavers() {
				ids = append(ids, cl.GetChildId())
			}
			if resp.GetNextPageToken() == "" {
				return ids
			}
			req.PageToken = resp.GetNextPageToken()
		}
	}
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	for _, tt := range []struct {
		name string
		req  *careleaverv1.ListCareLeaversRequest
		want []string
	}{
		{"all", &careleaverv1.ListCareLeaversRequest{}, sorted(a, b, c)},
		{"by adviser", &careleaverv1.ListCareLeaversRequest{AdviserId: "pa-2"}, sorted(a, b)},
		{"by adviser as at a past date", &careleaverv1.ListCareLeaversRequest{AdviserId: "pa-1", AsAtDate: "2025-01-01"}, []string{a}},
		{"by band", &careleaverv1.ListCareLeaversRequest{AgeBand: "17_18"}, sorted(b, c)},
		{"by in touch", &careleaverv1.ListCareLeaversRequest{InTouch: "YES"}, sorted(a, b)},
		{"EET", &careleaverv1.ListCareLeaversRequest{Eet: 1}, []string{a}},
		{"not EET", &careleaverv1.ListCareLeaversRequest{Eet: 2}, sorted(b, c)},
		{"suitable", &careleaverv1.ListCareLeaversRequest{SuitableAccommodation: 1}, []string{a}},
		{"not suitable or not known", &careleaverv1.ListCareLeaversRequest{SuitableAccommodation: 2}, sorted(b, c)},
		{"pathway plan overdue", &careleaverv1.ListCareLeaversRequest{PathwayPlanOverdue: true}, []string{a}},
		{"no contact in 30 days", &careleaverv1.ListCareLeaversRequest{NoContactInDays: 30}, sorted(b, c)},
		{"open on a date before b and c left care", &careleaverv1.ListCareLeaversRequest{AsAtDate: "2025-01-01"}, []string{a}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(tt.req); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	got, err := h.client.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: a})
	if err != nil {
		t.Fatal(err)
	}
	var history []string
	for _, al := range got.GetAdviserHistory() {
		history = append(history, al.GetAdviserId()+" "+al.GetStartDate()+".."+al.GetEndDate())
	}
	if !slices.Equal(history, []string{"pa-2 2025-06-01..", "pa-1 2024-10-01..2025-06-01"}) {
		t.Fatalf("adviser history %v", history)
	}
	if p := got.GetCareLeaver().GetPathwayPlan(); !p.GetOverdue() || p.GetLastReviewDate() != "" || p.GetNextReviewDueDate() != "2025-04-01" {
		t.Fatalf("pathway plan of a %v", p)
	}
	if _, err := h.client.AllocatePersonalAdviser(ctx, &careleaverv1.AllocatePersonalAdviserRequest{RequestId: rid(), ChildId: a, AdviserId: "pa-2", StartDate: "2026-01-01"}); status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("same adviser again: %v", err)
	}

	// Closing by hand: the record leaves the lists and says why.
	closed, err := h.client.CloseCareLeaver(ctx, &careleaverv1.CloseCareLeaverRequest{RequestId: rid(), ChildId: c, ClosedDate: "2026-05-30",
		Reason: careleaverv1.ClosingReason_CLOSING_REASON_MOVED_AWAY})
	if err != nil {
		t.Fatal(err)
	}
	if cl := closed.GetCareLeaver(); cl.GetOpen() || cl.GetClosedDate() != "2026-05-30" || cl.GetClosingReason() != careleaverv1.ClosingReason_CLOSING_REASON_MOVED_AWAY ||
		cl.GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_UNSPECIFIED {
		t.Fatalf("closed %v", cl)
	}
	if got := list(&careleaverv1.ListCareLeaversRequest{}); !slices.Equal(got, sorted(a, b)) {
		t.Fatalf("after closing c: %v", got)
	}
	if got := list(&careleaverv1.ListCareLeaversRequest{AsAtDate: "2026-05-29"}); !slices.Equal(got, sorted(a, b, c)) {
		t.Fatalf("the day before c closed: %v", got)
	}
	if _, err := h.client.CloseCareLeaver(ctx, &careleaverv1.CloseCareLeaverRequest{RequestId: rid(), ChildId: a, ClosedDate: "2026-05-30",
		Reason: careleaverv1.ClosingReason_CLOSING_REASON_REACHED_25}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("closing as REACHED_25 by hand: %v", err)
	}
	var kinds []string
	for _, ev := range h.events() {
		kinds = append(kinds, fmt.Sprintf("%T", ev.GetKind()))
	}
	want := []string{"*careleaverv1.CareLeaverEvent_Registered", "*careleaverv1.CareLeaverEvent_AgeBandChanged", // a turned 19 before today
		"*careleaverv1.CareLeaverEvent_Registered", "*careleaverv1.CareLeaverEvent_Registered",
		"*careleaverv1.CareLeaverEvent_AdviserChanged", "*careleaverv1.CareLeaverEvent_AdviserChanged", "*careleaverv1.CareLeaverEvent_AdviserChanged",
		"*careleaverv1.CareLeaverEvent_ContactRecorded", "*careleaverv1.CareLeaverEvent_ContactRecorded", "*careleaverv1.CareLeaverEvent_Closed"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("events %v", kinds)
	}
}

func TestRequestShape(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name string
		call func() error
		want []string
	}{
		{"no request id", func() error {
			_, err := h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{ChildId: "x", ContactDate: "2026-01-01"})
			return err
		}, []string{"request_id=required"}},
		{"bad date", func() error {
			_, err := h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: rid(), ChildId: "x", ContactDate: "2026-02-30"})
			return err
		}, []string{"contact_date=format"}},
		{"bad band and filters", func() error {
			_, err := h.client.ListCareLeavers(ctx, &careleaverv1.ListCareLeaversRequest{AgeBand: "16_17", Eet: 3, NoContactInDays: -1})
			return err
		}, []string{"age_band=format", "eet=format", "no_contact_in_days=format"}},
		{"bad page token", func() error {
			_, err := h.client.ListCareLeavers(ctx, &careleaverv1.ListCareLeaversRequest{PageToken: "not-ours"})
			return err
		}, []string{"page_token=format"}},
		{"no closing reason", func() error {
			_, err := h.client.CloseCareLeaver(ctx, &careleaverv1.CloseCareLeaverRequest{RequestId: rid(), ChildId: "x", ClosedDate: "2026-01-01"})
			return err
		}, []string{"reason=required"}},
		{"bad entitlement", func() error {
			_, err := h.client.PublishEntitlement(ctx, &careleaverv1.PublishEntitlementRequest{RequestId: rid(),
				Entitlement: &careleaverv1.Entitlement{EntitlementId: "Bad Id", MinAge: 16, MaxAge: 24}})
			return err
		}, []string{"entitlement.entitlement_id=format", "entitlement.title=required"}},
		{"entitlement ages", func() error {
			_, err := h.client.PublishEntitlement(ctx, &careleaverv1.PublishEntitlementRequest{RequestId: rid(),
				Entitlement: &careleaverv1.Entitlement{EntitlementId: "x", Title: "X", MinAge: 21, MaxAge: 25}})
			return err
		}, []string{"entitlement.max_age=range"}},
		{"no take-up", func() error {
			_, err := h.client.RecordEntitlementTakeUp(ctx, &careleaverv1.RecordEntitlementTakeUpRequest{RequestId: rid()})
			return err
		}, []string{"take_up=required"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, got := violations(tt.call())
			if code != codes.InvalidArgument || !slices.Equal(got, tt.want) {
				t.Fatalf("%v %v, want InvalidArgument %v", code, got, tt.want)
			}
		})
	}
	if _, err := h.client.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: "nobody"}); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown care leaver: %v", err)
	}
	if _, err := h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: rid(), ChildId: "nobody", ContactDate: "2026-01-01"}); status.Code(err) != codes.NotFound {
		t.Fatalf("contact for nobody: %v", err)
	}
}

func TestLocalOffer(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	yp := h.leaver(testenv.Leaver{DOB: "2007-11-11", Start: "2022-01-01", End: "2025-11-11", ReasonCeased: "E17"}) // 18
	young := h.leaver(testenv.Leaver{DOB: "2009-02-02", Start: "2023-01-01", End: "2026-03-01"})                   // 17
	for _, e := range []*careleaverv1.Entitlement{
		{EntitlementId: "setting-up-home", Title: "Setting-up-home allowance", MinAge: 18, MaxAge: 24},
		{EntitlementId: "driving-lessons", Title: "Driving lessons", Description: "Up to 20 lessons", MinAge: 17, MaxAge: 21},
	} {
		if _, err := h.client.PublishEntitlement(ctx, &careleaverv1.PublishEntitlementRequest{RequestId: rid(), Entitlement: e}); err != nil {
			t.Fatal(err)
		}
	}
	// An update replaces.
	if _, err := h.client.PublishEntitlement(ctx, &careleaverv1.PublishEntitlementRequest{RequestId: rid(),
		Entitlement: &careleaverv1.Entitlement{EntitlementId: "driving-lessons", Title: "Driving lessons", MinAge: 17, MaxAge: 24}}); err != nil {
		t.Fatal(err)
	}
	offer, err := h.client.ListEntitlements(ctx, &careleaverv1.ListEntitlementsRequest{})
	if err != nil || len(offer.GetEntitlements()) != 2 || offer.GetEntitlements()[0].GetEntitlementId() != "driving-lessons" || offer.GetEntitlements()[0].GetMaxAge() != 24 {
		t.Fatalf("offer %v %v", offer, err)
	}
	take := func(child, ent, on string) error {
		_, err := h.client.RecordEntitlementTakeUp(ctx, &careleaverv1.RecordEntitlementTakeUpRequest{RequestId: rid(),
			TakeUp: &careleaverv1.TakeUp{ChildId: child, EntitlementId: ent, TakeUpDate: on}})
		return err
	}
	for _, tt := range []struct {
		child, ent, on string
		code           codes.Code
	}{
		{yp, "setting-up-home", "2026-01-05", codes.OK},
		{yp, "driving-lessons", "2026-02-05", codes.OK},
		{young, "driving-lessons", "2026-04-01", codes.OK},
		{young, "setting-up-home", "2026-04-01", codes.FailedPrecondition}, // 17: under the entitlement's 18
		{yp, "setting-up-home", "2026-01-05", codes.AlreadyExists},
		{yp, "no-such-thing", "2026-01-05", codes.NotFound},
	} {
		if err := take(tt.child, tt.ent, tt.on); status.Code(err) != tt.code {
			t.Errorf("take-up of %s by %s on %s: %v, want %v", tt.ent, tt.child, tt.on, err, tt.code)
		}
	}
	count := func(req *careleaverv1.ListEntitlementTakeUpRequest) int {
		n := 0
		req.PageSize = 1
		for {
			resp, err := h.client.ListEntitlementTakeUp(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			n += len(resp.GetTakeUps())
			if resp.GetNextPageToken() == "" {
				return n
			}
			req.PageToken = resp.GetNextPageToken()
		}
	}
	if n := count(&careleaverv1.ListEntitlementTakeUpRequest{}); n != 3 {
		t.Fatalf("all take-up: %d", n)
	}
	if n := count(&careleaverv1.ListEntitlementTakeUpRequest{EntitlementId: "driving-lessons"}); n != 2 {
		t.Fatalf("driving lessons: %d", n)
	}
	if n := count(&careleaverv1.ListEntitlementTakeUpRequest{ChildId: yp}); n != 2 {
		t.Fatalf("by yp: %d", n)
	}
}
