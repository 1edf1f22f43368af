package scorecard

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

// hub holds the ONE upstream WatchIndicators stream and fans its messages out
// to every connected browser.
//
// It keeps the latest value of every figure (to give a browser a snapshot)
// and the last opts.History changes, already written as SSE messages (to let
// a browser resume after its Last-Event-ID). Sequences are the metrics
// service's own, so an event id means the same thing to every browser and
// across reconnects of the upstream stream.
type hub struct {
	client metricsv1.MetricsServiceClient
	opts   Options
	log    *slog.Logger
	ctx    context.Context // ends with the Scorecard

	mu      sync.Mutex
	subs    map[*subscriber]struct{}
	running bool
	stop    context.CancelFunc // stops the current run
	gen     uint64             // run generation, so a stale idle timer does nothing
	idle    *time.Timer
	runs    sync.WaitGroup

	upstream  string // connecting, connected, reconnecting
	haveState bool
	lastSeq   uint64
	// floor is the lowest sequence a browser can resume after and still get
	// every change from history; below it, it gets a snapshot.
	floor   uint64
	state   map[string]*metricsv1.IndicatorValue
	order   []string // state keys, first seen first
	history []histEntry
}

type histEntry struct {
	seq uint64
	msg []byte
}

// subscriber is one browser's queue.
type subscriber struct {
	ch      chan []byte
	closed  bool
	pending bool   // waiting for the hub's first upstream message
	resume  bool   // the browser gave a sequence to resume after
	after   uint64 // that sequence
}

func newHub(ctx context.Context, client metricsv1.MetricsServiceClient, opts Options, log *slog.Logger) *hub {
	h := &hub{
		client:   client,
		opts:     opts,
		log:      log,
		ctx:      ctx,
		subs:     map[*subscriber]struct{}{},
		state:    map[string]*metricsv1.IndicatorValue{},
		upstream: "connecting",
	}
	context.AfterFunc(ctx, h.closeAll)
	return h
}

// subscribe adds a browser. With resume, it gets the changes after `after`
// (or a snapshot when they are no longer held); without, a snapshot. The
// queue is closed when the browser is too slow or the scorecard closes.
func (h *hub) subscribe(resume bool, after uint64) (*subscriber, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx.Err() != nil {
		return nil, false
	}
	sub := &subscriber{ch: make(chan []byte, h.opts.ClientBuffer), resume: resume, after: after}
	h.subs[sub] = struct{}{}
	h.send(sub, statusMessage(h.upstream))
	if h.haveState {
		h.catchUp(sub)
	} else {
		sub.pending = true
	}
	h.startLocked()
	return sub, true
}

// unsubscribe removes a browser; the upstream stream stops IdleTimeout after
// the last one leaves.
func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(sub)
	if len(h.subs) > 0 || !h.running {
		return
	}
	gen := h.gen
	if h.idle != nil {
		h.idle.Stop()
	}
	h.idle = time.AfterFunc(h.opts.IdleTimeout, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.gen == gen && h.running && len(h.subs) == 0 {
			h.stop()
			h.running = false
			h.upstream = "connecting"
		}
	})
}

func (h *hub) dropLocked(sub *subscriber) {
	if _, ok := h.subs[sub]; ok {
		delete(h.subs, sub)
	}
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
}

// closeAll ends every browser's stream (the scorecard is closing).
func (h *hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		h.dropLocked(sub)
	}
	if h.idle != nil {
		h.idle.Stop()
	}
}

// wait returns when the upstream run has stopped (after the context ends).
func (h *hub) wait() { h.runs.Wait() }

// startLocked starts the upstream run if it is not running.
func (h *hub) startLocked() {
	if h.idle != nil {
		h.idle.Stop()
		h.idle = nil
	}
	if h.running || h.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(h.ctx)
	h.running, h.stop = true, cancel
	h.gen++
	h.runs.Add(1)
	go func() {
		defer h.runs.Done()
		h.run(ctx)
	}()
}

// send queues a message for one browser; a browser whose queue is full is
// disconnected (its EventSource reconnects with Last-Event-ID and resumes).
func (h *hub) send(sub *subscriber, msg []byte) {
	if sub.closed {
		return
	}
	select {
	case sub.ch <- msg:
	default:
		h.log.Info("scorecard: a browser fell behind; disconnecting it so it resumes")
		h.dropLocked(sub)
	}
}

func (h *hub) broadcast(msg []byte) {
	for sub := range h.subs {
		h.send(sub, msg)
	}
}

// catchUp brings a new (or pending) browser up to the hub's state.
func (h *hub) catchUp(sub *subscriber) {
	sub.pending = false
	if sub.resume && sub.after == h.lastSeq {
		return // already up to date
	}
	if sub.resume && sub.after < h.lastSeq && sub.after >= h.floor {
		var missed [][]byte
		for _, e := range h.history {
			if e.seq > sub.after {
				missed = append(missed, e.msg)
			}
		}
		if len(missed) < cap(sub.ch)-len(sub.ch) {
			for _, m := range missed {
				h.send(sub, m)
			}
			return
		}
	}
	h.send(sub, h.snapshotMessage())
}

// run keeps one upstream stream open until ctx ends, reconnecting with
// backoff and resuming after the last sequence seen.
func (h *hub) run(ctx context.Context) {
	backoff := h.opts.ReconnectMin
	for {
		got, err := h.watchOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		h.setUpstream("reconnecting")
		if got {
			backoff = h.opts.ReconnectMin
		}
		h.log.Warn("scorecard: metrics watch ended; reconnecting", "err", err, "in", backoff)
		// Full jitter between half the backoff and the backoff.
		wait := backoff/2 + time.Duration(rand.Int64N(int64(backoff/2)+1))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, h.opts.ReconnectMax)
	}
}

// watchOnce runs one upstream stream; got says whether it delivered anything.
func (h *hub) watchOnce(ctx context.Context) (got bool, err error) {
	h.mu.Lock()
	var after uint64
	if h.haveState {
		after = h.lastSeq
	}
	h.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := h.client.WatchIndicators(ctx, &metricsv1.WatchIndicatorsRequest{AfterSequence: after})
	if err != nil {
		return false, err
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			return got, err
		}
		if !got {
			got = true
			h.setUpstream("connected")
		}
		h.apply(resp)
	}
}

func (h *hub) setUpstream(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.upstream == s {
		return
	}
	h.upstream = s
	h.broadcast(statusMessage(s))
}

// apply takes one upstream message into the state and passes it on.
func (h *hub) apply(resp *metricsv1.WatchIndicatorsResponse) {
	h.mu.Lock()
	defer h.mu.Unlock()
	seq := resp.GetSequence()
	if resp.GetSnapshot() || !h.haveState {
		same := h.haveState && seq == h.lastSeq
		if resp.GetSnapshot() {
			h.state = map[string]*metricsv1.IndicatorValue{}
			h.order = h.order[:0]
		}
		h.put(resp.GetValues())
		h.haveState, h.lastSeq, h.floor, h.history = true, seq, seq, nil
		if same {
			return // a resume answered with a snapshot of what browsers have
		}
		msg := h.snapshotMessage()
		for sub := range h.subs {
			if sub.pending {
				h.catchUp(sub)
			} else {
				h.send(sub, msg)
			}
		}
		return
	}
	if seq <= h.lastSeq {
		return // already applied (a resume that overlaps)
	}
	h.put(resp.GetValues())
	h.lastSeq = seq
	msg := eventMessage("change", seq, resp.GetValues())
	h.history = append(h.history, histEntry{seq: seq, msg: msg})
	if over := len(h.history) - h.opts.History; over > 0 {
		h.floor = h.history[over-1].seq
		h.history = append(h.history[:0:0], h.history[over:]...)
	}
	h.broadcast(msg)
}

func (h *hub) put(values []*metricsv1.IndicatorValue) {
	for _, v := range values {
		k := valueKey(v.GetIndicatorId(), v.GetVariant(), v.GetAgeBand())
		if _, ok := h.state[k]; !ok {
			h.order = append(h.order, k)
		}
		h.state[k] = v
	}
}

func (h *hub) snapshotMessage() []byte {
	vals := make([]*metricsv1.IndicatorValue, 0, len(h.order))
	for _, k := range h.order {
		vals = append(vals, h.state[k])
	}
	return eventMessage("snapshot", h.lastSeq, vals)
}

// liveValue is a value as /events sends it.
type liveValue struct {
	Key         string  `json:"key"`
	IndicatorID string  `json:"indicator_id"`
	Variant     string  `json:"variant"`
	AgeBand     string  `json:"age_band"`
	AsAtDate    string  `json:"as_at_date"`
	Numerator   int64   `json:"numerator"`
	Denominator int64   `json:"denominator"`
	Value       float64 `json:"value"`
	Unit        string  `json:"unit"`
	Display     string  `json:"display"`
	Counts      string  `json:"counts,omitempty"`
}

// Event is the data of a change or snapshot event on /events.
type Event struct {
	Sequence uint64      `json:"sequence"`
	Snapshot bool        `json:"snapshot"`
	Values   []liveValue `json:"values"`
}

// eventMessage writes one SSE message: the sequence as its id.
func eventMessage(event string, seq uint64, values []*metricsv1.IndicatorValue) []byte {
	ev := Event{Sequence: seq, Snapshot: event == "snapshot", Values: make([]liveValue, 0, len(values))}
	for _, v := range values {
		unit := valueUnit(v)
		ev.Values = append(ev.Values, liveValue{
			Key:         valueKey(v.GetIndicatorId(), v.GetVariant(), v.GetAgeBand()),
			IndicatorID: v.GetIndicatorId(),
			Variant:     v.GetVariant(),
			AgeBand:     v.GetAgeBand(),
			AsAtDate:    v.GetAsAtDate(),
			Numerator:   v.GetNumerator(),
			Denominator: v.GetDenominator(),
			Value:       v.GetValue(),
			Unit:        unit,
			Display:     formatValue(unit, v.GetValue(), v.GetNumerator()),
			Counts:      formatCounts(unit, v.GetNumerator(), v.GetDenominator()),
		})
	}
	data, _ := json.Marshal(ev) // plain structs: cannot fail
	var b bytes.Buffer
	b.WriteString("id: " + strconv.FormatUint(seq, 10) + "\n")
	b.WriteString("event: " + event + "\n")
	b.WriteString("data: ")
	b.Write(data) // json.Marshal never writes a newline
	b.WriteString("\n\n")
	return b.Bytes()
}

// statusMessage tells browsers whether the upstream stream is up. It has no
// id, so it does not move a browser's Last-Event-ID.
func statusMessage(s string) []byte {
	return []byte(`event: status` + "\n" + `data: {"upstream":"` + s + `"}` + "\n\n")
}
