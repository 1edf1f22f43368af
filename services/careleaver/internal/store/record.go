package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/corporate-parenting/suite/pkg/clock"
)

// encode writes a stored value: the record version, then JSON.
func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{recordVersion}, b...), nil
}

// decode reads a stored value written by encode.
func decode(b []byte, v any) error {
	if len(b) < 1 || b[0] != recordVersion {
		return errors.New("store: unknown record version")
	}
	return json.Unmarshal(b[1:], v)
}

const sep = 0x00

// contactKey is child_id 0x00 date 0x00 contact_id.
func contactKey(childID string, d clock.Date, id string) []byte {
	k := make([]byte, 0, len(childID)+len(id)+12)
	k = append(k, childID...)
	k = append(k, sep)
	k = append(k, d.String()...)
	k = append(k, sep)
	return append(k, id...)
}

// splitContactKey reads the date and contact id of a contact key after the
// child's prefix.
func splitContactKey(pos []byte) (clock.Date, string, error) {
	date, id, ok := bytes.Cut(pos, []byte{sep})
	if !ok {
		return clock.Date{}, "", fmt.Errorf("store: malformed contact key %q", pos)
	}
	d, err := clock.ParseDate(string(date))
	return d, string(id), err
}

// contactPrefix is child_id 0x00.
func contactPrefix(childID string) []byte { return append([]byte(childID), sep) }

// contactsAfterDay is a key greater than every contact of childID dated d
// and smaller than those dated later.
func contactsAfterDay(childID string, d clock.Date) []byte {
	k := append(contactPrefix(childID), d.String()...)
	return append(k, sep+1)
}

// contactPos is the part of a contact key after the child's prefix: what
// ListContacts page tokens carry.
func contactPos(k []byte, prefix []byte) []byte {
	return bytes.Clone(k[len(prefix):])
}

// takeUpKey joins the parts of a take-up key with 0x00.
func takeUpKey(a, b string, d clock.Date) []byte {
	k := make([]byte, 0, len(a)+len(b)+12)
	k = append(k, a...)
	k = append(k, sep)
	k = append(k, b...)
	k = append(k, sep)
	return append(k, d.String()...)
}

// splitTakeUpKey splits a take-up key into its parts.
func splitTakeUpKey(k []byte) (a, b string, d clock.Date, err error) {
	parts := bytes.Split(k, []byte{sep})
	if len(parts) != 3 {
		return "", "", clock.Date{}, fmt.Errorf("store: malformed take-up key %q", k)
	}
	d, err = clock.ParseDate(string(parts[2]))
	return string(parts[0]), string(parts[1]), d, err
}
