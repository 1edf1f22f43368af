package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/careleaver/internal/testenv"
)

// benchCallers is the number of concurrent gRPC callers.
const benchCallers = 64

// BenchmarkRecordContact reports keeping-in-touch contacts recorded per
// second by 64 concurrent callers over gRPC on loopback, against the
// service as it ships: every contact checked (903 rules), written with its
// outbox row and idempotency entry in one fsynced bbolt group commit
// (db.Batch), while the relay publishes the events to JetStream (sync
// always) and deletes the rows.
//
//	go test -run '^$' -bench RecordContact -benchtime 20000x ./services/careleaver/app/
func BenchmarkRecordContact(b *testing.B) {
	service.TuneGC() // the binaries' garbage-collector target
	h := newHarness(b, "2026-06-01")
	const leavers = 16
	ids := make([]string, leavers)
	for i := range ids {
		ids[i], _ = h.env.RecordLeaver(b, testenv.Leaver{DOB: fmt.Sprintf("2007-%02d-10", i%12+1), Start: "2022-01-01", End: "2026-01-20"})
	}
	testutil.CheckFor(b, wait, 20*time.Millisecond, func() error {
		if got := len(h.listAll()); got != leavers {
			return fmt.Errorf("%d records open, want %d", got, leavers)
		}
		return nil
	})
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Pointer[error]
	b.ResetTimer()
	var wg sync.WaitGroup
	for range benchCallers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				_, err := h.client.RecordContact(ctx, &careleaverv1.RecordContactRequest{
					RequestId: fmt.Sprintf("bench-%d", i), ChildId: ids[i%leavers],
					ContactDate: fmt.Sprintf("2026-05-%02d", i%28+1), InTouch: "YES", Activity: "F5", Accommodation: "U1",
				})
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "contacts/s")
}
