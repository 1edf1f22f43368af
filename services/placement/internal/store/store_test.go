package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := boltdb.Open(path, Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newStore(t *testing.T) (*Store, *int) {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "placement.db"))
	notified := new(int)
	var mu sync.Mutex
	st, err := Open(db, Options{Published: func() { mu.Lock(); *notified++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	return st, notified
}

func d(s string) clock.Date { return clock.MustParseDate(s) }

var created = time.Date(2025, 4, 1, 9, 30, 0, 123, time.UTC)

func sample(id string) *placement.Child {
	miles := 12.5
	return &placement.Child{ID: id, Placements: []placement.Placement{
		{ID: "a", Place: "U4", Provider: "PR1", URN: "SC1", CarerID: "c1", PlacementLA: "E08000026", Location: "IN",
			Distance: &miles, Start: d("2025-04-01"), End: d("2025-05-01"), ReasonChange: "CARPL", Created: created},
		{ID: "b", Place: "T1", PlacementLA: "E09000001", Location: "OUT", Start: d("2025-05-01"), InterruptedID: "a", Created: created},
		{ID: "c", Place: "P1", PlacementLA: "E08000026", Location: "IN", Distance: new(0.0), SameAddress: true, Start: d("2025-06-01"), Created: created},
	}}
}

func putChild(t *testing.T, st *Store, c *placement.Child) {
	t.Helper()
	err := st.Write(context.Background(), "", nil, nil, func(tx placement.Tx) error { return tx.PutChild(c) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	c := sample("child-1")
	v, err := encodeChild(c)
	if err != nil {
		t.Fatal(err)
	}
	if v[0] != recordVersion {
		t.Fatalf("record version %d", v[0])
	}
	got, err := decodeChild("child-1", v)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
	}
	empty, err := decodeChild("c", []byte{recordVersion})
	if err != nil || len(empty.Placements) != 0 {
		t.Errorf("empty record: %+v, %v", empty, err)
	}

	// A later version's extra fields are skipped, at both levels.
	p := encodePlacement(nil, &c.Placements[1])
	p = protowire.AppendTag(p, 99, protowire.BytesType)
	p = protowire.AppendString(p, "from the future")
	rec := []byte{recordVersion}
	rec = protowire.AppendTag(rec, 50, protowire.VarintType)
	rec = protowire.AppendVarint(rec, 7)
	rec = protowire.AppendTag(rec, fRecordPlacement, protowire.BytesType)
	rec = protowire.AppendBytes(rec, p)
	got, err = decodeChild("c", rec)
	if err != nil || len(got.Placements) != 1 || !reflect.DeepEqual(got.Placements[0], c.Placements[1]) {
		t.Errorf("record with unknown fields: %+v, %v", got, err)
	}

	placementWith := func(extra ...func([]byte) []byte) []byte {
		b := []byte{recordVersion}
		var body []byte
		for _, f := range extra {
			body = f(body)
		}
		b = protowire.AppendTag(b, fRecordPlacement, protowire.BytesType)
		return protowire.AppendBytes(b, body)
	}
	str := func(n protowire.Number, s string) func([]byte) []byte {
		return func(b []byte) []byte {
			return protowire.AppendString(protowire.AppendTag(b, n, protowire.BytesType), s)
		}
	}
	num := func(n protowire.Number, v uint64) func([]byte) []byte {
		return func(b []byte) []byte {
			return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
		}
	}
	for name, bad := range map[string][]byte{
		"nothing":           nil,
		"version 2":         {2},
		"truncated tag":     {recordVersion, 0x80},
		"truncated length":  {recordVersion, 0x0a, 0x05, 1},
		"no id":             placementWith(str(fPlace, "U4"), num(fStart, 20250401)),
		"no start":          placementWith(str(fID, "a"), str(fPlace, "U4")),
		"31 April":          placementWith(str(fID, "a"), str(fPlace, "U4"), num(fStart, 20250431)),
		"truncated string":  append(placementWith(str(fID, "a")), 0x12, 0x09, 'x'),
		"truncated unknown": {recordVersion, 0x0a, 0x02, 0xf8, 0x06},
	} {
		if _, err := decodeChild("x", bad); !errors.Is(err, errBadRecord) {
			t.Errorf("%s: %v, want errBadRecord", name, err)
		}
	}
}

func TestSchemaGuards(t *testing.T) {
	path := filepath.Join(t.TempDir(), "placement.db")
	db, err := boltdb.Open(path, Schema())
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if _, err := boltdb.Open(path, boltdb.Schema{Name: "caseload", Version: 1}); !errors.Is(err, boltdb.ErrWrongSchema) {
		t.Errorf("opening a placement file as caseload: %v", err)
	}
	other, err := boltdb.Open(filepath.Join(t.TempDir(), "x.db"), boltdb.Schema{Name: Name, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := Open(other, Options{}); err == nil {
		t.Error("Open accepted a file without the store's buckets")
	}
}

func TestChildUnknownIsEmpty(t *testing.T) {
	st, _ := newStore(t)
	c, err := st.Child("nobody")
	if err != nil || c.ID != "nobody" || len(c.Placements) != 0 {
		t.Fatalf("Child(nobody) = %+v, %v", c, err)
	}
	putChild(t, st, sample("child-1"))
	c, err = st.Child("child-1")
	if err != nil || !reflect.DeepEqual(c, sample("child-1")) {
		t.Fatalf("Child(child-1) = %+v, %v", c, err)
	}
}

// An event, the record and the idempotency entry commit together; a retry
// with the same request_id returns the first response and writes nothing; a
// different request under the same id is AlreadyExists.
func TestWriteIdempotent(t *testing.T) {
	st, notified := newStore(t)
	ctx := context.Background()
	write := func(reqID, payload string) (*wrapperspb.StringValue, error) {
		resp := &wrapperspb.StringValue{}
		err := st.Write(ctx, reqID, wrapperspb.String(payload), resp, func(tx placement.Tx) error {
			c := sample("child-1")
			if err := tx.PutChild(c); err != nil {
				return err
			}
			p := c.Placements[0]
			resp.Value = payload + "-done"
			return tx.Emit(placement.Event{Kind: placement.EventStarted, ChildID: c.ID, Date: p.Start, At: created, Placement: &p})
		})
		return resp, err
	}
	if r, err := write("req-1", "x"); err != nil || r.GetValue() != "x-done" {
		t.Fatalf("first write: %v, %v", r, err)
	}
	if r, err := write("req-1", "x"); err != nil || r.GetValue() != "x-done" {
		t.Fatalf("retry: %v, %v", r, err)
	}
	if _, err := write("req-1", "y"); errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("reuse: %v, want AlreadyExists", err)
	}
	if n := outboxLen(t, st); n != 1 {
		t.Errorf("%d outbox rows, want 1", n)
	}
	if *notified != 1 {
		t.Errorf("relay notified %d times, want 1", *notified)
	}
	resp := &wrapperspb.StringValue{}
	if found, err := st.Replay("req-1", wrapperspb.String("x"), resp); !found || err != nil || resp.GetValue() != "x-done" {
		t.Errorf("Replay = %v, %v, %v", found, err, resp)
	}
	if found, err := st.Replay("req-2", wrapperspb.String("x"), resp); found || err != nil {
		t.Errorf("Replay of an unknown id = %v, %v", found, err)
	}
}

func outboxLen(t *testing.T, st *Store) int {
	t.Helper()
	var n int
	if err := st.DB().View(func(tx *bolt.Tx) error { n = events.OutboxDepth(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDryRunWritesNothing(t *testing.T) {
	st, notified := newStore(t)
	_, found, err := st.DryRun("req-1", wrapperspb.String("x"), &wrapperspb.StringValue{}, func(tx placement.Tx) error {
		c := sample("child-1")
		if err := tx.PutChild(c); err != nil {
			return err
		}
		// Reads in the same dry run see the write.
		if got, err := tx.Child("child-1"); err != nil || len(got.Placements) != len(c.Placements) {
			t.Errorf("read back %+v, %v", got, err)
		}
		p := c.Placements[0]
		return tx.Emit(placement.Event{Kind: placement.EventStarted, ChildID: c.ID, Date: p.Start, At: created, Placement: &p})
	})
	if found || err != nil {
		t.Fatalf("DryRun = %v, %v", found, err)
	}
	c, _ := st.Child("child-1")
	if len(c.Placements) != 0 || outboxLen(t, st) != 0 || *notified != 0 {
		t.Errorf("dry run wrote: %+v, outbox %d, notified %d", c, outboxLen(t, st), *notified)
	}
	// A malformed event is caught by the dry run too.
	_, _, err = st.DryRun("", nil, nil, func(tx placement.Tx) error {
		return tx.Emit(placement.Event{Kind: placement.EventChanged, ChildID: "c", Placement: &placement.Placement{}})
	})
	if err == nil {
		t.Error("dry run accepted a change event without its previous placement")
	}
}

// A write the dry run accepted commits what the dry run would have
// written, without running again, when the child's record is unchanged;
// when another write changed or created it meanwhile, the write runs again
// against the committed state.
func TestWriteChecked(t *testing.T) {
	st, notified := newStore(t)
	ctx := context.Background()
	runs := 0
	// move appends a placement to whatever the child has, so its result
	// shows which state it ran against.
	move := func(resp *wrapperspb.StringValue) func(tx placement.Tx) error {
		return func(tx placement.Tx) error {
			runs++
			c, err := tx.Child("child-1")
			if err != nil {
				return err
			}
			p := placement.Placement{ID: fmt.Sprintf("p%d", len(c.Placements)), Place: "U4", Location: "IN",
				Start: d("2025-04-01").AddDays(len(c.Placements)), Created: created}
			c.Placements = append(c.Placements, p)
			if err := tx.PutChild(c); err != nil {
				return err
			}
			resp.Value = fmt.Sprintf("%s at %d", p.ID, len(c.Placements))
			return tx.Emit(placement.Event{Kind: placement.EventStarted, ChildID: c.ID, Date: p.Start, At: created, Placement: &p})
		}
	}
	checked := func(reqID string) (*Checked, *wrapperspb.StringValue, func(tx placement.Tx) error) {
		t.Helper()
		resp := &wrapperspb.StringValue{}
		fn := move(resp)
		c, found, err := st.DryRun(reqID, wrapperspb.String(reqID), resp, fn)
		if err != nil || found {
			t.Fatalf("dry run %s: %v %v", reqID, found, err)
		}
		return c, resp, fn
	}
	placements := func() []string {
		t.Helper()
		c, err := st.Child("child-1")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range c.Placements {
			ids = append(ids, p.ID)
		}
		return ids
	}

	// Unchanged since the dry run (no record then, none now).
	c, resp, fn := checked("req-1")
	runs = 0
	if err := st.WriteChecked(ctx, c, fn); err != nil {
		t.Fatal(err)
	}
	if runs != 0 || resp.GetValue() != "p0 at 1" || !slices.Equal(placements(), []string{"p0"}) || outboxLen(t, st) != 1 || *notified != 1 {
		t.Fatalf("unchanged: ran %d times, resp %q, placements %v, outbox %d, notified %d",
			runs, resp.GetValue(), placements(), outboxLen(t, st), *notified)
	}
	again := &wrapperspb.StringValue{}
	if found, err := st.Replay("req-1", wrapperspb.String("req-1"), again); !found || err != nil || again.GetValue() != "p0 at 1" {
		t.Fatalf("the idempotency entry: %v %v %q", found, err, again.GetValue())
	}

	// Changed between the dry run and the write.
	c, resp, fn = checked("req-2")
	if err := st.Write(ctx, "other", wrapperspb.String("other"), &wrapperspb.StringValue{}, move(&wrapperspb.StringValue{})); err != nil {
		t.Fatal(err)
	}
	runs = 0
	if err := st.WriteChecked(ctx, c, fn); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || resp.GetValue() != "p2 at 3" || !slices.Equal(placements(), []string{"p0", "p1", "p2"}) || outboxLen(t, st) != 3 {
		t.Fatalf("changed: ran %d times, resp %q, placements %v, outbox %d", runs, resp.GetValue(), placements(), outboxLen(t, st))
	}

	// Another child written meanwhile: nothing the dry run read changed.
	c, resp, fn = checked("req-3")
	putChild(t, st, sample("child-2"))
	runs = 0
	if err := st.WriteChecked(ctx, c, fn); err != nil {
		t.Fatal(err)
	}
	if runs != 0 || resp.GetValue() != "p3 at 4" || len(placements()) != 4 {
		t.Fatalf("another child written: ran %d times, resp %q, placements %v", runs, resp.GetValue(), placements())
	}

	// The child's record replaced meanwhile (here by an empty one).
	c, resp, fn = checked("req-4")
	putChild(t, st, &placement.Child{ID: "child-1"})
	runs = 0
	if err := st.WriteChecked(ctx, c, fn); err != nil {
		t.Fatal(err)
	}
	if runs != 1 || resp.GetValue() != "p0 at 1" || !slices.Equal(placements(), []string{"p0"}) {
		t.Fatalf("replaced: ran %d times, resp %q, placements %v", runs, resp.GetValue(), placements())
	}
}

// Group commit runs the functions of a batch again when one fails; a write
// must then commit exactly once, with one event.
func TestBatchRetryCommitsOnce(t *testing.T) {
	st, _ := newStore(t)
	st.DB().MaxBatchDelay = 50 * time.Millisecond
	var wg sync.WaitGroup
	const n = 16
	errCh := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.Write(context.Background(), fmt.Sprintf("req-%d", i), wrapperspb.String("x"), &wrapperspb.StringValue{}, func(tx placement.Tx) error {
				if i%4 == 0 {
					return errs.Invalid(errs.Violation{Field: "f", Rule: "r", Message: "refused"})
				}
				c := sample(fmt.Sprintf("child-%02d", i))
				if err := tx.PutChild(c); err != nil {
					return err
				}
				p := c.Placements[0]
				return tx.Emit(placement.Event{Kind: placement.EventStarted, ChildID: c.ID, Date: p.Start, At: created, Placement: &p})
			})
			if (err != nil) != (i%4 == 0) {
				errCh <- fmt.Errorf("write %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(errCh)
	for err := range errCh {
		t.Error(err)
	}
	if got := outboxLen(t, st); got != n-n/4 {
		t.Errorf("%d outbox rows, want %d", got, n-n/4)
	}
}

func TestListPagesAndFilters(t *testing.T) {
	st, _ := newStore(t)
	mk := func(id, place, provider, la, loc, start, end string) {
		p := placement.Placement{ID: id + "-p", Place: place, Provider: provider, PlacementLA: la, Location: loc, Start: d(start), Created: created}
		if end != "" {
			p.End = d(end)
		}
		putChild(t, st, &placement.Child{ID: id, Placements: []placement.Placement{p}})
	}
	mk("c01", "U4", "PR1", "E08000026", "IN", "2025-01-01", "")
	mk("c02", "K2", "PR4", "E09000001", "OUT", "2025-01-01", "")
	mk("c03", "U6", "PR4", "E08000026", "IN", "2025-01-01", "2025-03-01")
	mk("c04", "U4", "PR4", "", "", "2025-02-01", "")
	mk("c05", "T1", "", "E08000026", "IN", "2025-01-01", "")

	ids := func(page []Listed) []string {
		var out []string
		for _, l := range page {
			out = append(out, l.ChildID)
		}
		return out
	}
	tests := []struct {
		name string
		on   string
		f    Filter
		want []string
	}{
		{"all on 2025-02-15", "2025-02-15", Filter{}, []string{"c01", "c02", "c03", "c04", "c05"}},
		{"ended placements drop out", "2025-03-01", Filter{}, []string{"c01", "c02", "c04", "c05"}},
		{"not yet started", "2025-01-15", Filter{}, []string{"c01", "c02", "c03", "c05"}},
		{"by type", "2025-02-15", Filter{Place: "U4"}, []string{"c01", "c04"}},
		{"by provider", "2025-02-15", Filter{Provider: "PR4"}, []string{"c02", "c03", "c04"}},
		{"by group", "2025-02-15", Filter{Group: "foster"}, []string{"c01", "c03", "c04"}},
		{"temporary group", "2025-02-15", Filter{Group: "temporary"}, []string{"c05"}},
		{"inside", "2025-02-15", Filter{Location: "IN"}, []string{"c01", "c03", "c05"}},
		{"outside", "2025-02-15", Filter{Location: "OUT"}, []string{"c02"}},
		{"combined", "2025-02-15", Filter{Group: "foster", Location: "IN", Provider: "PR4"}, []string{"c03"}},
	}
	for _, tt := range tests {
		page, more, err := st.List(d(tt.on), tt.f, "", 100)
		if err != nil || more || !reflect.DeepEqual(ids(page), tt.want) {
			t.Errorf("%s: %v more=%v err=%v, want %v", tt.name, ids(page), more, err, tt.want)
		}
	}
	// Paging by two: every child once, in order.
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		page, more, err := st.List(d("2025-02-15"), Filter{}, after, 2)
		if err != nil || pages > 5 {
			t.Fatalf("paging: %v after %d pages", err, pages)
		}
		all = append(all, ids(page)...)
		if !more {
			break
		}
		after = page[len(page)-1].ChildID
	}
	if want := []string{"c01", "c02", "c03", "c04", "c05"}; !reflect.DeepEqual(all, want) {
		t.Errorf("paged %v, want %v", all, want)
	}
	// A token for a child that is not in the list still resumes after it.
	if page, _, _ := st.List(d("2025-02-15"), Filter{}, "c025", 10); !reflect.DeepEqual(ids(page), []string{"c03", "c04", "c05"}) {
		t.Errorf("after c025: %v", ids(page))
	}
}

func TestEventPBKinds(t *testing.T) {
	p := sample("c").Placements[0]
	q := sample("c").Placements[1]
	for _, k := range []placement.EventKind{placement.EventStarted, placement.EventChanged, placement.EventEnded,
		placement.EventTemporaryStarted, placement.EventTemporaryEnded} {
		m, err := EventPB(placement.Event{Kind: k, ChildID: "c", Date: q.Start, At: created, Previous: &p, Placement: &q})
		if err != nil || m.GetKind() == nil || m.GetEffectiveDate() != "2025-05-01" {
			t.Errorf("%s: %v, %v", k.Subject(), m, err)
		}
	}
	if _, err := EventPB(placement.Event{Kind: 99, Placement: &p}); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := EventPB(placement.Event{Kind: placement.EventStarted}); err == nil {
		t.Error("event without a placement accepted")
	}
	f := FactsPB(p)
	if f.GetPlacementGroup() != "foster" || f.GetDistanceBand().String() != "DISTANCE_BAND_20_MILES_OR_LESS" || f.GetLocation().String() != "LOCATION_INSIDE" {
		t.Errorf("facts %v", f)
	}
}
