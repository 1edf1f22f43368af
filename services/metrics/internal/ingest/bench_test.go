package ingest

import (
	"fmt"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// BenchmarkApply measures the metrics service's own share of applying an
// event (decode, append its points to the store, merge them into the
// projection after the commit), in transactions of DefaultBatch events,
// without JetStream or events.Consume's bookkeeping:
//
//	go test -run '^$' -bench Apply ./services/metrics/internal/ingest/
func BenchmarkApply(b *testing.B) {
	evs := eventstest.Scenario(42, 5000, today)
	delivered := make([]events.Delivered, len(evs))
	for i, ev := range evs {
		data, err := proto.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		delivered[i] = events.Delivered{ID: fmt.Sprint(i), Subject: eventstest.Subject(ev), Data: data}
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := openDB(b)
		in := New(projection.New(today, 0, nil), SeqBlock, DefaultBatch)
		b.StartTimer()
		for start := 0; start < len(delivered); start += DefaultBatch {
			batch := delivered[start:min(start+DefaultBatch, len(delivered))]
			if err := db.Update(func(tx *bolt.Tx) error {
				for _, ev := range batch {
					if err := in.Apply(tx, ev); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
