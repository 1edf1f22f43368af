// Package store keeps the care-leaver service's records in its bbolt file.
//
// # Layout (schema version 1)
//
// Every bucket and key the service writes is named here; the outbox and
// consumer buckets (pkg/events), the idempotency bucket (pkg/idem) and the
// meta bucket holding the schema name and version (pkg/boltdb) belong to
// the shared kit.
//
//	care_leavers            child_id → care-leaver record (see below)
//	contacts                child_id 0x00 contact_date (YYYY-MM-DD) 0x00 contact_id
//	                        → contact; a young person's contacts sort by date,
//	                        then by id (UUIDv7, so by recording time)
//	entitlements            entitlement_id → entitlement of the Local Offer
//	take_up_by_entitlement  entitlement_id 0x00 child_id 0x00 date → empty
//	take_up_by_child        child_id 0x00 entitlement_id 0x00 date → empty
//	tasks                   "birthdays.processed_through" → ISO date: the birthday
//	                        clock has processed every day up to it
//	idem                    pkg/idem: request_id → first response
//	outbox, consumers       pkg/events (consumer "careleaver-caseload")
//
// # Records
//
// Records, contacts and entitlements are one byte of record version (1)
// followed by JSON of the domain type. JSON rather than protobuf keeps the
// file independent of the API contract and readable with bbolt's tools; a
// record is a few hundred bytes. The date of birth is held here (caseload
// sends it over gRPC when the record opens) and never leaves the service
// except over gRPC.
package store

import (
	"github.com/corporate-parenting/suite/pkg/boltdb"
	"github.com/corporate-parenting/suite/pkg/idem"
)

// Name is the schema's (and the service's) name.
const Name = "careleaver"

// SchemaVersion is the version of this layout. Bump it when the meaning of
// a bucket or key changes (adding a bucket does not need a bump).
const SchemaVersion = 1

// Bucket and key names.
var (
	BucketCareLeavers            = []byte("care_leavers")
	BucketContacts               = []byte("contacts")
	BucketEntitlements           = []byte("entitlements")
	BucketTakeUpByEntitlement    = []byte("take_up_by_entitlement")
	BucketTakeUpByChild          = []byte("take_up_by_child")
	BucketTasks                  = []byte("tasks")
	KeyBirthdaysProcessedThrough = []byte("birthdays.processed_through")
)

// recordVersion is the first byte of every stored value.
const recordVersion = 1

// Schema is the care-leaver file's schema for pkg/boltdb (the shared kit
// adds the outbox and consumer buckets).
func Schema() boltdb.Schema {
	return boltdb.Schema{
		Name:    Name,
		Version: SchemaVersion,
		Buckets: [][]byte{BucketCareLeavers, BucketContacts, BucketEntitlements,
			BucketTakeUpByEntitlement, BucketTakeUpByChild, BucketTasks, idem.Bucket},
	}
}
