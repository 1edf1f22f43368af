package events

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

// Bucket names.
var (
	// OutboxBucket holds outbox rows keyed by big-endian sequence.
	OutboxBucket = []byte("outbox")
	// ConsumersBucket holds one nested bucket per durable consumer name,
	// with its applied ids, dead letters and sequences.
	ConsumersBucket = []byte("consumers")
	// PublishedBucket holds, when the relay retains published rows
	// (RelayOptions.Retain), the rows whose publish was acknowledged, for
	// the retention, keyed like OutboxBucket; each value is the 8-byte
	// acknowledgement time (Unix ns, big-endian) followed by the row.
	PublishedBucket = []byte("outbox.published")
)

// Header names set on every published event besides Nats-Msg-Id.
const (
	// HeaderType carries the protobuf full name of the event message.
	HeaderType = "Cp-Event-Type"
	// HeaderCreated carries the time the outbox row was written (RFC 3339,
	// nanoseconds, UTC).
	HeaderCreated = "Cp-Event-Created"
)

// Event is one outbox row.
type Event struct {
	ID      string    // UUIDv7, published as Nats-Msg-Id
	Subject string    // JetStream subject
	Type    string    // protobuf full name of the message, "" for raw events
	Data    []byte    // marshalled protobuf message
	Created time.Time // when the row was written
}

// EnsureBuckets creates the outbox and consumers buckets if they are missing.
func EnsureBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{OutboxBucket, PublishedBucket, ConsumersBucket} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("events: create bucket %q: %w", name, err)
		}
	}
	return nil
}

// Append writes msg as an outbox row inside the caller's write transaction,
// so the event is durable exactly when the caller's record is. Call
// Relay.Notify after the transaction commits.
func Append(tx *bolt.Tx, subject string, msg proto.Message) (Event, error) {
	if msg == nil {
		return Event{}, errors.New("events: Append: nil message")
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	if err != nil {
		return Event{}, fmt.Errorf("events: marshal %s: %w", subject, err)
	}
	return appendRow(tx, "", subject, string(msg.ProtoReflect().Descriptor().FullName()), data)
}

// AppendRaw is Append for an already encoded payload (typ may be "").
func AppendRaw(tx *bolt.Tx, subject, typ string, data []byte) (Event, error) {
	return appendRow(tx, "", subject, typ, data)
}

// NewID makes an event id (a UUIDv7), for AppendWithID.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("events: new event id: %w", err)
	}
	return id.String(), nil
}

// AppendWithID is Append with an event id the caller made with NewID, so a
// message that carries its own event id (e.g. caseload.v1.CaseloadEvent's
// event_id) can be marshalled with the id the relay will publish as
// Nats-Msg-Id.
func AppendWithID(tx *bolt.Tx, id, subject string, msg proto.Message) (Event, error) {
	if id == "" {
		return Event{}, errors.New("events: AppendWithID: empty id")
	}
	if msg == nil {
		return Event{}, errors.New("events: Append: nil message")
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
	if err != nil {
		return Event{}, fmt.Errorf("events: marshal %s: %w", subject, err)
	}
	return appendRow(tx, id, subject, string(msg.ProtoReflect().Descriptor().FullName()), data)
}

// appendRow writes one row; an empty id gets a new one.
func appendRow(tx *bolt.Tx, id, subject, typ string, data []byte) (Event, error) {
	if subject == "" {
		return Event{}, errors.New("events: Append: empty subject")
	}
	if !tx.Writable() {
		return Event{}, errors.New("events: Append needs a write transaction")
	}
	b, err := tx.CreateBucketIfNotExists(OutboxBucket)
	if err != nil {
		return Event{}, fmt.Errorf("events: outbox bucket: %w", err)
	}
	if id == "" {
		if id, err = NewID(); err != nil {
			return Event{}, err
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return Event{}, fmt.Errorf("events: outbox sequence: %w", err)
	}
	ev := Event{ID: id, Subject: subject, Type: typ, Data: data, Created: time.Now().UTC()}
	if err := b.Put(seqKey(seq), encodeRow(ev)); err != nil {
		return Event{}, fmt.Errorf("events: outbox put: %w", err)
	}
	return ev, nil
}

// OutboxDepth counts the rows waiting in the outbox of tx's file.
func OutboxDepth(tx *bolt.Tx) int {
	b := tx.Bucket(OutboxBucket)
	if b == nil {
		return 0
	}
	return b.Stats().KeyN
}

// PendingEvents returns up to limit (all if limit <= 0) outbox rows in write
// order, for inspection and tests.
func PendingEvents(tx *bolt.Tx, limit int) ([]Event, error) {
	b := tx.Bucket(OutboxBucket)
	if b == nil {
		return nil, nil
	}
	var out []Event
	c := b.Cursor()
	for k, v := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Next() {
		ev, err := decodeRow(v)
		if err != nil {
			return out, fmt.Errorf("events: outbox row %x: %w", k, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// Row format, version 1:
//
//	byte     version (1)
//	int64 BE created, Unix nanoseconds
//	uvarint  len(id)      id
//	uvarint  len(subject) subject
//	uvarint  len(type)    type
//	rest     payload
const rowVersion = 1

func encodeRow(ev Event) []byte {
	n := 1 + 8 + 3*binary.MaxVarintLen64 + len(ev.ID) + len(ev.Subject) + len(ev.Type) + len(ev.Data)
	buf := make([]byte, 0, n)
	buf = append(buf, rowVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(ev.Created.UnixNano()))
	for _, s := range []string{ev.ID, ev.Subject, ev.Type} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	return append(buf, ev.Data...)
}

var errBadRow = errors.New("malformed outbox row")

// decodeRow decodes a row; the result does not alias v (bbolt memory is only
// valid inside its transaction).
func decodeRow(v []byte) (Event, error) {
	if len(v) < 9 || v[0] != rowVersion {
		return Event{}, errBadRow
	}
	ev := Event{Created: time.Unix(0, int64(binary.BigEndian.Uint64(v[1:9]))).UTC()}
	rest := v[9:]
	var fields [3]string
	for i := range fields {
		l, n := binary.Uvarint(rest)
		if n <= 0 || l > uint64(len(rest)-n) {
			return Event{}, errBadRow
		}
		fields[i] = string(rest[n : n+int(l)])
		rest = rest[n+int(l):]
	}
	ev.ID, ev.Subject, ev.Type = fields[0], fields[1], fields[2]
	ev.Data = append([]byte(nil), rest...)
	return ev, nil
}
