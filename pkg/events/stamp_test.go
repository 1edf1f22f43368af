package events

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
)

func TestAppendEventStampsTheEnvelopeWithTheRowID(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "stamp.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ev Event
	err = db.Update(func(tx *bolt.Tx) error {
		ev, err = AppendEvent(tx, "caseload.child.registered", &caseloadv1.CaseloadEvent{ChildId: "c1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got caseloadv1.CaseloadEvent
	if err := proto.Unmarshal(ev.Data, &got); err != nil {
		t.Fatal(err)
	}
	if got.EventId == "" || got.EventId != ev.ID {
		t.Fatalf("payload event_id %q, row id %q: want equal and set", got.EventId, ev.ID)
	}
	err = db.View(func(tx *bolt.Tx) error {
		rows, err := PendingEvents(tx, 10)
		if err != nil {
			return err
		}
		if len(rows) != 1 || rows[0].ID != ev.ID || rows[0].Type != "caseload.v1.CaseloadEvent" {
			t.Fatalf("outbox rows %+v, want the one stamped event", rows)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAppendEventRefusesAMessageWithoutEventID(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "stamp.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := AppendEvent(tx, "x.y", wrapperspb.String("no id field"))
		return err
	})
	if err == nil {
		t.Fatal("AppendEvent accepted a message with no event_id field")
	}
}
