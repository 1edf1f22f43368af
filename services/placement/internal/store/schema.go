// Package store keeps the placement service's records in its bbolt file.
//
// # Layout (schema version 1)
//
// Every bucket and key the service writes is named here; the outbox and
// consumer buckets (pkg/events), the idempotency bucket (pkg/idem) and the
// meta bucket holding the schema name and version (pkg/boltdb) belong to
// the shared kit.
//
//	children            child_id → the child's placements (see below)
//	idem                pkg/idem: request_id → first response
//	outbox, consumers   pkg/events
//
// # Child records
//
// One record per child holds the child's whole placement timeline: one byte
// of record version (1) followed by the placements in the protobuf wire
// format, encoded by hand (record.go), so storage does not depend on the
// API contract. A write reads, checks and rewrites the record in one
// transaction, which is what the 903 rules need (they look at the whole
// timeline: overlaps, temporary placements, T3 counts). Keys are child ids
// (UUIDv7 strings), so a cursor walks children in child id order, the order
// lists page in.
//
// No postcode or grid reference is stored: the distance from home is
// computed at write time and only the miles are kept.
package store

import (
	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/idem"
)

// Name is the schema's (and the service's) name.
const Name = "placement"

// SchemaVersion is the version of this layout. Bump it when the meaning of
// a bucket or key changes (adding a bucket does not need a bump).
const SchemaVersion = 1

// BucketChildren holds one record per child: child_id → placements.
var BucketChildren = []byte("children")

// recordVersion is the first byte of every child record.
const recordVersion = 1

// Schema is the placement file's schema for pkg/boltdb (the shared kit adds
// the outbox and consumer buckets).
func Schema() boltdb.Schema {
	return boltdb.Schema{
		Name:    Name,
		Version: SchemaVersion,
		Buckets: [][]byte{BucketChildren, idem.Bucket},
	}
}
