package boltdb_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/corporate-parenting/suite/pkg/boltdb"
)

var (
	children = []byte("children")
	periods  = []byte("periods")
)

func caseloadSchema(version int) boltdb.Schema {
	return boltdb.Schema{Name: "caseload", Version: version, Buckets: [][]byte{children, periods}}
}

func TestOpenCreatesBucketsAndSchema(t *testing.T) {
	// A nested, not yet existing directory: Open makes it.
	path := filepath.Join(t.TempDir(), "data", "caseload", "caseload.db")
	db, err := boltdb.Open(path, caseloadSchema(3))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.NoSync {
		t.Fatal("NoSync is set: writes would not be durable")
	}
	err = db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{children, periods, boltdb.MetaBucket} {
			if tx.Bucket(b) == nil {
				t.Errorf("bucket %q missing", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	name, version, err := boltdb.StoredSchema(db)
	if err != nil || name != "caseload" || version != 3 {
		t.Fatalf("StoredSchema = %q, %d, %v", name, version, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "caseload.db")
	db, err := boltdb.Open(path, caseloadSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return boltdb.PutProto(tx.Bucket(children), []byte("c-1"), wrapperspb.String("record one"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A later binary adds a bucket without a version bump: Open creates it.
	s := caseloadSchema(1)
	s.Buckets = append(s.Buckets, []byte("allocations"))
	db, err = boltdb.Open(path, s)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		var got wrapperspb.StringValue
		found, err := boltdb.GetProto(tx.Bucket(children), []byte("c-1"), &got)
		if err != nil || !found || got.GetValue() != "record one" {
			t.Errorf("GetProto after reopen = %v, %v, %q", found, err, got.GetValue())
		}
		if tx.Bucket([]byte("allocations")) == nil {
			t.Error("new bucket not created on reopen")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "caseload.db")
	db, err := boltdb.Open(path, caseloadSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// bbolt locks with flock, which is per open file, so a second handle in
	// the same process is refused just as a second process would be.
	_, err = boltdb.Open(path, caseloadSchema(1))
	if !errors.Is(err, bolt.ErrTimeout) {
		t.Fatalf("second Open error = %v, want bolt.ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "locked") {
		t.Errorf("error %q does not say the file is locked", err)
	}
}

func TestSchemaMismatch(t *testing.T) {
	tests := []struct {
		name       string
		first      boltdb.Schema
		then       boltdb.Schema
		wantReason error
	}{
		{"same", caseloadSchema(2), caseloadSchema(2), nil},
		{"older binary on newer file", caseloadSchema(3), caseloadSchema(2), boltdb.ErrNewerSchema},
		{"newer binary on older file", caseloadSchema(1), caseloadSchema(2), boltdb.ErrMigrationNeeded},
		{"another service's file", caseloadSchema(1),
			boltdb.Schema{Name: "placement", Version: 1, Buckets: [][]byte{[]byte("placements")}}, boltdb.ErrWrongSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.db")
			db, err := boltdb.Open(path, tt.first)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = boltdb.Open(path, tt.then)
			if tt.wantReason == nil {
				if err != nil {
					t.Fatal(err)
				}
				db.Close()
				return
			}
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !errors.Is(err, tt.wantReason) {
				t.Fatalf("error %v, want %v", err, tt.wantReason)
			}
			var se *boltdb.SchemaError
			if !errors.As(err, &se) || se.StoredName != tt.first.Name || se.StoredVersion != tt.first.Version {
				t.Fatalf("SchemaError = %+v", se)
			}
			for _, want := range []string{path, tt.first.Name, tt.then.Name} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			// The refused open released the file: the right binary opens it.
			db, err = boltdb.Open(path, tt.first)
			if err != nil {
				t.Fatalf("reopen with the original schema: %v", err)
			}
			db.Close()
			// And the refusal wrote nothing.
			db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: boltdb.LockTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_ = db.View(func(tx *bolt.Tx) error {
				for _, b := range tt.then.Buckets {
					if tx.Bucket(b) == nil {
						continue
					}
					if !contains(tt.first.Buckets, b) {
						t.Errorf("refused open created bucket %q", b)
					}
				}
				return nil
			})
		})
	}
}

func contains(list [][]byte, b []byte) bool {
	for _, x := range list {
		if string(x) == string(b) {
			return true
		}
	}
	return false
}

func TestRefusesForeignFile(t *testing.T) {
	// A bbolt file not made by Open (no meta bucket) is not guessed at.
	path := filepath.Join(t.TempDir(), "foreign.db")
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: boltdb.LockTimeout})
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("stuff")); return err }); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = boltdb.Open(path, caseloadSchema(1))
	if !errors.Is(err, boltdb.ErrWrongSchema) {
		t.Fatalf("error = %v, want ErrWrongSchema", err)
	}
	if !strings.Contains(err.Error(), "no schema record") {
		t.Errorf("error %q does not say there is no schema record", err)
	}
}

func TestBadSchema(t *testing.T) {
	tests := []struct {
		name string
		s    boltdb.Schema
	}{
		{"no name", boltdb.Schema{Version: 1}},
		{"version zero", boltdb.Schema{Name: "x"}},
		{"reserved bucket", boltdb.Schema{Name: "x", Version: 1, Buckets: [][]byte{[]byte("meta")}}},
		{"empty bucket", boltdb.Schema{Name: "x", Version: 1, Buckets: [][]byte{{}}}},
		{"duplicate bucket", boltdb.Schema{Name: "x", Version: 1, Buckets: [][]byte{[]byte("a"), []byte("a")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if db, err := boltdb.Open(filepath.Join(t.TempDir(), "x.db"), tt.s); err == nil {
				db.Close()
				t.Fatal("Open accepted a bad schema")
			}
		})
	}
}

func TestU64Key(t *testing.T) {
	tests := []uint64{0, 1, 255, 256, 1 << 32, 1<<64 - 1}
	for i, n := range tests {
		k := boltdb.U64Key(n)
		if len(k) != 8 {
			t.Fatalf("U64Key(%d) has %d bytes", n, len(k))
		}
		back, err := boltdb.KeyU64(k)
		if err != nil || back != n {
			t.Fatalf("KeyU64(U64Key(%d)) = %d, %v", n, back, err)
		}
		if i > 0 && string(boltdb.U64Key(tests[i-1])) >= string(k) {
			t.Fatalf("U64Key(%d) does not sort before U64Key(%d)", tests[i-1], n)
		}
	}
	if _, err := boltdb.KeyU64([]byte("short")); err == nil {
		t.Fatal("KeyU64 accepted a 5-byte key")
	}
}

func TestProtoHelpers(t *testing.T) {
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "x.db"), caseloadSchema(1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		name string
		put  proto.Message
		key  string
	}{
		{"value", wrapperspb.String("x"), "a"},
		{"empty message", &wrapperspb.StringValue{}, "b"}, // marshals to zero bytes
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.Update(func(tx *bolt.Tx) error {
				return boltdb.PutProto(tx.Bucket(children), []byte(tt.key), tt.put)
			}); err != nil {
				t.Fatal(err)
			}
			var got wrapperspb.StringValue
			var found bool
			if err := db.View(func(tx *bolt.Tx) (err error) {
				found, err = boltdb.GetProto(tx.Bucket(children), []byte(tt.key), &got)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if !found || !proto.Equal(&got, tt.put) {
				t.Fatalf("GetProto = %v, %v; want %v", found, &got, tt.put)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		_ = db.View(func(tx *bolt.Tx) error {
			found, err := boltdb.GetProto(tx.Bucket(children), []byte("nope"), &wrapperspb.StringValue{})
			if found || err != nil {
				t.Fatalf("GetProto(missing) = %v, %v", found, err)
			}
			return nil
		})
	})
	t.Run("corrupt", func(t *testing.T) {
		_ = db.Update(func(tx *bolt.Tx) error {
			if err := tx.Bucket(children).Put([]byte("bad"), []byte{0xff, 0xff, 0xff}); err != nil {
				t.Fatal(err)
			}
			found, err := boltdb.GetProto(tx.Bucket(children), []byte("bad"), &wrapperspb.StringValue{})
			if !found || err == nil {
				t.Fatalf("GetProto(corrupt) = %v, %v; want found with an error", found, err)
			}
			return nil
		})
	})
}
