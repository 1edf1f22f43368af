package server

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

// Core-NATS broadcast of indicator updates (architecture: "Streams and
// subjects"): one message per changed figure on
// metrics.indicators.<indicator>.<variant>.<age_band>, the payload a
// metrics.v1.IndicatorValue, with the change's sequence in a header. Core
// NATS keeps nothing: a dashboard that must not miss a change resumes
// through WatchIndicators with its last sequence.
const (
	SubjectPrefix = "metrics.indicators"
	// HeaderSequence carries the change's sequence (decimal).
	HeaderSequence = "Cp-Sequence"
	// HeaderSnapshot is "true" on the messages of a snapshot: every figure,
	// sent when the broadcaster starts and whenever it fell behind.
	HeaderSnapshot = "Cp-Snapshot"
)

// Subject is the subject a figure is published on.
func Subject(k projection.Key) string {
	return SubjectPrefix + "." + k.Indicator + "." + k.Variant + "." + k.AgeBand
}

// Broadcast follows the feed and publishes every change on core NATS until
// ctx ends. It starts with a snapshot (so a subscriber learns every current
// figure) and, if publishing fails (NATS gone for longer than the client's
// reconnect buffer), starts again from a snapshot after a pause.
func Broadcast(ctx context.Context, nc *nats.Conn, f *feed.Feed, proj *projection.Projection, log *slog.Logger) error {
	snapshot := func() (uint64, []projection.Value) {
		l := proj.Live()
		return l.Seq, l.Values
	}
	send := func(m feed.Message) error {
		seq := strconv.FormatUint(m.Seq, 10)
		for _, v := range m.Values {
			data, err := proto.Marshal(ToProto(v))
			if err != nil {
				return err
			}
			msg := &nats.Msg{Subject: Subject(v.Key), Data: data, Header: nats.Header{}}
			msg.Header.Set(HeaderSequence, seq)
			if m.Snapshot {
				msg.Header.Set(HeaderSnapshot, "true")
			}
			if err := nc.PublishMsg(msg); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		err := f.Follow(ctx, snapshot, 0, send)
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("indicator broadcast interrupted; restarting with a snapshot", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
