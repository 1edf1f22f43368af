// Package idem makes writes idempotent by request_id.
//
// A write handler, inside ONE bbolt write transaction:
//
//	err := db.Update(func(tx *bolt.Tx) error {
//		if found, err := idem.Check(tx, req.GetRequestId(), req, resp); err != nil || found {
//			return err // found: resp now holds the first response
//		}
//		... check, write the record and its outbox row, fill resp ...
//		return idem.Record(tx, req.GetRequestId(), req, resp, clk.Now())
//	})
//
// Because Check and Record run in the same write transaction as the record,
// and bbolt has one writer at a time, two concurrent calls with one
// request_id cannot both write: the second sees the first's entry.
package idem

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/errs"
)

// Bucket is the top-level bucket idem uses; list it in the service's
// boltdb.Schema. It holds two nested buckets: entries by request id, and an
// index by record time for Prune.
var Bucket = []byte("idem")

var (
	byID   = []byte("by_id")
	byTime = []byte("by_time")
)

// MinRetention is the shortest time an entry is kept. The suite promises
// callers that a retry within 24 hours returns the first response, so Prune
// refuses to remove anything younger.
const MinRetention = 24 * time.Hour

// MaxIDLen bounds a request id; it is a key and appears in logs.
const MaxIDLen = 128

// Entry layout: version byte, record time (unix ns, big-endian), sha256 of
// the request, then the response bytes.
const (
	entryVersion = 1
	headerLen    = 1 + 8 + sha256.Size
)

// Required checks a request_id field for a service that requires one: nil if
// it is present and not too long, else the violation to report.
func Required(requestID string) *errs.Violation {
	if requestID == "" {
		return &errs.Violation{Field: "request_id", Rule: "required", Message: "request_id is required"}
	}
	return tooLong(requestID)
}

func tooLong(requestID string) *errs.Violation {
	if len(requestID) > MaxIDLen {
		return &errs.Violation{Field: "request_id", Rule: "format",
			Message: fmt.Sprintf("request_id must be at most %d bytes", MaxIDLen)}
	}
	return nil
}

// Check looks requestID up. If it was recorded for an identical request it
// fills resp with the stored response and returns found. If it was recorded
// for a different request it returns an AlreadyExists error. An empty
// requestID is never found (the caller opted out of idempotency).
//
// Check works in a read or write transaction, but only a write transaction
// shared with Record makes the check-then-write atomic.
func Check(tx *bolt.Tx, requestID string, req, resp proto.Message) (found bool, err error) {
	if requestID == "" {
		return false, nil
	}
	if v := tooLong(requestID); v != nil {
		return false, errs.Invalid(*v)
	}
	ids := bucket(tx, byID)
	if ids == nil {
		return false, nil
	}
	entry := ids.Get([]byte(requestID))
	if entry == nil {
		return false, nil
	}
	_, storedHash, storedResp, err := decode(entry)
	if err != nil {
		return false, errs.Wrap(errs.KindInternal, err, "idem: read entry")
	}
	hash, err := requestHash(req)
	if err != nil {
		return false, err
	}
	if !bytes.Equal(hash, storedHash) {
		return false, reused(requestID)
	}
	if err := proto.Unmarshal(storedResp, resp); err != nil {
		return false, errs.Wrap(errs.KindInternal, err, "idem: unmarshal stored response")
	}
	return true, nil
}

// Record stores resp as the response to req under requestID, at time now.
// Call it in the same write transaction as the write itself, so the record
// and its idempotency entry become durable together. An empty requestID
// records nothing. Recording an id twice for the same request keeps the
// first response; for a different request it is AlreadyExists.
func Record(tx *bolt.Tx, requestID string, req, resp proto.Message, now time.Time) error {
	if requestID == "" {
		return nil
	}
	if v := tooLong(requestID); v != nil {
		return errs.Invalid(*v)
	}
	root, err := tx.CreateBucketIfNotExists(Bucket)
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "idem: create bucket")
	}
	ids, err := root.CreateBucketIfNotExists(byID)
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "idem: create bucket")
	}
	times, err := root.CreateBucketIfNotExists(byTime)
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "idem: create bucket")
	}
	hash, err := requestHash(req)
	if err != nil {
		return err
	}
	if old := ids.Get([]byte(requestID)); old != nil {
		_, oldHash, _, err := decode(old)
		if err != nil {
			return errs.Wrap(errs.KindInternal, err, "idem: read entry")
		}
		if !bytes.Equal(oldHash, hash) {
			return reused(requestID)
		}
		return nil
	}
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(resp)
	if err != nil {
		return errs.Wrap(errs.KindInternal, err, "idem: marshal response")
	}
	at := now.UnixNano()
	entry := make([]byte, 0, headerLen+len(body))
	entry = append(entry, entryVersion)
	entry = binary.BigEndian.AppendUint64(entry, uint64(at))
	entry = append(entry, hash...)
	entry = append(entry, body...)
	if err := ids.Put([]byte(requestID), entry); err != nil {
		return errs.Wrap(errs.KindInternal, err, "idem: put entry")
	}
	if err := times.Put(timeKey(at, requestID), nil); err != nil {
		return errs.Wrap(errs.KindInternal, err, "idem: put time index")
	}
	return nil
}

// pruneBatch bounds how long Prune holds the single bbolt writer.
const pruneBatch = 1000

// Prune removes entries recorded before now-olderThan and returns how many
// it removed. olderThan must be at least MinRetention. It works in batches
// of separate transactions so that a large backlog does not hold up writes.
// Services run it periodically (e.g. hourly) from their own clock.
func Prune(db *bolt.DB, olderThan time.Duration, now time.Time) (int, error) {
	if olderThan < MinRetention {
		return 0, fmt.Errorf("idem: retention %v is shorter than the promised %v", olderThan, MinRetention)
	}
	cutoff := now.Add(-olderThan).UnixNano()
	total := 0
	for {
		n := 0
		err := db.Update(func(tx *bolt.Tx) error {
			times, ids := bucket(tx, byTime), bucket(tx, byID)
			if times == nil || ids == nil {
				return nil
			}
			c := times.Cursor()
			for k, _ := c.First(); k != nil && n < pruneBatch; k, _ = c.First() {
				at, id, err := splitTimeKey(k)
				if err != nil {
					return err
				}
				if at >= cutoff {
					break
				}
				if err := ids.Delete(id); err != nil {
					return err
				}
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("idem: prune: %w", err)
		}
		if n < pruneBatch {
			return total, nil
		}
	}
}

func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	root := tx.Bucket(Bucket)
	if root == nil {
		return nil
	}
	return root.Bucket(name)
}

func reused(requestID string) error {
	return errs.AlreadyExistsf("request_id %q was already used for a different request", requestID)
}

// requestHash identifies a request: its message type and its deterministic
// encoding, so one id reused for another method is caught even if the
// payload bytes happen to match. Deterministic encoding is stable within a
// binary; a retry across an upgrade that changes the message could be seen
// as a different request, which fails safe (AlreadyExists, nothing written).
func requestHash(req proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return nil, errs.Wrap(errs.KindInternal, err, "idem: marshal request")
	}
	h := sha256.New()
	h.Write([]byte(req.ProtoReflect().Descriptor().FullName()))
	h.Write([]byte{0})
	h.Write(b)
	return h.Sum(nil), nil
}

func decode(entry []byte) (at int64, hash, resp []byte, err error) {
	if len(entry) < headerLen || entry[0] != entryVersion {
		return 0, nil, nil, errors.New("malformed idempotency entry")
	}
	return int64(binary.BigEndian.Uint64(entry[1:9])), entry[9:headerLen], entry[headerLen:], nil
}

// timeKey sorts by record time; the id suffix keeps keys unique.
func timeKey(at int64, requestID string) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(requestID)), uint64(at))
	return append(k, requestID...)
}

func splitTimeKey(k []byte) (int64, []byte, error) {
	if len(k) < 9 {
		return 0, nil, errors.New("malformed idempotency time key")
	}
	// Copy the id: it is used to delete from another bucket while the
	// cursor's page memory may be rewritten.
	return int64(binary.BigEndian.Uint64(k[:8])), bytes.Clone(k[8:]), nil
}
