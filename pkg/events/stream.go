package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultDuplicates is the duplicate window of the suite's streams: longer
// than any relay outage the suite tests, so a re-published row inside it is
// dropped by JetStream itself (consumers catch any later one by event id).
const DefaultDuplicates = time.Hour

// Stream names.
const (
	StreamCaseload   = "CASELOAD"
	StreamPlacement  = "PLACEMENT"
	StreamCareleaver = "CARELEAVER"
)

// StreamSpec describes one of the suite's streams.
type StreamSpec struct {
	Name       string
	Subjects   []string
	Replicas   int           // 1 if 0 (embedded); 3 in the clustered deployment
	Duplicates time.Duration // DefaultDuplicates if 0
}

// CaseloadStream is the CASELOAD stream (caseload.>), written by caseload.
func CaseloadStream() StreamSpec {
	return StreamSpec{Name: StreamCaseload, Subjects: []string{"caseload.>"}}
}

// PlacementStream is the PLACEMENT stream (placement.>), written by placement.
func PlacementStream() StreamSpec {
	return StreamSpec{Name: StreamPlacement, Subjects: []string{"placement.>"}}
}

// CareleaverStream is the CARELEAVER stream (careleaver.>), written by careleaver.
func CareleaverStream() StreamSpec {
	return StreamSpec{Name: StreamCareleaver, Subjects: []string{"careleaver.>"}}
}

// Config is the JetStream configuration of the spec: file storage, limits
// retention with no limits at all (no age, count or size limit), message
// deletes and purges denied, the duplicate window.
func (s StreamSpec) Config() jetstream.StreamConfig {
	replicas := s.Replicas
	if replicas <= 0 {
		replicas = 1
	}
	dup := s.Duplicates
	if dup <= 0 {
		dup = DefaultDuplicates
	}
	return jetstream.StreamConfig{
		Name:       s.Name,
		Subjects:   append([]string(nil), s.Subjects...),
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		MaxAge:     0,
		MaxMsgs:    -1,
		MaxBytes:   -1,
		Replicas:   replicas,
		Duplicates: dup,
		DenyDelete: true,
		DenyPurge:  true,
	}
}

// EnsureStream creates the stream or updates it to spec; calling it again
// with the same spec changes nothing. Producers call it at start.
func EnsureStream(ctx context.Context, js jetstream.JetStream, spec StreamSpec) (jetstream.Stream, error) {
	if spec.Name == "" || len(spec.Subjects) == 0 {
		return nil, errors.New("events: EnsureStream: name and subjects are required")
	}
	st, err := js.CreateOrUpdateStream(ctx, spec.Config())
	if err != nil {
		return nil, fmt.Errorf("events: ensure stream %s: %w", spec.Name, err)
	}
	return st, nil
}
