package perf

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/testutil"
	"github.com/corporate-parenting/suite/services/suite/procs"
)

// The benchmarks here run only with -bench; this keeps their moving parts
// (the writer process, its pacing and its count) from rotting unnoticed.
func TestWriterProcessWritesAtItsPace(t *testing.T) {
	s := procs.StartForTest(t, procs.Config{LogLevel: "warn"})
	written := startWriter(t, s.Addr("caseload"), 200)
	time.Sleep(3 * time.Second)
	n := written()
	// 200/s for 3 s, less the start-up: well above 200, never above 600.
	if n < 200 || n > 600 {
		t.Fatalf("the writer reports %d writes after 3 s at 200/s", n)
	}
	cc, err := grpc.NewClient(s.Addr("caseload"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	c := caseloadv1.NewCaseloadServiceClient(cc)
	// Every child the writer registered is there, and allocated to a
	// worker once its second write is done.
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		resp, err := c.ListChildren(context.Background(), &caseloadv1.ListChildrenRequest{TeamId: "T-PERF", PageSize: 1000})
		if err != nil {
			return err
		}
		if got := len(resp.GetChildren()); got < int(n/2)-64 {
			return fmt.Errorf("team T-PERF has %d children; the writer had done %d writes", got, n)
		}
		return nil
	})
}

func TestLatenciesReport(t *testing.T) {
	l := newLatencies(2)
	for i := 1; i <= 100; i++ {
		l.add(i%2, time.Duration(i)*time.Millisecond)
	}
	got := testing.Benchmark(func(b *testing.B) { l.report(b, "x-") })
	if p50, p99 := got.Extra["x-p50-ms"], got.Extra["x-p99-ms"]; p50 != 51 || p99 != 100 {
		t.Fatalf("p50 %v ms, p99 %v ms; want 51 and 100", p50, p99)
	}
}
