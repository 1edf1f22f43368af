package scorecard

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveEvents streams indicator changes as server-sent events:
//
//	id: 43
//	event: change            (or snapshot: every value)
//	data: {"sequence":43,"snapshot":false,"values":[{"key":"cla_count/dfe/all","numerator":663,...}]}
//
// plus "event: status" messages saying whether the metrics stream is up, and
// a ": heartbeat" comment every Options.Heartbeat. A browser resumes after
// the Last-Event-ID header (sent by EventSource when it reconnects) or
// ?after=N (the sequence its page was rendered at); with neither it starts
// with a snapshot.
func (s *Scorecard) serveEvents(w http.ResponseWriter, r *http.Request) {
	resume, after := resumePoint(r)
	sub, ok := s.hub.subscribe(resume, after)
	if !ok {
		http.Error(w, "the scorecard is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.hub.unsubscribe(sub)

	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // tell nginx-style proxies not to buffer
	w.WriteHeader(http.StatusOK)
	// Reconnect after 2 s when the connection drops.
	if _, err := io.WriteString(w, "retry: 2000\n\n"); err != nil {
		return
	}
	if err := rc.Flush(); err != nil {
		s.log.Warn("scorecard: the HTTP server cannot stream events", "err", err)
		return
	}

	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-heartbeat.C:
			if _, err := io.WriteString(w, ": heartbeat\n\n"); err != nil {
				return
			}
		case msg, ok := <-sub.ch:
			if !ok {
				return // too slow, or closing: the browser reconnects and resumes
			}
			if _, err := w.Write(msg); err != nil {
				return
			}
			// Write whatever else is already queued before flushing.
			for more := true; more; {
				select {
				case msg, ok := <-sub.ch:
					if !ok {
						_ = rc.Flush()
						return
					}
					if _, err := w.Write(msg); err != nil {
						return
					}
				default:
					more = false
				}
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// resumePoint reads where a browser resumes: Last-Event-ID, else ?after=.
func resumePoint(r *http.Request) (resume bool, after uint64) {
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return false, 0 // not ours: start again with a snapshot
		}
		return true, n
	}
	return false, 0
}
