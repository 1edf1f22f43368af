package events

import (
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// AppendWithID stores the caller's id, so a payload can carry the same id
// the relay publishes as Nats-Msg-Id.
func TestAppendWithIDKeepsTheCallersID(t *testing.T) {
	db, _ := tempDB(t, "withid.db")
	id, err := NewID()
	if err != nil {
		t.Fatal(err)
	}
	var got Event
	if err := db.Update(func(tx *bolt.Tx) error {
		if _, err := AppendWithID(tx, "", "caseload.x", wrapperspb.String("a")); err == nil {
			t.Error("AppendWithID with an empty id succeeded")
		}
		got, err = AppendWithID(tx, id, "caseload.x", wrapperspb.String(id))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.ID != id {
		t.Fatalf("event id = %q, want %q", got.ID, id)
	}
	var pending []Event
	if err := db.View(func(tx *bolt.Tx) error {
		pending, err = PendingEvents(tx, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != id || pending[0].Type != "google.protobuf.StringValue" {
		t.Fatalf("outbox = %+v", pending)
	}
}
