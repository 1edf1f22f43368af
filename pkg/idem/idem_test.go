package idem_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/idem"
)

var (
	records = []byte("records")
	t0      = time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC)
)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := boltdb.Open(path, boltdb.Schema{Name: "test", Version: 1, Buckets: [][]byte{records, idem.Bucket}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newDB(t *testing.T) *bolt.DB {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "test.db"))
	t.Cleanup(func() { db.Close() })
	return db
}

// write is the pattern a service handler follows: check, write, record, all
// in one transaction. It returns the response and whether it was replayed.
func write(db *bolt.DB, id string, req proto.Message, now time.Time) (*wrapperspb.StringValue, bool, error) {
	resp := &wrapperspb.StringValue{}
	var replayed bool
	err := db.Update(func(tx *bolt.Tx) error {
		found, err := idem.Check(tx, id, req, resp)
		if err != nil || found {
			replayed = found
			return err
		}
		b := tx.Bucket(records)
		seq, _ := b.NextSequence()
		if err := b.Put(boltdb.U64Key(seq), []byte("x")); err != nil {
			return err
		}
		resp.Value = fmt.Sprintf("record-%d", seq)
		return idem.Record(tx, id, req, resp, now)
	})
	return resp, replayed, err
}

func countRecords(t *testing.T, db *bolt.DB) int {
	t.Helper()
	n := 0
	_ = db.View(func(tx *bolt.Tx) error { n = tx.Bucket(records).Stats().KeyN; return nil })
	return n
}

func TestCheckAndRecord(t *testing.T) {
	type call struct {
		id           string
		req          proto.Message
		wantResp     string
		wantReplayed bool
		wantKind     errs.Kind
	}
	reqA := wrapperspb.String("register child A")
	reqB := wrapperspb.String("register child B")
	tests := []struct {
		name        string
		calls       []call
		wantRecords int
	}{
		{"first call writes", []call{{id: "r1", req: reqA, wantResp: "record-1"}}, 1},
		{"same id same request replays", []call{
			{id: "r1", req: reqA, wantResp: "record-1"},
			{id: "r1", req: wrapperspb.String("register child A"), wantResp: "record-1", wantReplayed: true},
		}, 1},
		{"same id different request is AlreadyExists", []call{
			{id: "r1", req: reqA, wantResp: "record-1"},
			{id: "r1", req: reqB, wantKind: errs.KindAlreadyExists},
		}, 1},
		{"same id same bytes different message type", []call{
			{id: "r1", req: wrapperspb.String("x"), wantResp: "record-1"},
			{id: "r1", req: wrapperspb.Bytes([]byte("x")), wantKind: errs.KindAlreadyExists},
		}, 1},
		{"different ids write twice", []call{
			{id: "r1", req: reqA, wantResp: "record-1"},
			{id: "r2", req: reqA, wantResp: "record-2"},
		}, 2},
		{"empty id opts out", []call{
			{id: "", req: reqA, wantResp: "record-1"},
			{id: "", req: reqA, wantResp: "record-2"},
		}, 2},
		{"too long id is invalid", []call{
			{id: strings.Repeat("x", idem.MaxIDLen+1), req: reqA, wantKind: errs.KindInvalid},
		}, 0},
		{"longest id is fine", []call{
			{id: strings.Repeat("x", idem.MaxIDLen), req: reqA, wantResp: "record-1"},
			{id: strings.Repeat("x", idem.MaxIDLen), req: reqA, wantResp: "record-1", wantReplayed: true},
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t)
			for i, c := range tt.calls {
				resp, replayed, err := write(db, c.id, c.req, t0)
				if c.wantKind != errs.KindOK {
					if errs.KindOf(err) != c.wantKind {
						t.Fatalf("call %d: err = %v (kind %v), want kind %v", i, err, errs.KindOf(err), c.wantKind)
					}
					continue
				}
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if resp.GetValue() != c.wantResp || replayed != c.wantReplayed {
					t.Fatalf("call %d: resp %q replayed %v, want %q %v", i, resp.GetValue(), replayed, c.wantResp, c.wantReplayed)
				}
			}
			if n := countRecords(t, db); n != tt.wantRecords {
				t.Fatalf("%d records written, want %d", n, tt.wantRecords)
			}
		})
	}
}

func TestAlreadyExistsMessageNamesID(t *testing.T) {
	db := newDB(t)
	if _, _, err := write(db, "req-7", wrapperspb.String("a"), t0); err != nil {
		t.Fatal(err)
	}
	_, _, err := write(db, "req-7", wrapperspb.String("b"), t0)
	var e *errs.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, `"req-7"`) || !strings.Contains(e.Message, "different request") {
		t.Fatalf("err = %v", err)
	}
}

func TestRecordTwiceKeepsFirstResponse(t *testing.T) {
	db := newDB(t)
	req := wrapperspb.String("a")
	err := db.Update(func(tx *bolt.Tx) error {
		if err := idem.Record(tx, "r1", req, wrapperspb.String("first"), t0); err != nil {
			return err
		}
		return idem.Record(tx, "r1", req, wrapperspb.String("second"), t0.Add(time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return idem.Record(tx, "r1", wrapperspb.String("other"), wrapperspb.String("third"), t0)
	})
	if errs.KindOf(err) != errs.KindAlreadyExists {
		t.Fatalf("Record with another request: %v", err)
	}
	var resp wrapperspb.StringValue
	_ = db.View(func(tx *bolt.Tx) error {
		found, err := idem.Check(tx, "r1", req, &resp)
		if !found || err != nil || resp.GetValue() != "first" {
			t.Fatalf("Check = %v, %v, %q", found, err, resp.GetValue())
		}
		return nil
	})
}

func TestFailedWriteRecordsNothing(t *testing.T) {
	db := newDB(t)
	req := wrapperspb.String("a")
	boom := errors.New("rule check failed after recording")
	err := db.Update(func(tx *bolt.Tx) error {
		if err := idem.Record(tx, "r1", req, wrapperspb.String("lost"), t0); err != nil {
			return err
		}
		return boom // the transaction rolls back: the id must be free again
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	resp, replayed, err := write(db, "r1", req, t0)
	if err != nil || replayed || resp.GetValue() != "record-1" {
		t.Fatalf("after rollback: %q replayed=%v err=%v", resp.GetValue(), replayed, err)
	}
}

func TestCheckWithoutBucket(t *testing.T) {
	// A file whose schema forgot idem.Bucket: Check in a read transaction
	// finds nothing, and Record creates the bucket.
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "x.db"), boltdb.Schema{Name: "x", Version: 1, Buckets: [][]byte{records}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		found, err := idem.Check(tx, "r1", wrapperspb.String("a"), &wrapperspb.StringValue{})
		if found || err != nil {
			t.Fatalf("Check = %v, %v", found, err)
		}
		return nil
	})
	if _, _, err := write(db, "r1", wrapperspb.String("a"), t0); err != nil {
		t.Fatal(err)
	}
	if _, replayed, err := write(db, "r1", wrapperspb.String("a"), t0); err != nil || !replayed {
		t.Fatalf("replay = %v, %v", replayed, err)
	}
}

func TestSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	db := openDB(t, path)
	req := wrapperspb.String("a")
	if _, _, err := write(db, "r1", req, t0); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openDB(t, path)
	defer db.Close()
	resp, replayed, err := write(db, "r1", req, t0)
	if err != nil || !replayed || resp.GetValue() != "record-1" {
		t.Fatalf("after reopen: %q replayed=%v err=%v", resp.GetValue(), replayed, err)
	}
}

func TestConcurrentSameID(t *testing.T) {
	// Many callers retrying one request at once: exactly one write happens
	// and every caller gets its response.
	db := newDB(t)
	req := wrapperspb.String("a")
	const n = 16
	var wg sync.WaitGroup
	results := make([]string, n)
	errsSeen := make([]error, n)
	for i := range n {
		wg.Go(func() {
			resp, _, err := write(db, "same", req, t0)
			results[i], errsSeen[i] = resp.GetValue(), err
		})
	}
	wg.Wait()
	for i := range n {
		if errsSeen[i] != nil || results[i] != "record-1" {
			t.Fatalf("caller %d: %q, %v", i, results[i], errsSeen[i])
		}
	}
	if c := countRecords(t, db); c != 1 {
		t.Fatalf("%d records written, want 1", c)
	}
}

func TestPrune(t *testing.T) {
	db := newDB(t)
	req := wrapperspb.String("a")
	// Entries recorded 48h, 25h, 23h and 1h before "now".
	now := t0.Add(72 * time.Hour)
	ages := map[string]time.Duration{"old48": 48 * time.Hour, "old25": 25 * time.Hour, "new23": 23 * time.Hour, "new1": time.Hour}
	for id, age := range ages {
		if _, _, err := write(db, id, req, now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := idem.Prune(db, 23*time.Hour, now); err == nil {
		t.Fatal("Prune accepted a retention under 24h")
	}
	n, err := idem.Prune(db, idem.MinRetention, now)
	if err != nil || n != 2 {
		t.Fatalf("Prune = %d, %v; want 2", n, err)
	}
	for id, age := range ages {
		_, replayed, err := write(db, id, req, now)
		if err != nil {
			t.Fatal(err)
		}
		if kept := age < idem.MinRetention; replayed != kept {
			t.Errorf("%s: replayed=%v, want %v", id, replayed, kept)
		}
	}
	// Nothing more is old enough.
	if n, err := idem.Prune(db, idem.MinRetention, now); err != nil || n != 0 {
		t.Fatalf("second Prune = %d, %v", n, err)
	}
}

func TestPruneManyBatches(t *testing.T) {
	db := newDB(t)
	const n = 2500 // more than one prune batch
	err := db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			req := wrapperspb.String(fmt.Sprint(i))
			if err := idem.Record(tx, fmt.Sprintf("id-%05d", i), req, req, t0.Add(time.Duration(i)*time.Millisecond)); err != nil {
				return err
			}
		}
		return idem.Record(tx, "recent", wrapperspb.String("r"), wrapperspb.String("r"), t0.Add(48*time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := idem.Prune(db, idem.MinRetention, t0.Add(48*time.Hour))
	if err != nil || got != n {
		t.Fatalf("Prune = %d, %v; want %d", got, err, n)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		found, err := idem.Check(tx, "recent", wrapperspb.String("r"), &wrapperspb.StringValue{})
		if !found || err != nil {
			t.Fatalf("recent entry pruned: %v, %v", found, err)
		}
		return nil
	})
}

func TestPruneEmpty(t *testing.T) {
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "x.db"), boltdb.Schema{Name: "x", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := idem.Prune(db, idem.MinRetention, t0); n != 0 || err != nil {
		t.Fatalf("Prune on a file without the bucket = %d, %v", n, err)
	}
}

func TestRequired(t *testing.T) {
	tests := []struct {
		id       string
		wantRule string
	}{
		{"", "required"},
		{"0190d5a4-7b1c-7cc3-8f00-1a2b3c4d5e6f", ""},
		{strings.Repeat("a", idem.MaxIDLen), ""},
		{strings.Repeat("a", idem.MaxIDLen+1), "format"},
	}
	for _, tt := range tests {
		v := idem.Required(tt.id)
		switch {
		case tt.wantRule == "" && v != nil:
			t.Errorf("Required(%d bytes) = %+v, want nil", len(tt.id), v)
		case tt.wantRule != "" && (v == nil || v.Rule != tt.wantRule || v.Field != "request_id"):
			t.Errorf("Required(%d bytes) = %+v, want field request_id rule %s", len(tt.id), v, tt.wantRule)
		}
	}
	// The violation slots into a collector.
	var vs errs.Violations
	if v := idem.Required(""); v != nil {
		vs.Append(*v)
	}
	if errs.KindOf(vs.Err()) != errs.KindInvalid {
		t.Fatal("collector did not produce Invalid")
	}
}
