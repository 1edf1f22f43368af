package store

import (
	"encoding/binary"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

func openDB(t *testing.T) (*bolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "metrics.db")
	db, err := boltdb.Open(path, Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db, path
}

func samplePoints() []projection.Point {
	d := clock.MustParseDate
	return []projection.Point{
		{Child: "01J0CHILDA", Kind: projection.KindCare, Date: d("2025-04-01"), Rank: projection.RankNormal, Care: projection.Care{LookedAfter: true, LegalStatus: "C2"}},
		{Child: "01J0CHILDA", Kind: projection.KindUASC, Date: d("2025-04-01"), Rank: projection.RankNormal, UASC: true},
		{Child: "01J0CHILDA", Kind: projection.KindPlacement, Date: d("2025-04-02"), Rank: projection.RankNormal,
			Placement: projection.Placement{Present: true, Type: "T1", Group: codes.GroupTemporary, Location: projection.LocationOutside, Distance: codes.DistanceNotKnown, Temporary: true}},
		{Child: "01J0CHILDA", Kind: projection.KindPlacement, Date: d("2025-05-02"), Rank: projection.RankNormal, Placement: projection.Placement{}},
		{Child: "01J0CHILDB", Kind: projection.KindCareLeaver, Date: d("2024-02-29"), Rank: projection.RankNormal, CareLeaver: projection.CareLeaver{Open: true, Category: "former_relevant"}},
		{Child: "01J0CHILDB", Kind: projection.KindAgeBand, Date: d("2024-02-29"), Rank: projection.RankNormal, AgeBand: codes.AgeBand19To21},
		{Child: "01J0CHILDB", Kind: projection.KindContact, Date: d("2024-03-01"), Rank: projection.RankSuperseded, Contact: projection.Contact{InTouch: "YES", Activity: "F5", Accommodation: "U1"}},
		{Child: "01J0CHILDB", Kind: projection.KindMonthOfBirth, Date: d("2024-02-29"), Rank: projection.RankNormal, MonthOfBirth: "2004-06"},
	}
}

func TestAppendAndLoadRoundTrip(t *testing.T) {
	db, _ := openDB(t)
	pts := samplePoints()
	// Three events: two points, one point, the rest.
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, ev := range [][]projection.Point{pts[:2], pts[2:3], pts[3:]} {
			if err := Append(tx, ev); err != nil {
				return err
			}
		}
		return Append(tx, nil)
	}); err != nil {
		t.Fatal(err)
	}
	wantArrivals := []uint64{16, 17, 32, 48, 49, 50, 51, 52}
	for i, p := range pts {
		if p.Arrival != wantArrivals[i] {
			t.Fatalf("point %d arrival %d, want %d", i, p.Arrival, wantArrivals[i])
		}
	}
	var got []projection.Point
	var batches int
	n, err := Load(db, 3, func(b []projection.Point) {
		batches++
		got = append(got, b...)
	})
	if err != nil || n != len(pts) || batches != 3 {
		t.Fatalf("Load: %d points in %d batches, %v", n, batches, err)
	}
	if !reflect.DeepEqual(got, pts) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, pts)
	}
}

func TestRolledBackAppendLeavesNoPoints(t *testing.T) {
	db, _ := openDB(t)
	_ = db.Update(func(tx *bolt.Tx) error {
		if err := Append(tx, samplePoints()); err != nil {
			t.Fatal(err)
		}
		return errRollback
	})
	n, err := Load(db, 10, func([]projection.Point) {})
	if err != nil || n != 0 {
		t.Fatalf("%d points after rollback (%v)", n, err)
	}
}

type rollback struct{}

func (rollback) Error() string { return "rollback" }

var errRollback error = rollback{}

func TestCorruptRecordIsAnError(t *testing.T) {
	db, _ := openDB(t)
	err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketPoints).Put(binary.BigEndian.AppendUint64(nil, 1), []byte{1, 'L', 0, 0})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(db, 10, func([]projection.Point) {}); err == nil {
		t.Fatal("truncated record loaded")
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(BucketPoints).Put(binary.BigEndian.AppendUint64(nil, 1), []byte{1, '?', 1, 52, 0x2b, 0x5f, 1, 1, 'x'})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(db, 10, func([]projection.Point) {}); err == nil {
		t.Fatal("unknown kind loaded")
	}
	for name, rec := range map[string][]byte{"no points": {0}, "trailing bytes": {1, 'U', 1, 53, 37, 235, 1, 1, 'x', 1, 9}, "bad date": {1, 'U', 1, 52, 0x2b, 0x5f, 1, 1, 'x', 1}} {
		if err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(BucketPoints).Put(binary.BigEndian.AppendUint64(nil, 1), rec)
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(db, 10, func([]projection.Point) {}); err == nil {
			t.Fatalf("%s: loaded", name)
		}
	}
	if err := db.Update(func(tx *bolt.Tx) error { return Append(tx, make([]projection.Point, MaxPointsPerRecord+1)) }); err == nil {
		t.Fatal("too many points appended")
	}
	if err := db.Update(func(tx *bolt.Tx) error { return Append(tx, []projection.Point{{Kind: 'z'}}) }); err == nil {
		t.Fatal("unknown kind appended")
	}
}

func TestSequenceReservationSurvivesReopen(t *testing.T) {
	db, path := openDB(t)
	start, end, err := ReserveAtStart(db, 1000)
	if err != nil || start != 0 || end != 1000 {
		t.Fatalf("first reservation %d..%d %v", start, end, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return PutSeqReserved(tx, 5000) }); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	db2, err := boltdb.Open(path, Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	start, end, err = ReserveAtStart(db2, 1000)
	if err != nil || start != 5000 || end != 6000 {
		t.Fatalf("after reopen %d..%d %v", start, end, err)
	}
	_ = db2.View(func(tx *bolt.Tx) error {
		if got := SeqReserved(tx); got != 6000 {
			t.Fatalf("stored %d", got)
		}
		return nil
	})
}

func TestSchemaRefusesAnotherServicesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := boltdb.Open(path, boltdb.Schema{Name: "caseload", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if db, err := boltdb.Open(path, Schema()); err == nil {
		_ = db.Close()
		t.Fatal("opened caseload's file as metrics")
	}
}
