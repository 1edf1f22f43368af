package events

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultRetention is how long applied event ids are kept (see Prune).
const DefaultRetention = 7 * 24 * time.Hour

// Layout of a durable's state: ConsumersBucket / <durable> holds
//
//	key "seq"            highest stream sequence handled (uint64 BE)
//	key "ackfloor"       consumer ack floor last seen on the server (uint64 BE)
//	key "streamcreated"  creation time of the stream that floor belongs to
//	bucket "applied"     event id -> stream seq (8) + applied Unix ns (8)
//	bucket "appliedat"   applied Unix ns (8) + event id -> empty (time index)
//	bucket "dead"        event id -> dead letter
var (
	keySeq           = []byte("seq")
	keyAckFloor      = []byte("ackfloor")
	keyStreamCreated = []byte("streamcreated")
	bucketApplied    = []byte("applied")
	bucketAppliedAt  = []byte("appliedat")
	bucketDead       = []byte("dead")
)

// durableState is a durable's buckets inside one transaction.
type durableState struct {
	root, applied, appliedAt, dead *bolt.Bucket
}

// openDurable returns the durable's buckets, creating them in a write
// transaction; in a read transaction it returns nil if they do not exist.
func openDurable(tx *bolt.Tx, durable string) (*durableState, error) {
	if durable == "" {
		return nil, errors.New("events: empty durable name")
	}
	if !tx.Writable() {
		c := tx.Bucket(ConsumersBucket)
		if c == nil {
			return nil, nil
		}
		root := c.Bucket([]byte(durable))
		if root == nil {
			return nil, nil
		}
		return &durableState{root: root, applied: root.Bucket(bucketApplied),
			appliedAt: root.Bucket(bucketAppliedAt), dead: root.Bucket(bucketDead)}, nil
	}
	c, err := tx.CreateBucketIfNotExists(ConsumersBucket)
	if err != nil {
		return nil, err
	}
	root, err := c.CreateBucketIfNotExists([]byte(durable))
	if err != nil {
		return nil, err
	}
	st := &durableState{root: root}
	for _, p := range []struct {
		b    **bolt.Bucket
		name []byte
	}{{&st.applied, bucketApplied}, {&st.appliedAt, bucketAppliedAt}, {&st.dead, bucketDead}} {
		if *p.b, err = root.CreateBucketIfNotExists(p.name); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (s *durableState) uint(key []byte) uint64 {
	v := s.root.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (s *durableState) putUint(key []byte, n uint64) error {
	return s.root.Put(key, binary.BigEndian.AppendUint64(nil, n))
}

func (s *durableState) isApplied(id string) bool {
	return s.applied != nil && s.applied.Get([]byte(id)) != nil
}

// markApplied records id as handled at stream seq, applied at now, and
// raises the durable's sequence.
func (s *durableState) markApplied(id string, seq uint64, now time.Time) error {
	ns := uint64(now.UnixNano())
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), seq)
	v = binary.BigEndian.AppendUint64(v, ns)
	if err := s.applied.Put([]byte(id), v); err != nil {
		return err
	}
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(id)), ns)
	k = append(k, id...)
	if err := s.appliedAt.Put(k, nil); err != nil {
		return err
	}
	return s.raiseSeq(seq)
}

func (s *durableState) raiseSeq(seq uint64) error {
	if seq > s.uint(keySeq) {
		return s.putUint(keySeq, seq)
	}
	return nil
}

// DeadLetter is an event whose apply failed and which was set aside.
type DeadLetter struct {
	ID        string
	Subject   string
	StreamSeq uint64
	Data      []byte
	Err       string
	At        time.Time
}

func encodeDead(d DeadLetter) []byte {
	buf := binary.BigEndian.AppendUint64(nil, d.StreamSeq)
	buf = binary.BigEndian.AppendUint64(buf, uint64(d.At.UnixNano()))
	for _, s := range []string{d.Subject, d.Err} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	return append(buf, d.Data...)
}

func decodeDead(id string, v []byte) (DeadLetter, error) {
	bad := errors.New("events: malformed dead letter")
	if len(v) < 16 {
		return DeadLetter{}, bad
	}
	d := DeadLetter{ID: id, StreamSeq: binary.BigEndian.Uint64(v), At: time.Unix(0, int64(binary.BigEndian.Uint64(v[8:]))).UTC()}
	rest := v[16:]
	var f [2]string
	for i := range f {
		l, n := binary.Uvarint(rest)
		if n <= 0 || l > uint64(len(rest)-n) {
			return DeadLetter{}, bad
		}
		f[i] = string(rest[n : n+int(l)])
		rest = rest[n+int(l):]
	}
	d.Subject, d.Err = f[0], f[1]
	d.Data = append([]byte(nil), rest...)
	return d, nil
}

// ConsumerState summarises a durable's state in db.
type ConsumerState struct {
	// AppliedSeq is the highest stream sequence handled (applied, skipped as
	// already applied, or dead-lettered).
	AppliedSeq uint64
	// AckFloor is the consumer's ack floor as Consume last saw it.
	AckFloor uint64
	// AppliedIDs is the number of event ids recorded (until pruned).
	AppliedIDs int
	// Dead is the number of dead letters.
	Dead int
}

// State reads a durable's state; a durable never run has the zero state.
func State(db *bolt.DB, durable string) (ConsumerState, error) {
	var cs ConsumerState
	err := db.View(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, durable)
		if err != nil || st == nil {
			return err
		}
		cs.AppliedSeq = st.uint(keySeq)
		cs.AckFloor = st.uint(keyAckFloor)
		if st.applied != nil {
			cs.AppliedIDs = st.applied.Stats().KeyN
		}
		if st.dead != nil {
			cs.Dead = st.dead.Stats().KeyN
		}
		return nil
	})
	return cs, err
}

// AppliedSeq returns the highest stream sequence the durable has handled
// (0 if none).
func AppliedSeq(db *bolt.DB, durable string) (uint64, error) {
	var seq uint64
	err := db.View(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, durable)
		if err != nil || st == nil {
			return err
		}
		seq = st.uint(keySeq)
		return nil
	})
	return seq, err
}

// IsApplied reports whether the durable has recorded event id as handled.
func IsApplied(db *bolt.DB, durable, id string) (bool, error) {
	var ok bool
	err := db.View(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, durable)
		if err != nil || st == nil {
			return err
		}
		ok = st.isApplied(id)
		return nil
	})
	return ok, err
}

// DeadLetters returns the durable's dead letters in id order.
func DeadLetters(db *bolt.DB, durable string) ([]DeadLetter, error) {
	var out []DeadLetter
	err := db.View(func(tx *bolt.Tx) error {
		st, err := openDurable(tx, durable)
		if err != nil || st == nil || st.dead == nil {
			return err
		}
		return st.dead.ForEach(func(k, v []byte) error {
			d, err := decodeDead(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	return out, err
}

// Prune removes the durable's recorded event ids applied more than
// olderThan ago whose stream sequence is at or below the consumer's ack
// floor as last recorded by Consume. It returns how many it removed. See the
// package documentation for why this is safe with a retention of
// DefaultRetention (7 days), far beyond the stream's 1 h duplicate window.
func Prune(db *bolt.DB, durable string, olderThan time.Duration) (int, error) {
	return PruneBefore(db, durable, time.Now().Add(-olderThan))
}

// PruneBefore is Prune with an explicit cut-off time.
func PruneBefore(db *bolt.DB, durable string, cutoff time.Time) (int, error) {
	const chunk = 10000
	if cutoff.UnixNano() <= 0 {
		return 0, nil
	}
	cut := uint64(cutoff.UnixNano())
	total := 0
	var from []byte // where the next chunk starts in the time index
	for {
		removed, next, err := pruneChunk(db, durable, cut, from, chunk)
		total += removed
		if err != nil {
			return total, fmt.Errorf("events: prune %s: %w", durable, err)
		}
		if next == nil {
			return total, nil
		}
		from = next
	}
}

// pruneChunk examines up to limit time-index entries from the key from
// (inclusive; nil = the first) and removes the eligible ones. next is the
// first entry not examined, nil when the scan is finished.
func pruneChunk(db *bolt.DB, durable string, cut uint64, from []byte, limit int) (removed int, next []byte, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		removed, next = 0, nil
		st, err := openDurable(tx, durable)
		if err != nil {
			return err
		}
		floor := st.uint(keyAckFloor)
		c := st.appliedAt.Cursor()
		var k []byte
		if from == nil {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(from)
		}
		var drop [][]byte // index keys to delete
		for seen := 0; k != nil; k, _ = c.Next() {
			if len(k) < 8 || binary.BigEndian.Uint64(k) >= cut {
				break // the index is in applied-time order: nothing older follows
			}
			if seen == limit {
				next = append([]byte(nil), k...)
				break
			}
			seen++
			v := st.applied.Get(k[8:])
			if len(v) == 16 && binary.BigEndian.Uint64(v[8:]) == binary.BigEndian.Uint64(k) &&
				binary.BigEndian.Uint64(v) > floor {
				continue // above the ack floor: may still be redelivered, keep
			}
			drop = append(drop, append([]byte(nil), k...))
		}
		for _, k := range drop {
			id := k[8:]
			// Remove the id only if this index entry is its current one.
			if v := st.applied.Get(id); len(v) == 16 && binary.BigEndian.Uint64(v[8:]) == binary.BigEndian.Uint64(k) {
				if err := st.applied.Delete(id); err != nil {
					return err
				}
				removed++
			}
			if err := st.appliedAt.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return removed, next, nil
}
