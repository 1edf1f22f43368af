package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/events"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

func d(s string) clock.Date { return clock.MustParseDate(s) }

var now = time.Date(2026, 6, 30, 11, 0, 0, 0, time.UTC)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	schema := Schema()
	schema.Buckets = append(schema.Buckets, events.OutboxBucket, events.ConsumersBucket)
	db, err := boltdb.Open(path, schema)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newStore(t *testing.T) (*Store, string, *int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "caseload.db")
	db := openDB(t, path)
	t.Cleanup(func() { _ = db.Close() })
	published := 0
	var mu sync.Mutex
	st, err := Open(db, Options{Clock: clock.NewSettable(now), Published: func() { mu.Lock(); published++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st, path, &published
}

// fullChild has every field set, for round trips.
func fullChild(id, la string) *caseload.Child {
	return &caseload.Child{
		ID: id, LAChildID: la, GivenName: "Zoë", FamilyName: "O'Brien", DOB: d("2010-02-28"),
		Sex: "F", Ethnicity: "WIRT", UPN: "A123456789012",
		UASC: caseload.UASC{IsUASC: true, Ceased: d("2026-01-05")},
		Periods: []caseload.Period{
			{ID: "p1", Start: d("2020-01-01"), End: d("2021-01-01"), ReasonCeased: "E4A", CategoryOfNeed: "N2",
				Spells: []caseload.Spell{{ID: "s1", LegalStatus: "V2", Start: d("2020-01-01")}}},
			{ID: "p2", Start: d("2022-01-01"), CategoryOfNeed: "N1",
				Spells: []caseload.Spell{{ID: "s2", LegalStatus: "C1", Start: d("2022-01-01")},
					{ID: "s3", LegalStatus: "C2", Start: d("2022-03-01"), Corrected: true}}},
		},
		Corrections: []caseload.Correction{{Kind: caseload.StrikeLegalStatusSpell, TargetID: "s3", PeriodID: "p2",
			Reason: "error", At: now, PriorLegalStatus: "C2", PriorDate: d("2022-03-01"), PriorReasonCeased: ""}},
		Allocations: []caseload.Allocation{{WorkerID: "w1", TeamID: "t1", Start: d("2022-01-01"), End: d("2023-01-01")},
			{WorkerID: "w2", TeamID: "t2", Start: d("2023-01-01")}},
		Placements: []caseload.Placement{
			{ID: "pl1", Place: "U4", Provider: "PR1", URN: "SC1", CarerID: "k1", Location: "IN",
				DistanceBand: "20_or_less", Start: d("2022-01-01"), End: d("2022-02-01"), ReasonChange: "CARPL"},
			{ID: "pl2", Place: "K2", Provider: "PR4", URN: "XXXXXXX", Location: "OUT", DistanceBand: "not_known",
				Start: d("2022-02-01")}},
		Created: now, Updated: now.Add(time.Hour), Revision: 7,
	}
}

func TestRecordRoundTrip(t *testing.T) {
	c := fullChild("c1", "LA-1")
	b, err := encodeChild(c)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != recordVersion {
		t.Fatalf("version byte %d", b[0])
	}
	got, err := decodeChild(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, c)
	}
	for _, bad := range [][]byte{nil, {1}, {3, '{', '}'}, {4, '{', '}'}, {1, 'x'}, {2, 'x'}, {3, 0, 0, 0, 0, 0, 0, 0, 7}} {
		if _, err := decodeChild(bad); !errors.Is(err, errBadRecord) {
			t.Errorf("decode %q: %v", bad, err)
		}
	}
}

// Records written before the revision header (version 2) and before the
// placements copy (version 1) are read, and written back as version 3.
func TestOlderRecordVersions(t *testing.T) {
	for _, version := range []byte{recordVersionNoHeader, recordVersionNoPlacements} {
		c := fullChild("c1", "LA-1")
		if version == recordVersionNoPlacements {
			c.Placements = nil
		}
		b, err := encodeChild(c)
		if err != nil {
			t.Fatal(err)
		}
		old := append([]byte{version}, b[recordHeader:]...) // the JSON straight after the version
		if _, ok := recordRevision(old); ok {
			t.Errorf("version %d: a revision read from a record without the header", version)
		}
		got, err := decodeChild(old)
		if err != nil {
			t.Fatalf("version %d: %v", version, err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("version %d:\n got %+v\nwant %+v", version, got, c)
		}
		again, _ := encodeChild(got)
		if rev, ok := recordRevision(again); again[0] != recordVersion || !ok || rev != c.Revision {
			t.Fatalf("version %d rewritten as version %d, revision %d %v", version, again[0], rev, ok)
		}
	}
}

// A record from a newer caseload is refused, saying so.
func TestNewerRecordVersionRefused(t *testing.T) {
	b, err := encodeChild(fullChild("c1", "LA-1"))
	if err != nil {
		t.Fatal(err)
	}
	b[0] = recordVersion + 1
	_, err = decodeChild(b)
	if !errors.Is(err, errBadRecord) || !strings.Contains(err.Error(), "newer caseload") {
		t.Fatalf("a newer record: %v", err)
	}
}

// A record whose header and JSON disagree on the revision is malformed.
func TestRecordHeaderMustMatch(t *testing.T) {
	b, err := encodeChild(fullChild("c1", "LA-1"))
	if err != nil {
		t.Fatal(err)
	}
	if rev, ok := recordRevision(b); !ok || rev != 7 {
		t.Fatalf("header revision %d %v, want 7", rev, ok)
	}
	b[recordHeader-1]++
	if _, err := decodeChild(b); !errors.Is(err, errBadRecord) {
		t.Fatalf("decoded a record whose header disagrees: %v", err)
	}
}

// A write starts from a copy of the in-memory child when that is the
// stored revision, and from the stored record when it is not: after an
// earlier write of the same transaction, or when the file holds a revision
// the memory has not caught up with.
func TestWriteReadsTheStoredRevision(t *testing.T) {
	st, _, _ := newStore(t)
	put(t, st, fullChild("c1", "LA-1")) // revision 7
	write := func(fn func(tx caseload.MilestoneTx) error) {
		t.Helper()
		if err := st.Write(context.Background(), "", nil, nil, fn); err != nil {
			t.Fatal(err)
		}
	}
	shared, _ := st.Child("c1")
	write(func(tx caseload.MilestoneTx) error {
		c, err := tx.Child("c1")
		if err != nil {
			return err
		}
		if c == shared || !reflect.DeepEqual(c, shared.Clone()) {
			t.Fatalf("the write did not get a copy of the stored child: %+v", c)
		}
		c.GivenName, c.Revision = "Ann", 8
		if err := tx.PutChild(c); err != nil {
			return err
		}
		if shared.GivenName != "Zoë" {
			t.Fatal("the write changed the shared in-memory child")
		}
		// Read again in the same transaction: the file (revision 8) is
		// ahead of memory (7), so the record is decoded.
		again, err := tx.Child("c1")
		if err != nil {
			return err
		}
		if again.GivenName != "Ann" || again.Revision != 8 {
			t.Fatalf("second read in the transaction: %s at revision %d", again.GivenName, again.Revision)
		}
		return nil
	})
	if c, _ := st.Child("c1"); c.GivenName != "Ann" || c.Revision != 8 {
		t.Fatalf("in memory after the commit: %s at %d", c.GivenName, c.Revision)
	}

	// The file moves on without the memory (as between a commit and the
	// memory catching up): the next write reads the file.
	newer := fullChild("c1", "LA-1")
	newer.GivenName, newer.Revision = "Bea", 9
	raw, err := encodeChild(newer)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB().Update(func(tx *bolt.Tx) error { return tx.Bucket(BucketChildren).Put([]byte("c1"), raw) }); err != nil {
		t.Fatal(err)
	}
	write(func(tx caseload.MilestoneTx) error {
		c, err := tx.Child("c1")
		if err != nil {
			return err
		}
		if c.GivenName != "Bea" || c.Revision != 9 {
			t.Fatalf("read %s at revision %d; the file holds Bea at 9", c.GivenName, c.Revision)
		}
		return nil
	})
}

// Every write of a child must raise its revision (the read above relies
// on it): one that does not is refused and writes nothing.
func TestPutChildMustRaiseTheRevision(t *testing.T) {
	st, _, _ := newStore(t)
	put(t, st, fullChild("c1", "LA-1")) // revision 7
	same := fullChild("c1", "LA-1")
	same.GivenName = "Ann"
	err := st.Write(context.Background(), "", nil, nil, func(tx caseload.MilestoneTx) error { return tx.PutChild(same) })
	if errs.KindOf(err) != errs.KindInternal {
		t.Fatalf("a write at the stored revision: %v", err)
	}
	if c, _ := st.Child("c1"); c.GivenName != "Zoë" {
		t.Fatalf("the refused write reached memory: %s", c.GivenName)
	}
	var stored *caseload.Child
	if err := st.DB().View(func(tx *bolt.Tx) (err error) {
		stored, err = decodeChild(tx.Bucket(BucketChildren).Get([]byte("c1")))
		return err
	}); err != nil || stored.GivenName != "Zoë" {
		t.Fatalf("the refused write reached the file: %+v %v", stored, err)
	}
}

func put(t *testing.T, st *Store, c *caseload.Child) {
	t.Helper()
	if err := st.Write(context.Background(), "", nil, nil, func(tx caseload.MilestoneTx) error { return tx.PutChild(c) }); err != nil {
		t.Fatal(err)
	}
}

func TestWriteIdempotencyAndCache(t *testing.T) {
	st, _, published := newStore(t)
	ctx := context.Background()
	req := wrapperspb.String("register c1")
	write := func(req proto.Message, c *caseload.Child) (*wrapperspb.StringValue, int, error) {
		resp := &wrapperspb.StringValue{}
		runs := 0
		err := st.Write(ctx, "rid-1", req, resp, func(tx caseload.MilestoneTx) error {
			runs++
			if err := tx.PutChild(c); err != nil {
				return err
			}
			if err := tx.Emit(caseload.Event{Kind: caseload.ChildRegistered, ChildID: c.ID, Effective: d("2026-06-30"), At: now}); err != nil {
				return err
			}
			resp.Value = c.ID
			return nil
		})
		return resp, runs, err
	}
	c := fullChild("c1", "LA-1")
	resp, runs, err := write(req, c)
	if err != nil || resp.Value != "c1" || runs != 1 {
		t.Fatalf("first write: %v %d %v", resp, runs, err)
	}
	if got, ok := st.Child("c1"); !ok || got != c {
		t.Fatal("cache not updated after commit")
	}
	// The same request again: the stored response, fn not run, no event.
	resp, runs, err = write(req, fullChild("c1", "LA-1"))
	if err != nil || resp.Value != "c1" || runs != 0 {
		t.Fatalf("retry: %v %d %v", resp, runs, err)
	}
	// The same id for another request.
	if _, _, err = write(wrapperspb.String("other"), fullChild("c2", "LA-2")); errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("reused id: %v", err)
	}
	if *published != 1 {
		t.Fatalf("published called %d times, want 1", *published)
	}
	var pending []events.Event
	if err := st.DB().View(func(tx *bolt.Tx) (err error) { pending, err = events.PendingEvents(tx, 0); return err }); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].Subject != "caseload.child.registered" {
		t.Fatalf("outbox = %+v", pending)
	}
	ev := &caseloadv1.CaseloadEvent{}
	if err := proto.Unmarshal(pending[0].Data, ev); err != nil || ev.GetEventId() != pending[0].ID || ev.GetChildId() != "c1" {
		t.Fatalf("event %v (%v), row id %s", ev, err, pending[0].ID)
	}

	// A failing fn writes nothing and leaves the cache alone.
	err = st.Write(ctx, "rid-2", req, &wrapperspb.StringValue{}, func(tx caseload.MilestoneTx) error {
		if err := tx.PutChild(fullChild("c3", "LA-3")); err != nil {
			return err
		}
		return errs.Invalid(errs.Violation{Field: "x", Rule: "y", Message: "no"})
	})
	if errs.KindOf(err) != errs.KindInvalid {
		t.Fatal(err)
	}
	if _, ok := st.Child("c3"); ok {
		t.Fatal("a failed write reached the cache")
	}
	if err := st.DB().View(func(tx *bolt.Tx) error {
		if tx.Bucket(BucketChildren).Get([]byte("c3")) != nil {
			return errors.New("a failed write reached the file")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// A second child may not take the first one's la_child_id.
	dup := fullChild("c4", "LA-1")
	if err := st.Write(ctx, "", nil, nil, func(tx caseload.MilestoneTx) error { return tx.PutChild(dup) }); errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("duplicate la_child_id: %v", err)
	}
	// A cancelled context writes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := st.Write(cctx, "", nil, nil, func(caseload.MilestoneTx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// The cache never goes back to an older revision, whatever order commits
// are applied in.
func TestApplyKeepsTheNewestRevision(t *testing.T) {
	st, _, _ := newStore(t)
	v2 := fullChild("c1", "LA-1")
	v2.Revision = 2
	v1 := fullChild("c1", "LA-1")
	v1.Revision = 1
	v1.Allocations = nil
	st.apply(map[string]*caseload.Child{"c1": v2})
	st.apply(map[string]*caseload.Child{"c1": v1})
	if got, _ := st.Child("c1"); got != v2 {
		t.Fatal("an older revision replaced a newer one")
	}
	if page, _ := st.List(Query{WorkerID: "w2", Limit: 10}); len(page) != 1 {
		t.Fatalf("worker index lost: %v", page)
	}
}

func TestReopenLoadsEverything(t *testing.T) {
	st, path, _ := newStore(t)
	for i := range 5 {
		put(t, st, fullChild(fmt.Sprintf("c%d", i), fmt.Sprintf("LA-%d", i)))
	}
	if err := st.SetMilestonesScannedThrough(d("2026-06-29")); err != nil {
		t.Fatal(err)
	}
	_ = st.DB().Close()
	db := openDB(t, path)
	defer db.Close()
	st2, err := Open(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if st2.Len() != 5 {
		t.Fatalf("%d children after reopening", st2.Len())
	}
	got, ok := st2.ChildByLAChildID("LA-3")
	if !ok || !reflect.DeepEqual(got.Clone(), fullChild("c3", "LA-3")) {
		t.Fatalf("LA-3 = %+v", got)
	}
	if through, err := st2.MilestonesScannedThrough(); err != nil || through != d("2026-06-29") {
		t.Fatalf("scanned through %v, %v", through, err)
	}
	if n := len(st2.BornOn(2, 28)); n != 5 {
		t.Fatalf("born on 28 February: %d", n)
	}
}

func TestList(t *testing.T) {
	st, _, _ := newStore(t)
	mk := func(id, given, family, worker, team string) {
		c := &caseload.Child{ID: id, LAChildID: "LA-" + id, GivenName: given, FamilyName: family, DOB: d("2012-01-01"), Revision: 1}
		if worker != "" {
			c.Allocations = []caseload.Allocation{{WorkerID: worker, TeamID: team, Start: d("2025-01-01")}}
		}
		put(t, st, c)
	}
	mk("c5", "Eve", "Stone", "w1", "t1")
	mk("c1", "Ann", "Smith", "w1", "t1")
	mk("c3", "Cat", "Ng", "w2", "t1")
	mk("c2", "Bob", "Smythe", "w2", "t2")
	mk("c4", "Dan", "Ng", "", "")
	ids := func(cs []*caseload.Child) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		q    Query
		want []string
		more bool
	}{
		{"all", Query{Limit: 10}, []string{"c1", "c2", "c3", "c4", "c5"}, false},
		{"first page", Query{Limit: 2}, []string{"c1", "c2"}, true},
		{"after c2", Query{Limit: 2, After: "c2"}, []string{"c3", "c4"}, true},
		{"last page", Query{Limit: 2, After: "c4"}, []string{"c5"}, false},
		{"worker", Query{Limit: 10, WorkerID: "w1"}, []string{"c1", "c5"}, false},
		{"team", Query{Limit: 10, TeamID: "t1"}, []string{"c1", "c3", "c5"}, false},
		{"worker and team", Query{Limit: 10, WorkerID: "w2", TeamID: "t1"}, []string{"c3"}, false},
		{"name prefix", Query{Limit: 10, NamePrefix: "SM"}, []string{"c1", "c2"}, false},
		{"given name prefix", Query{Limit: 10, NamePrefix: "d"}, []string{"c4"}, false},
		{"match", Query{Limit: 10, Match: func(c *caseload.Child) bool { return c.FamilyName == "Ng" }}, []string{"c3", "c4"}, false},
		{"page of a worker", Query{Limit: 1, WorkerID: "w1"}, []string{"c1"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			page, more := st.List(tt.q)
			if !slices.Equal(ids(page), tt.want) || more != tt.more {
				t.Fatalf("got %v more=%v, want %v more=%v", ids(page), more, tt.want, tt.more)
			}
		})
	}
	var all []string
	st.Each(func(c *caseload.Child) bool { all = append(all, c.ID); return len(all) < 3 })
	if !slices.Equal(all, []string{"c1", "c2", "c3"}) {
		t.Fatalf("Each = %v", all)
	}
}

func TestMilestoneRecords(t *testing.T) {
	st, _, _ := newStore(t)
	err := st.Write(context.Background(), "", nil, nil, func(tx caseload.MilestoneTx) error {
		if done, _ := tx.MilestonePublished("c1", 16); done {
			return errors.New("published before recording")
		}
		if err := tx.RecordMilestone("c1", 16, d("2026-07-01")); err != nil {
			return err
		}
		if done, _ := tx.MilestonePublished("c1", 16); !done {
			return errors.New("not recorded")
		}
		if done, _ := tx.MilestonePublished("c1", 18); done {
			return errors.New("another age recorded")
		}
		return tx.RecordMilestone("c1", 300, d("2026-07-01"))
	})
	if errs.KindOf(err) != errs.KindInternal {
		t.Fatalf("age 300: %v", err)
	}
}

func TestEventMessages(t *testing.T) {
	base := caseload.Event{ChildID: "c", Effective: d("2026-06-30"), MonthOfBirth: "2010-02", At: now}
	for _, tt := range []struct {
		ev    caseload.Event
		check func(*caseloadv1.CaseloadEvent) bool
	}{
		{caseload.Event{Kind: caseload.ChildRegistered, Sex: "M", Ethnicity: "WBRI"}, func(m *caseloadv1.CaseloadEvent) bool { return m.GetChildRegistered().GetSex() == "M" }},
		{caseload.Event{Kind: caseload.PeriodStarted, PeriodID: "p", LegalStatus: "C1", CategoryOfNeed: "N1", UASC: true}, func(m *caseloadv1.CaseloadEvent) bool { return m.GetPeriodStarted().GetUasc() }},
		{caseload.Event{Kind: caseload.LegalStatusChanged, PreviousLegalStatus: "C1", LegalStatus: "C2"}, func(m *caseloadv1.CaseloadEvent) bool {
			return m.GetLegalStatusChanged().GetPreviousLegalStatus() == "C1"
		}},
		{caseload.Event{Kind: caseload.PeriodEnded, ReasonCeased: "E17", LeavingCare: caseload.Eligible, Age: 18}, func(m *caseloadv1.CaseloadEvent) bool {
			return m.GetPeriodEnded().GetAgeAtEnd() == 18 && m.GetPeriodEnded().GetLeavingCareStatus() == caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE
		}},
		{caseload.Event{Kind: caseload.UASCChanged, UASC: true}, func(m *caseloadv1.CaseloadEvent) bool { return m.GetUascChanged().GetIsUasc() }},
		{caseload.Event{Kind: caseload.AllocationChanged, WorkerID: "w", TeamID: "t"}, func(m *caseloadv1.CaseloadEvent) bool { return m.GetAllocationChanged().GetTeamId() == "t" }},
		{caseload.Event{Kind: caseload.AgeMilestone, Age: 16}, func(m *caseloadv1.CaseloadEvent) bool { return m.GetAgeMilestone().GetAge() == 16 }},
		{caseload.Event{Kind: caseload.CareCorrected, CorrectionKind: caseload.ReopenPeriod, LookedAfter: true}, func(m *caseloadv1.CaseloadEvent) bool {
			return m.GetCareCorrected().GetCorrectionKind() == "reopen_period" && m.GetCareCorrected().GetLookedAfter()
		}},
	} {
		ev := tt.ev
		ev.ChildID, ev.Effective, ev.MonthOfBirth, ev.At = base.ChildID, base.Effective, base.MonthOfBirth, base.At
		m := EventMessage("id-1", ev)
		if m.GetEventId() != "id-1" || m.GetEffectiveDate() != "2026-06-30" || m.GetMonthOfBirth() != "2010-02" || !tt.check(m) {
			t.Errorf("%s: %v", ev.Kind, m)
		}
		if Subject(ev.Kind) != "caseload."+string(ev.Kind) {
			t.Errorf("subject %s", Subject(ev.Kind))
		}
	}
	for s, want := range map[caseload.LeavingCareStatus]caseloadv1.LeavingCareStatus{
		caseload.LeavingCareNone: caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_NONE,
		caseload.Relevant:        caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_RELEVANT,
		caseload.FormerRelevant:  caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_FORMER_RELEVANT,
	} {
		if LeavingCareStatusPB(s) != want {
			t.Errorf("%v → %v", s, LeavingCareStatusPB(s))
		}
	}
}

// The schema names every bucket once and the file remembers its version.
func TestSchema(t *testing.T) {
	s := Schema()
	if s.Name != "caseload" || s.Version != SchemaVersion || len(s.Buckets) != 5 {
		t.Fatalf("schema = %+v", s)
	}
	st, _, _ := newStore(t)
	name, v, err := boltdb.StoredSchema(st.DB())
	if err != nil || name != "caseload" || v != SchemaVersion {
		t.Fatalf("stored schema %q %d %v", name, v, err)
	}
}
