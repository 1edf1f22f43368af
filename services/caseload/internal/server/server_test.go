package server_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/grpcserver"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/server"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// newClient serves the adapter with the suite's gRPC server (its error
// mapping included) on 127.0.0.1:0 over a store on a temp bbolt file.
func newClient(t *testing.T) caseloadv1.CaseloadServiceClient {
	t.Helper()
	schema := store.Schema()
	schema.Buckets = append(schema.Buckets, events.OutboxBucket, events.ConsumersBucket)
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "caseload.db"), schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	clk := clock.NewSettable(clock.MustParseDate("2026-06-30").Midnight().Add(12 * time.Hour))
	st, err := store.Open(db, store.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	gs := grpcserver.New(grpcserver.Config{ServiceName: "caseload-test"},
		slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	server.New(caseload.NewService(clk), st).Register(gs.GRPC())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gs.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return caseloadv1.NewCaseloadServiceClient(conn)
}

type fv struct{ field, rule string }

func violations(t *testing.T, err error) (codes.Code, []fv) {
	t.Helper()
	st, _ := status.FromError(err)
	var out []fv
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, fv{v.GetField(), v.GetReason()})
			}
		}
	}
	return st.Code(), out
}

func contains(vs []fv, want fv) bool {
	for _, v := range vs {
		if v == want {
			return true
		}
	}
	return false
}

// Request shape: each bad request is InvalidArgument naming the field.
func TestRequestShapeChecks(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	good := &caseloadv1.RegisterChildRequest{RequestId: "r0", LaChildId: "LA-0", GivenName: "A", FamilyName: "B",
		DateOfBirth: "2012-01-02", Sex: "F", Ethnicity: "WBRI"}
	if _, err := c.RegisterChild(ctx, good); err != nil {
		t.Fatal(err)
	}
	long := string(make([]byte, 300))
	tests := []struct {
		name string
		call func() error
		want fv
	}{
		{"register: no request id", func() error {
			_, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{LaChildId: "x", GivenName: "a", FamilyName: "b", DateOfBirth: "2012-01-01", Sex: "F", Ethnicity: "WBRI"})
			return err
		}, fv{"request_id", "required"}},
		{"register: no la_child_id", func() error {
			_, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r", GivenName: "a", FamilyName: "b", DateOfBirth: "2012-01-01", Sex: "F", Ethnicity: "WBRI"})
			return err
		}, fv{"la_child_id", "required"}},
		{"register: name too long", func() error {
			_, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r", LaChildId: "x", GivenName: long, FamilyName: "b", DateOfBirth: "2012-01-01", Sex: "F", Ethnicity: "WBRI"})
			return err
		}, fv{"given_name", "format"}},
		{"register: not a date", func() error {
			_, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r", LaChildId: "x", GivenName: "a", FamilyName: "b", DateOfBirth: "01/02/2012", Sex: "F", Ethnicity: "WBRI"})
			return err
		}, fv{"date_of_birth", "format"}},
		{"register: lower-case ethnicity", func() error {
			_, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r", LaChildId: "x", GivenName: "a", FamilyName: "b", DateOfBirth: "2012-01-01", Sex: "F", Ethnicity: "wbri"})
			return err
		}, fv{"ethnicity", "format"}},
		{"register: bad UPN", func() error {
			_, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r", LaChildId: "x", GivenName: "a", FamilyName: "b", DateOfBirth: "2012-01-01", Sex: "F", Ethnicity: "WBRI", Upn: "123"})
			return err
		}, fv{"upn", "format"}},
		{"update: no child", func() error {
			_, err := c.UpdateChild(ctx, &caseloadv1.UpdateChildRequest{RequestId: "r"})
			return err
		}, fv{"child_id", "required"}},
		{"uasc: missing", func() error {
			_, err := c.SetUascStatus(ctx, &caseloadv1.SetUascStatusRequest{RequestId: "r", ChildId: "c"})
			return err
		}, fv{"uasc", "required"}},
		{"get: neither id", func() error { _, err := c.GetChild(ctx, &caseloadv1.GetChildRequest{}); return err }, fv{"child_id", "required"}},
		{"get: both ids", func() error {
			_, err := c.GetChild(ctx, &caseloadv1.GetChildRequest{ChildId: "a", LaChildId: "b"})
			return err
		}, fv{"la_child_id", "exclusive"}},
		{"list: negative page size", func() error {
			_, err := c.ListChildren(ctx, &caseloadv1.ListChildrenRequest{PageSize: -1})
			return err
		}, fv{"page_size", "format"}},
		{"list: unknown status", func() error {
			_, err := c.ListChildren(ctx, &caseloadv1.ListChildrenRequest{Status: 42})
			return err
		}, fv{"status", "format"}},
		{"start: legal status format", func() error {
			_, err := c.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: "r", ChildId: "c", StartDate: "2026-01-01", LegalStatus: "c1", CategoryOfNeed: "N1"})
			return err
		}, fv{"legal_status", "format"}},
		{"start: no category of need", func() error {
			_, err := c.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: "r", ChildId: "c", StartDate: "2026-01-01", LegalStatus: "C1"})
			return err
		}, fv{"category_of_need", "required"}},
		{"change: bad date", func() error {
			_, err := c.ChangeLegalStatus(ctx, &caseloadv1.ChangeLegalStatusRequest{RequestId: "r", ChildId: "c", EffectiveDate: "2026-02-30", LegalStatus: "C2"})
			return err
		}, fv{"effective_date", "format"}},
		{"end: bad date", func() error {
			_, err := c.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{RequestId: "r", ChildId: "c", EndDate: "tomorrow", ReasonCeased: "E4A"})
			return err
		}, fv{"end_date", "format"}},
		{"correct: nothing to correct", func() error {
			_, err := c.CorrectCareRecord(ctx, &caseloadv1.CorrectCareRecordRequest{RequestId: "r", ChildId: "c", Reason: "x"})
			return err
		}, fv{"correction", "required"}},
		{"correct: no reason", func() error {
			_, err := c.CorrectCareRecord(ctx, &caseloadv1.CorrectCareRecordRequest{RequestId: "r", ChildId: "c",
				Correction: &caseloadv1.CorrectCareRecordRequest_ReopenPeriodId{ReopenPeriodId: "p"}})
			return err
		}, fv{"reason", "required"}},
		{"history: no child", func() error { _, err := c.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{}); return err }, fv{"child_id", "required"}},
		{"category: bad date", func() error {
			_, err := c.GetLegalCategory(ctx, &caseloadv1.GetLegalCategoryRequest{ChildId: "c", AsAtDate: "2026-13-01"})
			return err
		}, fv{"as_at_date", "format"}},
		{"allocate: no worker", func() error {
			_, err := c.AllocateWorker(ctx, &caseloadv1.AllocateWorkerRequest{RequestId: "r", ChildId: "c", TeamId: "t", StartDate: "2026-01-01"})
			return err
		}, fv{"worker_id", "required"}},
		{"allocate: no start", func() error {
			_, err := c.AllocateWorker(ctx, &caseloadv1.AllocateWorkerRequest{RequestId: "r", ChildId: "c", WorkerId: "w", TeamId: "t"})
			return err
		}, fv{"start_date", "required"}},
		{"allocations: no child", func() error { _, err := c.ListAllocations(ctx, &caseloadv1.ListAllocationsRequest{}); return err }, fv{"child_id", "required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, vs := violations(t, tt.call())
			if code != codes.InvalidArgument || !contains(vs, tt.want) {
				t.Fatalf("got %v %v, want InvalidArgument with %v", code, vs, tt.want)
			}
		})
	}
	// Unknown ids are NotFound for reads and writes alike.
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := c.GetChild(ctx, &caseloadv1.GetChildRequest{ChildId: "nope"}); return err },
		"get la": func() error { _, err := c.GetChild(ctx, &caseloadv1.GetChildRequest{LaChildId: "nope"}); return err },
		"history": func() error {
			_, err := c.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: "nope"})
			return err
		},
		"category": func() error {
			_, err := c.GetLegalCategory(ctx, &caseloadv1.GetLegalCategoryRequest{ChildId: "nope"})
			return err
		},
		"allocs": func() error {
			_, err := c.ListAllocations(ctx, &caseloadv1.ListAllocationsRequest{ChildId: "nope"})
			return err
		},
		"update": func() error {
			_, err := c.UpdateChild(ctx, &caseloadv1.UpdateChildRequest{RequestId: "u", ChildId: "nope", GivenName: "x"})
			return err
		},
	} {
		if code, _ := violations(t, call()); code != codes.NotFound {
			t.Errorf("%s: %v, want NotFound", name, code)
		}
	}
}

// The adapter's views of a child: details, status, current period and
// allocation, history, legal category.
func TestViews(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	reg, err := c.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r1", LaChildId: "LA-1", GivenName: "Ivy",
		FamilyName: "Ward", DateOfBirth: "2011-08-09", Sex: "F", Ethnicity: "ABAN", Upn: "A12345678901B"})
	if err != nil {
		t.Fatal(err)
	}
	id := reg.GetChild().GetChildId()
	if ch := reg.GetChild(); ch.GetStatus() != caseloadv1.ChildStatus_CHILD_STATUS_NOT_LOOKED_AFTER || ch.GetUpn() != "A12345678901B" ||
		ch.GetCreateTime() == nil || ch.GetCurrentPeriod() != nil || ch.GetUasc().GetIsUasc() {
		t.Fatalf("registered = %v", ch)
	}
	if _, err := c.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: "r2", ChildId: id, StartDate: "2026-01-05", LegalStatus: "V2", CategoryOfNeed: "N5"}); err != nil {
		t.Fatal(err)
	}
	ch, err := c.ChangeLegalStatus(ctx, &caseloadv1.ChangeLegalStatusRequest{RequestId: "r3", ChildId: id, EffectiveDate: "2026-02-05", LegalStatus: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	spells := ch.GetPeriod().GetLegalStatuses()
	if len(spells) != 2 || spells[0].GetEndDate() != "2026-02-05" || spells[1].GetEndDate() != "" || spells[1].GetSpellId() == "" {
		t.Fatalf("spells = %v", spells)
	}
	if _, err := c.AllocateWorker(ctx, &caseloadv1.AllocateWorkerRequest{RequestId: "r4", ChildId: id, WorkerId: "SW1", TeamId: "T1", StartDate: "2026-01-05"}); err != nil {
		t.Fatal(err)
	}
	up, err := c.UpdateChild(ctx, &caseloadv1.UpdateChildRequest{RequestId: "r5", ChildId: id, FamilyName: "Ward-Jones"})
	if err != nil {
		t.Fatal(err)
	}
	got := up.GetChild()
	if got.GetFamilyName() != "Ward-Jones" || got.GetGivenName() != "Ivy" || got.GetStatus() != caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER ||
		got.GetCurrentPeriod().GetCategoryOfNeed() != "N5" || got.GetCurrentAllocation().GetWorkerId() != "SW1" {
		t.Fatalf("updated = %v", got)
	}
	u, err := c.SetUascStatus(ctx, &caseloadv1.SetUascStatusRequest{RequestId: "r6", ChildId: id, Uasc: &caseloadv1.UascStatus{IsUasc: true}})
	if err != nil || !u.GetChild().GetUasc().GetIsUasc() {
		t.Fatalf("uasc: %v %v", u, err)
	}
	cat, err := c.GetLegalCategory(ctx, &caseloadv1.GetLegalCategoryRequest{ChildId: id})
	if err != nil {
		t.Fatal(err)
	}
	if cat.GetAsAtDate() != "2026-06-30" || !cat.GetLookedAfter() || !cat.GetCountedAsLookedAfter() || cat.GetLegalStatus() != "C1" ||
		cat.GetAge() != 14 || cat.GetMonthOfBirth() != "2011-08" || !cat.GetUasc() || cat.GetLeavingCareStatus() != caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_NONE {
		t.Fatalf("category = %v", cat)
	}
	hist, err := c.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: id})
	if err != nil {
		t.Fatal(err)
	}
	if hist.GetDateOfBirth() != "2011-08-09" || len(hist.GetPeriods()) != 1 || len(hist.GetEpisodes()) != 2 ||
		hist.GetEpisodes()[1].GetReasonNewEpisode() != "L" || hist.GetEpisodes()[0].GetReasonCeased() != "X1" || !hist.GetUasc().GetIsUasc() {
		t.Fatalf("history = %v", hist)
	}
	// The full view is the default; the care view is the same without the
	// derived episodes.
	full, err := c.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: id, View: caseloadv1.CareHistoryView_CARE_HISTORY_VIEW_FULL})
	if err != nil || !proto.Equal(full, hist) {
		t.Fatalf("full view = %v, %v; want %v", full, err, hist)
	}
	care, err := c.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: id, View: caseloadv1.CareHistoryView_CARE_HISTORY_VIEW_CARE})
	if err != nil {
		t.Fatal(err)
	}
	withoutEpisodes := proto.Clone(hist).(*caseloadv1.GetCareHistoryResponse)
	withoutEpisodes.Episodes = nil
	if !proto.Equal(care, withoutEpisodes) {
		t.Fatalf("care view = %v; want the full view without episodes", care)
	}
	list, err := c.ListChildren(ctx, &caseloadv1.ListChildrenRequest{PageSize: 1000, NamePrefix: "ward"})
	if err != nil || len(list.GetChildren()) != 1 || list.GetNextPageToken() != "" {
		t.Fatalf("list = %v %v", list, err)
	}
}
