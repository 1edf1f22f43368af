// Package store keeps the metrics projection in the service's bbolt file.
//
// The file holds a log of dated change points, not tallies: every applied
// event appends its points (internal/projection.Point) under the next key
// of one bucket, in the same transaction in which events.Consume records
// the event id. At start the log is read once, in key order, and the
// in-memory projection is rebuilt from it; the live totals are derived from
// that. Appending keeps writes sequential and small (a few dozen bytes per
// point, a page or two per batch), which is what lets a replay from the
// start of the streams apply well over 100,000 events a second.
package store

import "github.com/corporate-parenting/suite/pkg/boltdb"

// SchemaName and SchemaVersion identify the file's layout. Bump the version
// when the meaning of a bucket or key changes.
const (
	SchemaName    = "metrics"
	SchemaVersion = 1
)

// Buckets. The events buckets (consumers, outbox) are added by
// pkg/service.
var (
	// BucketPoints is the log of change points, one record per applied
	// event:
	//
	//	key:   record number, uint64 big-endian (the bucket's NextSequence);
	//	       keys only ever grow, so the bucket fills as an append log
	//	value: point count (1 byte), then each point:
	//	       kind (1 byte) | effective date YYYYMMDD (uint32 BE) |
	//	       rank (1) | child id (uvarint length + bytes) | payload
	//
	// A point's arrival (its order among points of the same child, kind
	// and date) is record × MaxPointsPerRecord + its index in the record.
	// The payload by kind:
	//
	//	care 'L':         looked after (1) | legal status (str)
	//	uasc 'U':         uasc (1)
	//	placement 'P':    flags (1: bit0 present, bit1 temporary) |
	//	                  location (1) | type (str) | group (str) |
	//	                  distance band (str)
	//	care leaver 'C':  open (1) | category (str)
	//	age band 'B':     band (str)
	//	contact 'T':      IN_TOUCH (str) | ACTIV (str) | ACCOM (str)
	//	month 'M':        YYYY-MM (str)
	//
	// where str is a uvarint length and the bytes.
	BucketPoints = []byte("points")

	// BucketMeta holds the projection's own keys (KeySeqReserved).
	BucketMeta = []byte("projection")

	// KeySeqReserved (in BucketMeta) is the end of the block of change
	// sequences reserved by the running process (uint64 BE). A process
	// starts its sequence at the stored value, so sequences only increase
	// across restarts (a watcher's after_sequence from before a restart is
	// then simply too old, and it gets a snapshot).
	KeySeqReserved = []byte("seq_reserved")
)

// Schema is the metrics service's bbolt schema.
func Schema() boltdb.Schema {
	return boltdb.Schema{Name: SchemaName, Version: SchemaVersion, Buckets: [][]byte{BucketPoints, BucketMeta}}
}
