package server

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
	"github.com/corporate-parenting/suite/services/caseload/internal/store"
)

// In-service read cost (the handler, without the gRPC transport) for a
// child with three periods of care and several legal statuses: the
// decoded timeline is in memory, so an answer takes microseconds.
//
//	go test -run '^$' -bench 'LegalCategory|GetChild' -benchmem ./internal/server/
func benchServer(b *testing.B) (*Server, string) {
	schema := store.Schema()
	schema.Buckets = append(schema.Buckets, events.OutboxBucket, events.ConsumersBucket)
	db, err := boltdb.Open(filepath.Join(b.TempDir(), "caseload.db"), schema)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	clk := clock.NewSettable(clock.MustParseDate("2026-06-30").Midnight().Add(12 * time.Hour))
	st, err := store.Open(db, store.Options{Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(st.Close)
	s := New(caseload.NewService(clk), st)
	ctx := context.Background()
	reg, err := s.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: "r", LaChildId: "LA", GivenName: "B",
		FamilyName: "M", DateOfBirth: "2008-09-10", Sex: "M", Ethnicity: "WBRI"})
	if err != nil {
		b.Fatal(err)
	}
	id := reg.GetChild().GetChildId()
	n := 0
	do := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	rid := func() string { n++; return fmt.Sprint("req-", n) }
	for _, p := range [][2]string{{"2018-01-01", "2018-06-01"}, {"2020-01-01", "2021-02-01"}, {"2022-03-01", ""}} {
		_, err := s.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: rid(), ChildId: id, StartDate: p[0], LegalStatus: "C1", CategoryOfNeed: "N1"})
		do(err)
		start := clock.MustParseDate(p[0])
		_, err = s.ChangeLegalStatus(ctx, &caseloadv1.ChangeLegalStatusRequest{RequestId: rid(), ChildId: id, EffectiveDate: start.AddDays(40).String(), LegalStatus: "C2"})
		do(err)
		if p[1] != "" {
			_, err = s.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{RequestId: rid(), ChildId: id, EndDate: p[1], ReasonCeased: "E4A"})
			do(err)
		}
	}
	return s, id
}

func BenchmarkGetLegalCategory(b *testing.B) {
	s, id := benchServer(b)
	ctx := context.Background()
	req := &caseloadv1.GetLegalCategoryRequest{ChildId: id, AsAtDate: "2025-01-01"}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := s.GetLegalCategory(ctx, req)
		if err != nil || resp.GetLeavingCareStatus() != caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE {
			b.Fatal(resp, err)
		}
	}
}

func BenchmarkGetChild(b *testing.B) {
	s, id := benchServer(b)
	ctx := context.Background()
	req := &caseloadv1.GetChildRequest{ChildId: id}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetChild(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
