package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/codes"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// MaxPointsPerRecord is the most points one Append may write: they share
// one record, and their arrivals are record×MaxPointsPerRecord + index.
const MaxPointsPerRecord = 16

// Append writes the points of one event to the log, as one record, inside
// the caller's write transaction, and sets each point's Arrival.
func Append(tx *bolt.Tx, pts []projection.Point) error {
	if len(pts) == 0 {
		return nil
	}
	if len(pts) > MaxPointsPerRecord {
		return fmt.Errorf("store: %d points in one record (at most %d)", len(pts), MaxPointsPerRecord)
	}
	b := tx.Bucket(BucketPoints)
	if b == nil {
		return errors.New("store: points bucket missing")
	}
	b.FillPercent = 1 // keys only grow: fill pages completely
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	// bbolt keeps the key and value slices until the transaction ends: one
	// fresh buffer holds both.
	rec := make([]byte, 8, 8+1+len(pts)*48)
	binary.BigEndian.PutUint64(rec, n)
	rec = append(rec, byte(len(pts)))
	for i := range pts {
		pts[i].Arrival = n*MaxPointsPerRecord + uint64(i)
		if rec, err = encode(rec, pts[i]); err != nil {
			return err
		}
	}
	return b.Put(rec[:8], rec[8:])
}

// ForEach calls fn for every point in the log, in arrival order.
func ForEach(db *bolt.DB, fn func(projection.Point) error) error {
	return db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(BucketPoints)
		if b == nil {
			return nil
		}
		in := interner{}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("store: record key of %d bytes", len(k))
			}
			n := binary.BigEndian.Uint64(k)
			r := &reader{b: v, in: in}
			count := int(r.byte())
			if r.err != nil || count == 0 || count > MaxPointsPerRecord {
				return fmt.Errorf("store: record %d: bad point count", n)
			}
			for i := range count {
				p, err := r.point()
				if err != nil {
					return fmt.Errorf("store: record %d point %d: %w", n, i, err)
				}
				p.Arrival = n*MaxPointsPerRecord + uint64(i)
				if err := fn(p); err != nil {
					return err
				}
			}
			if len(r.b) != 0 {
				return fmt.Errorf("store: record %d: %d trailing bytes", n, len(r.b))
			}
			return nil
		})
	})
}

// Load reads the whole log in batches of up to n points.
func Load(db *bolt.DB, n int, fn func([]projection.Point)) (int, error) {
	batch := make([]projection.Point, 0, n)
	total := 0
	err := ForEach(db, func(p projection.Point) error {
		batch = append(batch, p)
		if len(batch) == n {
			fn(batch)
			total += len(batch)
			batch = batch[:0]
		}
		return nil
	})
	if err != nil {
		return total, err
	}
	if len(batch) > 0 {
		fn(batch)
		total += len(batch)
	}
	return total, nil
}

// SeqReserved reads the reserved sequence end (0 for a new file).
func SeqReserved(tx *bolt.Tx) uint64 {
	b := tx.Bucket(BucketMeta)
	if b == nil {
		return 0
	}
	v := b.Get(KeySeqReserved)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// PutSeqReserved records a new reserved sequence end in tx.
func PutSeqReserved(tx *bolt.Tx, end uint64) error {
	b := tx.Bucket(BucketMeta)
	if b == nil {
		return errors.New("store: meta bucket missing")
	}
	return b.Put(KeySeqReserved, binary.BigEndian.AppendUint64(nil, end))
}

// ReserveAtStart returns the sequence a starting process begins at (the
// end reserved by the previous run) and reserves block more after it.
func ReserveAtStart(db *bolt.DB, block uint64) (start, end uint64, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		start = SeqReserved(tx)
		end = start + block
		return PutSeqReserved(tx, end)
	})
	return start, end, err
}

// encoding

func putStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func putBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func encode(b []byte, p projection.Point) ([]byte, error) {
	if !p.Kind.Valid() {
		return nil, fmt.Errorf("store: unknown point kind %d", p.Kind)
	}
	b = append(b, byte(p.Kind))
	b = binary.BigEndian.AppendUint32(b, uint32(projection.DayOf(p.Date)))
	b = append(b, p.Rank)
	b = putStr(b, p.Child)
	switch p.Kind {
	case projection.KindCare:
		b = putBool(b, p.Care.LookedAfter)
		b = putStr(b, p.Care.LegalStatus)
	case projection.KindUASC:
		b = putBool(b, p.UASC)
	case projection.KindPlacement:
		var flags byte
		if p.Placement.Present {
			flags |= 1
		}
		if p.Placement.Temporary {
			flags |= 2
		}
		b = append(b, flags, byte(p.Placement.Location))
		b = putStr(b, p.Placement.Type)
		b = putStr(b, string(p.Placement.Group))
		b = putStr(b, p.Placement.Distance)
	case projection.KindCareLeaver:
		b = putBool(b, p.CareLeaver.Open)
		b = putStr(b, p.CareLeaver.Category)
	case projection.KindAgeBand:
		b = putStr(b, p.AgeBand)
	case projection.KindContact:
		b = putStr(b, p.Contact.InTouch)
		b = putStr(b, p.Contact.Activity)
		b = putStr(b, p.Contact.Accommodation)
	case projection.KindMonthOfBirth:
		b = putStr(b, p.MonthOfBirth)
	}
	return b, nil
}

var errShort = errors.New("truncated record")

type reader struct {
	b   []byte
	err error
	in  interner
}

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) < 1 {
		r.err = errShort
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uint32() uint32 {
	if r.err != nil || len(r.b) < 4 {
		r.err = errShort
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) str() string {
	if r.err != nil {
		return ""
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)-k) {
		r.err = errShort
		return ""
	}
	s := r.in.get(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

func (r *reader) bool() bool { return r.byte() == 1 }

// point reads one encoded point.
func (r *reader) point() (projection.Point, error) {
	var p projection.Point
	p.Kind = projection.Kind(r.byte())
	day := projection.Day(r.uint32())
	p.Rank = r.byte()
	p.Child = r.str()
	if r.err != nil {
		return p, r.err
	}
	if !p.Kind.Valid() {
		return p, fmt.Errorf("unknown point kind %d", p.Kind)
	}
	p.Date = day.Date()
	if _, err := clock.NewDate(p.Date.Y, p.Date.M, p.Date.D); err != nil {
		return p, err
	}
	switch p.Kind {
	case projection.KindCare:
		p.Care.LookedAfter = r.bool()
		p.Care.LegalStatus = r.str()
	case projection.KindUASC:
		p.UASC = r.bool()
	case projection.KindPlacement:
		flags := r.byte()
		p.Placement.Present, p.Placement.Temporary = flags&1 != 0, flags&2 != 0
		p.Placement.Location = projection.Location(r.byte())
		p.Placement.Type = r.str()
		p.Placement.Group = codes.PlacementGroup(r.str())
		p.Placement.Distance = r.str()
	case projection.KindCareLeaver:
		p.CareLeaver.Open = r.bool()
		p.CareLeaver.Category = r.str()
	case projection.KindAgeBand:
		p.AgeBand = r.str()
	case projection.KindContact:
		p.Contact.InTouch = r.str()
		p.Contact.Activity = r.str()
		p.Contact.Accommodation = r.str()
	case projection.KindMonthOfBirth:
		p.MonthOfBirth = r.str()
	}
	return p, r.err
}

// interner shares the strings of a load (child ids, codes): a child with a
// hundred points holds its id once.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	in[s] = s
	return s
}
