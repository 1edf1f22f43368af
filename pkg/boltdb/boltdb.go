// Package boltdb opens a service's bbolt file with the suite's settings and
// guards it with a stored schema name and version, so a binary never writes
// into a file laid out by a newer binary or by another service.
package boltdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// MetaBucket holds the schema name and version. Services must not use it.
var MetaBucket = []byte("meta")

var (
	keySchemaName    = []byte("schema_name")
	keySchemaVersion = []byte("schema_version")
)

// LockTimeout is how long Open waits for another process (or handle) to
// release the file lock. Without it bolt.Open blocks for ever.
const LockTimeout = time.Second

// Schema names a service's file layout. Bump Version whenever the meaning of
// a bucket or key changes; adding a bucket does not need a bump, since Open
// creates any missing bucket.
type Schema struct {
	Name    string // the owning service, e.g. "caseload"
	Version int    // ≥ 1
	Buckets [][]byte
}

// Sentinel reasons, for errors.Is. Open wraps them in a *SchemaError.
var (
	// ErrMigrationNeeded: the file was written by an older schema version.
	// No migrations exist yet; when one does, it runs on this error.
	ErrMigrationNeeded = errors.New("schema migration needed")
	// ErrNewerSchema: the file was written by a newer binary; running an
	// older binary on it could corrupt records, so Open refuses.
	ErrNewerSchema = errors.New("file written by a newer schema version")
	// ErrWrongSchema: the file belongs to another service, or is not a
	// suite file at all.
	ErrWrongSchema = errors.New("file belongs to another schema")
)

// SchemaError says why Open refused a file.
type SchemaError struct {
	Path          string
	StoredName    string
	StoredVersion int
	Want          Schema
	Reason        error // one of the sentinels above
}

func (e *SchemaError) Error() string {
	stored := "no schema record"
	if e.StoredName != "" || e.StoredVersion != 0 {
		stored = fmt.Sprintf("schema %q version %d", e.StoredName, e.StoredVersion)
	}
	return fmt.Sprintf("boltdb: %s has %s; this binary expects schema %q version %d: %v",
		e.Path, stored, e.Want.Name, e.Want.Version, e.Reason)
}

func (e *SchemaError) Unwrap() error { return e.Reason }

// Open opens (creating if need be) the bbolt file at path for schema s.
//
// It creates the parent directory, waits at most LockTimeout for the file
// lock, creates every bucket, and records s.Name and s.Version on first use.
// On a later open it refuses (with a *SchemaError) a file whose stored name
// differs, whose version is newer, or older (ErrMigrationNeeded), and a file
// that already holds buckets but no schema record.
//
// Sync stays on: a write returns only once it is on disk, which the outbox
// and idempotency guarantees rely on.
func Open(path string, s Schema) (*bolt.DB, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("boltdb: create directory for %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: LockTimeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("boltdb: %s is locked by another process (is the service already running?): %w", path, err)
		}
		return nil, fmt.Errorf("boltdb: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { return initialise(tx, path, s) }); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

func (s Schema) validate() error {
	if s.Name == "" {
		return errors.New("boltdb: schema needs a name")
	}
	if s.Version < 1 {
		return fmt.Errorf("boltdb: schema %q: version must be at least 1, got %d", s.Name, s.Version)
	}
	seen := map[string]bool{}
	for _, b := range s.Buckets {
		switch {
		case len(b) == 0:
			return fmt.Errorf("boltdb: schema %q: empty bucket name", s.Name)
		case string(b) == string(MetaBucket):
			return fmt.Errorf("boltdb: schema %q: bucket name %q is reserved", s.Name, b)
		case seen[string(b)]:
			return fmt.Errorf("boltdb: schema %q: bucket %q listed twice", s.Name, b)
		}
		seen[string(b)] = true
	}
	return nil
}

func initialise(tx *bolt.Tx, path string, s Schema) error {
	meta := tx.Bucket(MetaBucket)
	if meta == nil {
		// A file with buckets but no meta was not made by Open: refuse it
		// rather than guess at its layout.
		empty := true
		_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if !empty {
			return &SchemaError{Path: path, Want: s, Reason: ErrWrongSchema}
		}
		var err error
		if meta, err = tx.CreateBucket(MetaBucket); err != nil {
			return fmt.Errorf("boltdb: %s: create meta bucket: %w", path, err)
		}
		if err := meta.Put(keySchemaName, []byte(s.Name)); err != nil {
			return err
		}
		if err := meta.Put(keySchemaVersion, U64Key(uint64(s.Version))); err != nil {
			return err
		}
	} else {
		name, version, err := readSchema(meta)
		if err != nil {
			return fmt.Errorf("boltdb: %s: %w", path, err)
		}
		se := &SchemaError{Path: path, StoredName: name, StoredVersion: version, Want: s}
		switch {
		case name != s.Name:
			se.Reason = ErrWrongSchema
		case version > s.Version:
			se.Reason = ErrNewerSchema
		case version < s.Version:
			se.Reason = ErrMigrationNeeded
		}
		if se.Reason != nil {
			return se
		}
	}
	for _, b := range s.Buckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return fmt.Errorf("boltdb: %s: create bucket %q: %w", path, b, err)
		}
	}
	return nil
}

func readSchema(meta *bolt.Bucket) (string, int, error) {
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return "", 0, fmt.Errorf("meta bucket has a malformed schema version (%d bytes)", len(v))
	}
	return string(meta.Get(keySchemaName)), int(binary.BigEndian.Uint64(v)), nil
}

// StoredSchema reads the schema name and version recorded in db.
func StoredSchema(db *bolt.DB) (name string, version int, err error) {
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(MetaBucket)
		if meta == nil {
			return errors.New("boltdb: no meta bucket")
		}
		name, version, err = readSchema(meta)
		return err
	})
	return name, version, err
}

// U64Key encodes n big-endian, so keys sort in numeric order under a cursor
// (sequence numbers, outbox positions).
func U64Key(n uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n) }

// KeyU64 decodes a key made by U64Key.
func KeyU64(k []byte) (uint64, error) {
	if len(k) != 8 {
		return 0, fmt.Errorf("boltdb: key of %d bytes is not a uint64 key", len(k))
	}
	return binary.BigEndian.Uint64(k), nil
}

// PutProto stores m under key. Deterministic marshalling keeps identical
// records byte-identical, which makes file comparisons in tests meaningful.
func PutProto(b *bolt.Bucket, key []byte, m proto.Message) error {
	v, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("boltdb: marshal %s: %w", m.ProtoReflect().Descriptor().FullName(), err)
	}
	return b.Put(key, v)
}

// GetProto reads key into m and reports whether it was there. Unmarshal
// copies the bytes, so m stays valid after the transaction ends.
func GetProto(b *bolt.Bucket, key []byte, m proto.Message) (bool, error) {
	v := b.Get(key)
	if v == nil {
		return false, nil
	}
	if err := proto.Unmarshal(v, m); err != nil {
		return true, fmt.Errorf("boltdb: unmarshal %s at key %x: %w", m.ProtoReflect().Descriptor().FullName(), key, err)
	}
	return true, nil
}
