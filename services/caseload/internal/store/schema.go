// Package store keeps the caseload service's records in its bbolt file and
// a decoded copy of every child in memory, kept in step with the file.
//
// # Layout (schema version 1)
//
// Every bucket and key the service writes is named here; the outbox and
// consumer buckets (pkg/events), the idempotency bucket (pkg/idem) and the
// meta bucket holding the schema name and version (pkg/boltdb) belong to
// the shared kit.
//
//	children            child_id → child record (see below)
//	la_child_ids        la_child_id (903 CHILD) → child_id; unique
//	milestones          child_id 0x00 age (one byte) → ISO date published
//	tasks               "milestones.scanned_through" → ISO date: every day up
//	                    to it has had its age milestones published
//	idem                pkg/idem: request_id → first response
//	outbox, consumers   pkg/events (consumers holds the caseload-placement
//	                    durable's applied event ids and ack floor)
//
// # Child records
//
// A child record is one byte of record version (3), the child's revision
// (8 bytes, big-endian), then the JSON of childRecord: the child's details,
// every period of care with its legal status spells (struck-out ones
// included), corrections, allocations and caseload's copy of the child's
// placements (fed by the PLACEMENT stream's consumer, durable
// caseload-placement, in the transaction that records the event id).
//
// The revision counts the child's writes, so a write transaction that finds
// the stored revision equal to the in-memory copy's starts from a copy of
// that instead of decoding the JSON (the in-memory copy only ever holds
// committed records, and every write of a child raises its revision).
// Placement events rewrite a child with every move, so this is most of what
// caseload's consumer of the PLACEMENT stream would otherwise spend.
//
// Earlier versions are read and rewritten as version 3 on the child's next
// write: version 2 is the JSON straight after the version byte, version 1
// the same without placements (written before caseload kept the copy). A
// binary that predates a version refuses the file rather than silently
// dropping what it does not know when it rewrites a child.
// JSON rather than protobuf keeps storage independent of the API contract
// (a field renamed in the contract does not touch the file) and readable
// with bbolt's own tools; a child's whole history is a few hundred bytes, so
// decoding it in each write transaction costs microseconds. Reads never
// decode: they are served from the in-memory copy.
package store

import (
	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/idem"
)

// SchemaVersion is the version of this layout. Bump it when the meaning of
// a bucket or key changes (adding a bucket does not need a bump).
const SchemaVersion = 1

// Bucket and key names.
var (
	BucketChildren   = []byte("children")
	BucketLAChildIDs = []byte("la_child_ids")
	BucketMilestones = []byte("milestones")
	BucketTasks      = []byte("tasks")

	KeyMilestonesScannedThrough = []byte("milestones.scanned_through")
)

// recordVersion is the first byte of every child record written, and
// recordHeader the length of its header (the version byte and the
// revision). The two earlier versions are still read: recordVersionNoHeader
// (the JSON straight after the version byte) and recordVersionNoPlacements
// (the same, before placements were kept).
const (
	recordVersion             = 3
	recordVersionNoHeader     = 2
	recordVersionNoPlacements = 1

	recordHeader = 1 + 8
)

// Schema is the caseload file's schema for pkg/boltdb (the shared kit adds
// the outbox and consumer buckets).
func Schema() boltdb.Schema {
	return boltdb.Schema{
		Name:    "caseload",
		Version: SchemaVersion,
		Buckets: [][]byte{BucketChildren, BucketLAChildIDs, BucketMilestones, BucketTasks, idem.Bucket},
	}
}
