package events

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/natsembed"
)

// Linger bounds a batch from its first message: under a steady trickle of
// events (one every 2 ms, never a 20 ms gap) a consumer with a large Batch
// must still commit every Linger, not wait until Batch events have come.
func TestLingerBoundsABatchUnderASteadyTrickle(t *testing.T) {
	srv := natsembed.StartForTest(t)
	_, js := connect(t, srv)
	ensureStream(t, js, CaseloadStream())
	cdb, _ := tempDB(t, "consumer.db")

	var mu sync.Mutex
	var batches []int
	consume(t, js, cdb, ConsumerSpec{Stream: StreamCaseload, Durable: "linger", Batch: 10000, Linger: 20 * time.Millisecond,
		OnApplied: func(n int) { mu.Lock(); batches = append(batches, n); mu.Unlock() }}, counterApply)

	const n = 300 // about 600 ms of events
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for i := range n {
		<-tick.C
		data, err := proto.Marshal(wrapperspb.Int64(int64(i)))
		if err != nil {
			t.Fatal(err)
		}
		ev := Event{ID: fmt.Sprintf("trickle-%d", i), Subject: "caseload.a", Data: data}
		if _, err := js.PublishMsgAsync(eventMsg(ev)); err != nil {
			t.Fatal(err)
		}
	}
	waitExactlyOnce(t, cdb, n)
	mu.Lock()
	defer mu.Unlock()
	// Each batch spans at most Linger (20 ms): ~600 ms of events make
	// dozens of batches. Waiting for each further message instead made one
	// or two.
	if len(batches) < 10 {
		t.Fatalf("%d events applied in %d batches %v: a batch waited for more than Linger", n, len(batches), batches)
	}
}
