package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
	"github.com/corporate-parenting/suite/services/metrics/internal/store"
)

func checkFor(t testing.TB, timeout, interval time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s: %v", timeout, err)
		}
		<-tick.C
	}
}

var today = clock.MustParseDate("2026-03-31")

type rig struct {
	js     jetstream.JetStream
	db     *bolt.DB
	proj   *projection.Projection
	in     *Ingest
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func openDB(t testing.TB) *bolt.DB {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "metrics.db"), store.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// start loads the projection from db and runs the three consumers.
func start(t *testing.T, js jetstream.JetStream, db *bolt.DB, batch int) *rig {
	t.Helper()
	seq, end, err := store.ReserveAtStart(db, SeqBlock)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{js: js, db: db, proj: projection.New(today, seq, nil)}
	if _, err := store.Load(db, 1000, r.proj.Load); err != nil {
		t.Fatal(err)
	}
	r.in = New(r.proj, end, batch)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	for _, spec := range Specs(batch, 0) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := r.in.Consume(ctx, js, db, spec); err != nil {
				t.Errorf("consume %s: %v", spec.Durable, err)
			}
		}()
	}
	return r
}

func (r *rig) stop() { r.cancel(); r.wg.Wait() }

// caughtUp waits until every durable has handled its stream's last message.
func (r *rig) caughtUp(t *testing.T) {
	t.Helper()
	checkFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		last, err := eventstest.LastSeqs(context.Background(), r.js)
		if err != nil {
			return err
		}
		for stream, durable := range map[string]string{events.StreamCaseload: DurableCaseload, events.StreamPlacement: DurablePlacement, events.StreamCareleaver: DurableCareleaver} {
			got, err := events.AppliedSeq(r.db, durable)
			if err != nil {
				return err
			}
			if got != last[stream] {
				return fmt.Errorf("%s at %d of %d", durable, got, last[stream])
			}
		}
		return nil
	})
}

// reference applies evs straight to a projection, in order, with no store
// and no JetStream: what the live totals must equal.
func reference(t *testing.T, evs []eventstest.Event) *projection.Projection {
	t.Helper()
	p := projection.New(today, 0, nil)
	var arrival uint64
	for _, ev := range evs {
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		pts, err := Decode(eventstest.Subject(ev), data, p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range pts {
			arrival++
			pts[i].Arrival = arrival
		}
		p.Apply(pts)
	}
	return p
}

func sameTotals(t *testing.T, what string, got, want *projection.Projection) {
	t.Helper()
	if got.LiveTotals() != want.LiveTotals() {
		t.Fatalf("%s: live totals\n got %+v\nwant %+v", what, got.LiveTotals(), want.LiveTotals())
	}
	for _, d := range []string{"2023-03-31", "2024-03-31", "2025-03-31", "2025-09-30", "2026-03-31"} {
		if g, w := got.TotalsOn(clock.MustParseDate(d)), want.TotalsOn(clock.MustParseDate(d)); g != w {
			t.Fatalf("%s: totals on %s\n got %+v\nwant %+v", what, d, g, w)
		}
	}
}

func TestConsumeAppliesEveryEventOnceThroughJetStream(t *testing.T) {
	ns := natsembed.StartForTest(t)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// A short duplicate window, so the same events can be published again
	// outside it (a relay's lost acknowledgement, or an operator replaying).
	if err := eventstest.EnsureStreamsWith(ctx, js, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	evs := eventstest.Scenario(7, 150, today)
	half := len(evs) / 2
	if err := eventstest.PublishAsync(ctx, js, evs[:half]); err != nil {
		t.Fatal(err)
	}
	// A poison event in the middle of a batch: dead-lettered; the rest of
	// its batch is applied once (the rolled-back attempt leaves no trace
	// in memory).
	poison := &nats.Msg{Subject: "caseload.period.started", Data: []byte{0xff, 0x01}, Header: nats.Header{}}
	poison.Header.Set(jetstream.MsgIDHeader, "poison-1")
	if _, err := js.PublishMsg(ctx, poison); err != nil {
		t.Fatal(err)
	}
	if err := eventstest.PublishAsync(ctx, js, evs[half:]); err != nil {
		t.Fatal(err)
	}

	db := openDB(t)
	r := start(t, js, db, 64)
	r.caughtUp(t)
	want := reference(t, evs)
	sameTotals(t, "live", r.proj, want)
	if dead, err := events.DeadLetters(db, DurableCaseload); err != nil || len(dead) != 1 || dead[0].ID != "poison-1" {
		t.Fatalf("dead letters %+v %v", dead, err)
	}
	seqBefore := r.proj.Seq()

	// The same events again, outside the duplicate window: JetStream stores
	// them again under new sequences; the consumers skip them by id.
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		ack, err := js.PublishMsg(ctx, eventstest.Msg(evs[0]))
		if err != nil {
			return err
		}
		if ack.Duplicate {
			return fmt.Errorf("still inside the duplicate window")
		}
		return nil
	})
	if err := eventstest.PublishAsync(ctx, js, evs[1:]); err != nil {
		t.Fatal(err)
	}
	r.caughtUp(t)
	sameTotals(t, "after redelivery", r.proj, want)
	if r.proj.Seq() != seqBefore {
		t.Fatalf("redelivery raised the change sequence from %d to %d", seqBefore, r.proj.Seq())
	}
	r.stop()

	// A restart rebuilds the same projection from the store.
	r2 := start(t, js, db, 64)
	defer r2.stop()
	sameTotals(t, "after restart", r2.proj, want)
	if r2.proj.Seq() <= seqBefore {
		t.Fatalf("sequence went back from %d to %d across a restart", seqBefore, r2.proj.Seq())
	}
}

func TestRestartMidStreamCountsEachEventOnce(t *testing.T) {
	ns := natsembed.StartForTest(t)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := eventstest.EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	evs := eventstest.Scenario(11, 120, today)
	third := len(evs) / 3
	db := openDB(t)
	r := start(t, js, db, 16)
	if err := eventstest.PublishAsync(ctx, js, evs[:third]); err != nil {
		t.Fatal(err)
	}
	// Stop while events are still arriving.
	if err := eventstest.PublishAsync(ctx, js, evs[third:2*third]); err != nil {
		t.Fatal(err)
	}
	r.stop()
	if err := eventstest.PublishAsync(ctx, js, evs[2*third:]); err != nil {
		t.Fatal(err)
	}
	r2 := start(t, js, db, 16)
	defer r2.stop()
	r2.caughtUp(t)
	sameTotals(t, "after restart mid-stream", r2.proj, reference(t, evs))
}

func TestReservationIsRenewedInsideTheConsumersTransaction(t *testing.T) {
	db := openDB(t)
	p := projection.New(today, 0, nil)
	in := New(p, 10, 0) // nearly exhausted: the next transaction reserves more
	ev := eventstest.PeriodStarted("c1", "2026-03-01", "C2", false)
	data, _ := proto.Marshal(ev)
	err := db.Update(func(tx *bolt.Tx) error {
		return in.Apply(tx, events.Delivered{ID: "e1", Subject: eventstest.Subject(ev), Data: data})
	})
	if err != nil {
		t.Fatal(err)
	}
	if in.Reserved() != SeqBlock {
		t.Fatalf("reserved %d", in.Reserved())
	}
	_ = db.View(func(tx *bolt.Tx) error {
		if got := store.SeqReserved(tx); got != SeqBlock {
			t.Fatalf("stored reservation %d", got)
		}
		return nil
	})
	if p.LiveTotals().CLA != 1 || p.Seq() != 1 {
		t.Fatalf("projection not updated after commit: %+v seq %d", p.LiveTotals(), p.Seq())
	}
	// A rolled-back transaction changes neither the store nor the projection.
	ev2 := eventstest.PeriodStarted("c2", "2026-03-01", "C2", false)
	data2, _ := proto.Marshal(ev2)
	_ = db.Update(func(tx *bolt.Tx) error {
		if err := in.Apply(tx, events.Delivered{ID: "e2", Subject: eventstest.Subject(ev2), Data: data2}); err != nil {
			t.Fatal(err)
		}
		return fmt.Errorf("roll back")
	})
	if p.LiveTotals().CLA != 1 {
		t.Fatal("rolled-back event reached the projection")
	}
	n, _ := store.Load(db, 100, func([]projection.Point) {})
	if n != 3 { // month of birth, care, uasc of c1
		t.Fatalf("%d points stored", n)
	}
}

// A replica's durables take its prefix; the default prefix keeps the
// architecture's names; a prefix NATS would refuse is an error.
func TestSpecsFor(t *testing.T) {
	specs, err := SpecsFor("", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Stream+"/"+s.Durable)
	}
	want := "CASELOAD/metrics-caseload PLACEMENT/metrics-placement CARELEAVER/metrics-careleaver"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("default durables %s, want %s", got, want)
	}
	if got := Specs(0, 0); got[0].Durable != DurableCaseload || got[1].Durable != DurablePlacement || got[2].Durable != DurableCareleaver || got[0].Batch != DefaultBatch {
		t.Errorf("Specs: %+v", got)
	}
	specs, err = SpecsFor("metrics-1", 7, time.Second)
	if err != nil || specs[2].Durable != "metrics-1-careleaver" || specs[2].Batch != 7 || specs[2].Linger != time.Second {
		t.Errorf("metrics-1: %+v %v", specs, err)
	}
	for _, bad := range []string{"a.b", "a b", "x*", "x>", "a/b", strings.Repeat("m", 65), "métrics"} {
		if _, err := SpecsFor(bad, 0, 0); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
}

// A file projected by one set of durables is refused under another.
func TestCheckDurables(t *testing.T) {
	db := openDB(t)
	one, _ := SpecsFor("metrics-1", 0, 0)
	if err := CheckDurables(db, one); err != nil {
		t.Fatalf("fresh file: %v", err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		c, err := tx.CreateBucketIfNotExists(events.ConsumersBucket)
		if err != nil {
			return err
		}
		_, err = c.CreateBucket([]byte("metrics-1-caseload"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := CheckDurables(db, one); err != nil {
		t.Fatalf("same prefix: %v", err)
	}
	if err := CheckDurables(db, Specs(0, 0)); err == nil || !strings.Contains(err.Error(), "metrics-1-caseload") {
		t.Fatalf("other prefix: %v", err)
	}
}
