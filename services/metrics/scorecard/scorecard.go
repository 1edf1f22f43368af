// Package scorecard serves the Corporate Parenting Board scorecard: a web page
// an elected member can read, kept live from the metrics service.
//
// It is a client of the metrics gRPC contract (metrics.v1.MetricsService) and
// nothing else: it never reads the metrics service's store, so it can run
// inside the metrics process (mounted on its HTTP listener, with a client
// connected to its own gRPC port on loopback) or in a process of its own.
//
//	GET /                 the page (HTML rendered on the server, so it reads
//	                      without JavaScript; a small script keeps it live)
//	GET /api/indicators   the same figures as JSON: GetIndicators with the
//	                      value twelve months earlier and benchmarks, labels from
//	                      ListIndicatorDefinitions, sparkline points from
//	                      GetIndicatorTrend
//	GET /events           server-sent events: every change to an indicator,
//	                      with its counts, the metrics sequence as the event id
//	GET /static/...       the page's stylesheet and script
//
// Both / and /api/indicators take ?as_at=YYYY-MM-DD for a past date (read from
// the metrics service's history; such a page is not live).
//
// Every browser shares ONE upstream WatchIndicators stream (a fan-out hub).
// The hub starts when the first browser connects, keeps the latest values and
// the last Options.History changes, reconnects upstream with after_sequence
// when the stream fails, and stops Options.IdleTimeout after the last browser
// leaves. A browser that reconnects with Last-Event-ID (EventSource does this
// by itself), or opens /events?after=N with the sequence its page was rendered
// at, gets the changes it missed, or a snapshot of every value when they are
// no longer held.
//
// Mount it under a path with its trailing slash, for example
//
//	mux.Handle("/scorecard/", http.StripPrefix("/scorecard", scorecard.Handler(client, opts)))
//
// (the page uses relative URLs).
package scorecard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

//go:embed static
var staticFS embed.FS

// Options configures the scorecard. The zero value is usable.
type Options struct {
	// Title is the page's heading (default "Corporate Parenting Board
	// scorecard").
	Title string
	// Council names the council under the heading, e.g. "Coventry City
	// Council" (optional).
	Council string
	// Context, when it ends, stops the shared upstream watch and ends every
	// open /events stream (default: never; the watch still stops when no
	// browser is connected). Close does the same.
	Context context.Context
	// Logger receives upstream errors and reconnects (default slog.Default()).
	Logger *slog.Logger
	// TrendMonths is how many month-end points each sparkline asks for
	// (default 13: the same month last year to now, as "12 months ago").
	TrendMonths int
	// RequestTimeout bounds each unary call to the metrics service (default
	// 10s).
	RequestTimeout time.Duration
	// Heartbeat is the interval of SSE comment lines that keep idle
	// connections (and proxies) open (default 15s).
	Heartbeat time.Duration
	// History is how many changes the hub keeps for browsers that resume
	// with Last-Event-ID (default 1024).
	History int
	// ClientBuffer is how many messages may wait for one slow browser before
	// it is disconnected (it reconnects and resumes) (default 256).
	ClientBuffer int
	// IdleTimeout is how long the upstream watch stays open after the last
	// browser leaves (default 1m).
	IdleTimeout time.Duration
	// ReconnectMin and ReconnectMax bound the backoff between upstream
	// reconnects (defaults 250ms and 10s).
	ReconnectMin, ReconnectMax time.Duration
}

func (o Options) withDefaults() Options {
	if o.Title == "" {
		o.Title = "Corporate Parenting Board scorecard"
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TrendMonths <= 0 {
		o.TrendMonths = 13
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.History <= 0 {
		o.History = 1024
	}
	if o.ClientBuffer <= 0 {
		o.ClientBuffer = 256
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = time.Minute
	}
	if o.ReconnectMin <= 0 {
		o.ReconnectMin = 250 * time.Millisecond
	}
	if o.ReconnectMax < o.ReconnectMin {
		o.ReconnectMax = 10 * time.Second
		if o.ReconnectMax < o.ReconnectMin {
			o.ReconnectMax = o.ReconnectMin
		}
	}
	return o
}

// Scorecard is the scorecard's HTTP handler. Close it to stop the upstream
// watch and end open event streams.
type Scorecard struct {
	client metricsv1.MetricsServiceClient
	opts   Options
	log    *slog.Logger
	hub    *hub
	mux    *http.ServeMux
	ctx    context.Context
	cancel context.CancelFunc
}

// Handler returns the scorecard as an http.Handler. Its upstream watch stops
// when opts.Context ends; use New for a handle that can be closed.
func Handler(client metricsv1.MetricsServiceClient, opts Options) http.Handler {
	return New(client, opts)
}

// New returns the scorecard handler.
func New(client metricsv1.MetricsServiceClient, opts Options) *Scorecard {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(opts.Context)
	s := &Scorecard{
		client: client,
		opts:   opts,
		log:    opts.Logger.With("component", "scorecard"),
		ctx:    ctx,
		cancel: cancel,
	}
	s.hub = newHub(ctx, client, opts, s.log)
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.HandleFunc("GET /index.html", s.servePage)
	mux.HandleFunc("GET /api/indicators", s.serveIndicators)
	mux.HandleFunc("GET /events", s.serveEvents)
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheShort(http.FileServerFS(static))))
	s.mux = mux
	return s
}

// ServeHTTP implements http.Handler.
func (s *Scorecard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// Close stops the upstream watch, ends every open event stream and waits for
// the hub to stop.
func (s *Scorecard) Close() {
	s.cancel()
	s.hub.wait()
}

func cacheShort(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// asAtParam reads ?as_at=YYYY-MM-DD ("" for live figures).
func asAtParam(r *http.Request) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get("as_at"))
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", errors.New("as_at must be a date written YYYY-MM-DD")
	}
	return v, nil
}

func (s *Scorecard) serveIndicators(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	asAt, err := asAtParam(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	sc, err := s.load(r.Context(), asAt)
	if err != nil {
		s.log.Warn("scorecard: reading indicators", "err", err)
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "the metrics service did not answer: " + grpcMessage(err)})
		return
	}
	writeJSON(w, http.StatusOK, sc)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
