package events

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// AppendEvent is Append for the suite's event envelopes: it makes the event
// id, writes it into msg's string field "event_id" (every envelope in
// proto/*/v1/events.proto has one), and appends the row under that id, so the
// id inside the payload and the Nats-Msg-Id header are always the same.
func AppendEvent(tx *bolt.Tx, subject string, msg proto.Message) (Event, error) {
	if msg == nil {
		return Event{}, fmt.Errorf("events: AppendEvent %s: nil message", subject)
	}
	m := msg.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("event_id")
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.Cardinality() == protoreflect.Repeated {
		return Event{}, fmt.Errorf("events: AppendEvent: %s has no string field event_id", m.Descriptor().FullName())
	}
	id, err := NewID()
	if err != nil {
		return Event{}, err
	}
	m.Set(fd, protoreflect.ValueOfString(id))
	return AppendWithID(tx, id, subject, msg)
}
