package scorecard

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
)

// startScorecard serves the scorecard over real HTTP in front of client.
func startScorecard(t *testing.T, client metricsv1.MetricsServiceClient, opts Options) (*Scorecard, *httptest.Server) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Council == "" {
		opts.Council = "Coventry City Council"
	}
	sc := New(client, opts)
	ts := httptest.NewServer(sc)
	t.Cleanup(func() {
		sc.Close() // ends the event streams, so the server can close
		ts.Close()
	})
	return sc, ts
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode == http.StatusOK {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type = %q", ct)
		}
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func findValue(t *testing.T, d *Data, key string) Value {
	t.Helper()
	for _, ind := range d.Indicators {
		for _, v := range ind.Values {
			if v.Key == key {
				return v
			}
		}
	}
	t.Fatalf("no value %s", key)
	return Value{}
}

func findIndicator(t *testing.T, d *Data, id string) Indicator {
	t.Helper()
	for _, ind := range d.Indicators {
		if ind.ID == id {
			return ind
		}
	}
	t.Fatalf("no indicator %s", id)
	return Indicator{}
}

func TestIndicatorsJSON(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{})

	var d Data
	if code := getJSON(t, ts.URL+"/api/indicators", &d); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if d.AsAtDate != seedAsAt || !d.Live || d.Sequence != 100 || d.Council != "Coventry City Council" {
		t.Fatalf("header: as_at %q live %v sequence %d council %q", d.AsAtDate, d.Live, d.Sequence, d.Council)
	}
	if len(d.Notes) != 0 {
		t.Errorf("notes: %v", d.Notes)
	}
	// Board order, from the definitions.
	var ids []string
	for _, ind := range d.Indicators {
		ids = append(ids, ind.ID)
	}
	if got := strings.Join(ids[:3], ","); got != "cla_count,cla_change_12m,uasc_count" {
		t.Errorf("order starts %s", got)
	}
	if len(ids) != len(seedDefinitions) {
		t.Errorf("%d indicators, want %d", len(ids), len(seedDefinitions))
	}

	foster := findIndicator(t, &d, "placement_foster")
	if foster.Title != "Placed in foster care" || foster.Group != "placements" || foster.Unit != "percent" || foster.Polarity != "higher_is_better" {
		t.Errorf("foster: %+v", foster)
	}
	v := findValue(t, &d, "placement_foster/dfe/all")
	if v.Numerator != 502 || v.Denominator != 662 || v.Display != "75.8%" || v.Counts != "502 of 662" {
		t.Errorf("foster value: %+v", v)
	}
	if v.TwelveMonthsEarlier == nil || v.TwelveMonthsEarlier.Counts != "466 of 622" || v.TwelveMonthsEarlier.AsAtDate != "2025-03-31" {
		t.Errorf("foster twelve months earlier: %+v", v.TwelveMonthsEarlier)
	}
	if len(v.Benchmarks) != 1 || v.Benchmarks[0].Kind != "england" || v.Benchmarks[0].Display != "67%" || v.Benchmarks[0].YearEnding != "2025-03-31" {
		t.Errorf("foster benchmarks: %+v", v.Benchmarks)
	}
	if len(v.Trend) != 13 || v.Trend[12].AsAtDate != seedAsAt || v.Trend[12].Numerator != 502 || v.Trend[0].AsAtDate != "2025-03-31" {
		t.Errorf("foster trend: %+v", v.Trend)
	}
	if v.VariantLabel != "" {
		t.Errorf("a single-variant figure has a variant label %q", v.VariantLabel)
	}

	cla := findValue(t, &d, "cla_count/dfe/all")
	if cla.Display != "662" || cla.Unit != "count" || cla.Counts != "" || cla.TwelveMonthsEarlier.Display != "622" {
		t.Errorf("cla_count: %+v", cla)
	}
	if got := findValue(t, &d, "cla_change_12m/dfe/all").Display; got != "+40" {
		t.Errorf("cla_change_12m display %q", got)
	}
	if got := findValue(t, &d, "uasc_count/dfe/all").Benchmarks[0].Display; got != "6,540" {
		t.Errorf("England UASC display %q", got)
	}

	// Care leavers: both variants, labelled, with their different bases.
	local := findValue(t, &d, "care_leavers_eet/local/all")
	dfe := findValue(t, &d, "care_leavers_eet/dfe/all")
	if local.VariantLabel != "of those in touch" || local.Display != "62.2%" || local.Counts != "171 of 275" {
		t.Errorf("EET local: %+v", local)
	}
	if dfe.VariantLabel != "of all care leavers (DfE definition)" || dfe.Display != "59.0%" || dfe.Counts != "171 of 290" {
		t.Errorf("EET dfe: %+v", dfe)
	}
	if sa := findValue(t, &d, "care_leavers_suitable_accommodation/local/all"); sa.Display != "96.0%" || sa.Counts != "264 of 275" {
		t.Errorf("suitable accommodation local: %+v", sa)
	}
	if it := findValue(t, &d, "care_leavers_in_touch/local/all"); it.Display != "95.8%" || it.Counts != "275 of 287" {
		t.Errorf("in touch: %+v", it)
	}
	// Age bands carry no trend (the page shows them in a table).
	if b := findValue(t, &d, "care_leavers_eet/dfe/19_21"); len(b.Trend) != 0 || len(b.Benchmarks) != 2 {
		t.Errorf("EET 19-21: trend %d points, %d benchmarks", len(b.Trend), len(b.Benchmarks))
	}
}

func TestIndicatorsAsAtAndErrors(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{})

	var d Data
	if code := getJSON(t, ts.URL+"/api/indicators?as_at=2025-09-30", &d); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if d.Live || d.AsAtDate != "2025-09-30" {
		t.Errorf("past date: live %v as_at %q", d.Live, d.AsAtDate)
	}
	f.mu.Lock()
	got := f.getAsAt[len(f.getAsAt)-1]
	f.mu.Unlock()
	if got != "2025-09-30" {
		t.Errorf("GetIndicators as_at_date %q", got)
	}
	if code := getJSON(t, ts.URL+"/api/indicators?as_at=31/03/2026", nil); code != http.StatusBadRequest {
		t.Errorf("a bad date: status %d", code)
	}
	f.mu.Lock()
	f.failGet = true
	f.mu.Unlock()
	if code := getJSON(t, ts.URL+"/api/indicators", nil); code != http.StatusBadGateway {
		t.Errorf("metrics down: status %d", code)
	}
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "could not be read from the metrics service") {
		t.Errorf("page with metrics down: %d %s", resp.StatusCode, body)
	}
}

func TestPageHTML(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{})

	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	for _, want := range []string{
		`<html lang="en-GB">`,
		"Corporate Parenting Board scorecard",
		`as at <time id="as-at" datetime="2026-03-31">31 March 2026</time>`,
		"Coventry City Council",
		"<h2 id=\"h-children_looked_after\">Children looked after</h2>",
		"Where children live",
		"Children looked after</h3>",
		"Placed in foster care</h3>",
		"Care leavers in touch</h3>",
		"Care leavers in education, employment or training</h3>",
		`<span class="value js-value">75.8%</span>`,
		`<span class="js-counts">502 of 662</span>`,
		"466 of 622",                            // twelve months ago
		"up 0.9 points on a year ago",           // 75.8 vs 74.9
		"<dt>England, 2025</dt>",                // latest year only
		"<dt>Statistical neighbours, 2025</dt>", // care leavers EET
		"of those in touch",
		"of all care leavers (DfE definition)",
		`data-key="care_leavers_eet/local/all"`,
		`data-key="care_leavers_eet/dfe/19_21"`, // by age
		`class="spark js-spark"`,
		"March 2025",
		`data-live="true" data-sequence="100"`,
		`src="static/scorecard.js"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "83,530") {
		t.Error("page shows an older England figure as well as the latest")
	}
	// In touch: the two variants agree, so one figure.
	if strings.Contains(page, `data-key="care_leavers_in_touch/local/all"`) || !strings.Contains(page, `data-key="care_leavers_in_touch/dfe/all"`) {
		t.Error("in touch: want one figure when both variants agree")
	}
	// No external resources.
	for _, bad := range []string{"http://", "https://", "//fonts", "cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("page references %q", bad)
		}
	}
	for _, asset := range []string{"/static/scorecard.js", "/static/scorecard.css"} {
		r, err := http.Get(ts.URL + asset)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", asset, r.StatusCode)
		}
	}
	if r, _ := http.Get(ts.URL + "/nope"); r.StatusCode != http.StatusNotFound {
		t.Errorf("/nope: %d", r.StatusCode)
	}
}

// --- server-sent events ---------------------------------------------------------

type sseEvent struct {
	id, event, data string
	comment         string
}

type sseClient struct {
	t      *testing.T
	events chan sseEvent
	cancel context.CancelFunc
}

// openSSE connects to /events; lastEventID "" sends no header.
func openSSE(t *testing.T, url, lastEventID string) *sseClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	c := &sseClient{t: t, events: make(chan sseEvent, 64), cancel: cancel}
	go func() {
		defer resp.Body.Close()
		defer close(c.events)
		r := bufio.NewReader(resp.Body)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if ev != (sseEvent{}) {
					c.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	t.Cleanup(cancel)
	return c
}

// next returns the next event that is not a status or a comment (unless
// asked for), failing after timeout.
func (c *sseClient) next(want func(sseEvent) bool) sseEvent {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatal("event stream ended")
			}
			if want(ev) {
				return ev
			}
		case <-timeout:
			c.t.Fatal("timed out waiting for an event")
		}
	}
}

func isData(ev sseEvent) bool { return ev.event == "change" || ev.event == "snapshot" }

func decodeEvent(t *testing.T, ev sseEvent) Event {
	t.Helper()
	var e Event
	if err := json.Unmarshal([]byte(ev.data), &e); err != nil {
		t.Fatalf("event data %q: %v", ev.data, err)
	}
	return e
}

func valueIn(e Event, key string) (liveValue, bool) {
	for _, v := range e.Values {
		if v.Key == key {
			return v, true
		}
	}
	return liveValue{}, false
}

func TestEventsChangeAndResume(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{})

	var d Data
	getJSON(t, ts.URL+"/api/indicators", &d)
	// The page opens /events?after=<its sequence>.
	c := openSSE(t, ts.URL+"/events?after="+strconv.FormatUint(d.Sequence, 10), "")
	c.next(func(ev sseEvent) bool { return ev.event == "status" && strings.Contains(ev.data, `"connected"`) })

	seq := f.push(fosterChange()...)
	ev := c.next(isData)
	if ev.event != "change" || ev.id != strconv.FormatUint(seq, 10) {
		t.Fatalf("got %s id %s, want change id %d", ev.event, ev.id, seq)
	}
	e := decodeEvent(t, ev)
	foster, ok := valueIn(e, "placement_foster/dfe/all")
	if !ok || e.Sequence != seq || e.Snapshot || foster.Numerator != 503 || foster.Denominator != 663 ||
		foster.Display != "75.9%" || foster.Counts != "503 of 663" || foster.Unit != "percent" {
		t.Fatalf("change: %+v", e)
	}
	if cla, _ := valueIn(e, "cla_count/dfe/all"); cla.Display != "663" {
		t.Errorf("cla_count in the change: %+v", cla)
	}

	// The browser goes away; two more changes happen; it comes back with
	// Last-Event-ID and gets exactly those, in order.
	c.cancel()
	s2 := f.push(iv("placement_foster", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_PERCENT, 504, 663))
	s3 := f.push(iv("uasc_count", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_COUNT, 61, 0))
	waitFor(t, func() bool { return hubSeq(t, ts) == s3 })

	c2 := openSSE(t, ts.URL+"/events?after=1", strconv.FormatUint(seq, 10)) // the header wins over ?after
	got := []string{c2.next(isData).id, c2.next(isData).id}
	if got[0] != strconv.FormatUint(s2, 10) || got[1] != strconv.FormatUint(s3, 10) {
		t.Fatalf("resumed with ids %v, want %d, %d", got, s2, s3)
	}

	// A browser with nothing to resume from gets a snapshot of every value.
	c3 := openSSE(t, ts.URL+"/events", "")
	snap := c3.next(isData)
	se := decodeEvent(t, snap)
	if snap.event != "snapshot" || snap.id != strconv.FormatUint(s3, 10) || !se.Snapshot || len(se.Values) != len(seedRows) {
		t.Fatalf("snapshot: %s id %s, %d values", snap.event, snap.id, len(se.Values))
	}
	if v, _ := valueIn(se, "placement_foster/dfe/all"); v.Numerator != 504 {
		t.Errorf("snapshot foster %+v", v)
	}

	// One upstream stream served all three browsers.
	if w := f.watches(); len(w) != 1 {
		t.Errorf("WatchIndicators calls %v, want one", w)
	}
}

// hubSeq reads the hub's last sequence through a fresh snapshot.
func hubSeq(t *testing.T, ts *httptest.Server) uint64 {
	t.Helper()
	c := openSSE(t, ts.URL+"/events", "")
	defer c.cancel()
	ev := c.next(isData)
	n, _ := strconv.ParseUint(ev.id, 10, 64)
	return n
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestEventsResumeTooOldGetsSnapshot(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{History: 2})
	c := openSSE(t, ts.URL+"/events", "")
	first := c.next(isData)
	for range 3 {
		f.push(iv("uasc_count", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_COUNT, 61, 0))
	}
	var last sseEvent
	for range 3 {
		last = c.next(isData)
	}
	// The hub holds two changes: resuming after the snapshot (three back)
	// cannot be served change by change.
	c2 := openSSE(t, ts.URL+"/events", first.id)
	ev := c2.next(isData)
	if ev.event != "snapshot" || ev.id != last.id {
		t.Fatalf("resume after %s: got %s id %s, want a snapshot at %s", first.id, ev.event, ev.id, last.id)
	}
	// Resuming after the latest: nothing until the next change.
	c3 := openSSE(t, ts.URL+"/events", last.id)
	s := f.push(iv("uasc_count", "dfe", "all", seedAsAt, metricsv1.Unit_UNIT_COUNT, 62, 0))
	if ev := c3.next(isData); ev.event != "change" || ev.id != strconv.FormatUint(s, 10) {
		t.Fatalf("got %s %s", ev.event, ev.id)
	}
}

func TestUpstreamReconnectResumes(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{ReconnectMin: 20 * time.Millisecond, ReconnectMax: 50 * time.Millisecond})
	c := openSSE(t, ts.URL+"/events", "")
	snap := c.next(isData)

	f.killStreams()
	c.next(func(ev sseEvent) bool { return ev.event == "status" && strings.Contains(ev.data, "reconnecting") })
	seq := f.push(fosterChange()...)
	ev := c.next(isData)
	if ev.event != "change" || ev.id != strconv.FormatUint(seq, 10) {
		t.Fatalf("after the upstream reconnect: %s id %s, want change %d", ev.event, ev.id, seq)
	}
	w := f.watches()
	if len(w) < 2 || strconv.FormatUint(w[1], 10) != snap.id {
		t.Fatalf("WatchIndicators after_sequence %v, want the second to resume after %s", w, snap.id)
	}
}

func TestEventsHeartbeat(t *testing.T) {
	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{Heartbeat: 30 * time.Millisecond})
	c := openSSE(t, ts.URL+"/events", "")
	c.next(func(ev sseEvent) bool { return ev.comment == "heartbeat" })
}

func TestSlowBrowserIsDisconnected(t *testing.T) {
	f := newFakeMetrics()
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{ClientBuffer: 2, Context: ctx, Logger: slog.New(slog.DiscardHandler)}.withDefaults()
	h := newHub(ctx, f.start(t), opts, opts.Logger)
	t.Cleanup(func() { cancel(); h.wait() })

	// Nobody reads this browser's queue: the status and the snapshot fill
	// it, and the next change disconnects it rather than wait for it.
	sub, ok := h.subscribe(false, 0)
	if !ok {
		t.Fatal("subscribe refused")
	}
	waitFor(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.haveState
	})
	f.push(fosterChange()...)
	waitFor(t, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return sub.closed
	})
	var n int
	for range sub.ch {
		n++
	}
	if n != 2 {
		t.Errorf("%d messages queued before the disconnect, want 2", n)
	}
	h.unsubscribe(sub) // what the handler does; harmless after the drop
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		unit string
		v    float64
		n, d int64
		want string
		cnt  string
	}{
		{"percent", pct(502, 662), 502, 662, "75.8%", "502 of 662"},
		{"percent", 12.25, 49, 400, "12.3%", "49 of 400"}, // halves away from zero
		{"percent", 0, 0, 0, "0.0%", "0 of 0"},
		{"count", 81770, 81770, 0, "81,770", ""},
		{"count", 1234567, 1234567, 0, "1,234,567", ""},
		{"change", 40, 40, 0, "+40", ""},
		{"change", -1200, -1200, 0, "−1,200", ""},
		{"change", 0, 0, 0, "0", ""},
	} {
		if got := formatValue(tc.unit, tc.v, tc.n); got != tc.want {
			t.Errorf("formatValue(%s, %v, %d) = %q, want %q", tc.unit, tc.v, tc.n, got, tc.want)
		}
		if got := formatCounts(tc.unit, tc.n, tc.d); got != tc.cnt {
			t.Errorf("formatCounts = %q, want %q", got, tc.cnt)
		}
	}
	for _, tc := range []struct {
		unit       string
		now, then  float64
		nowN, thnN int64
		want, dir  string
	}{
		{"percent", 75.8, 74.9, 0, 0, "up 0.9 points on a year ago", "up"},
		{"percent", 74.0, 75.0, 0, 0, "down 1.0 point on a year ago", "down"},
		{"percent", 75.81, 75.79, 0, 0, "no change on a year ago", "same"},
		{"count", 662, 622, 662, 622, "up 40 on a year ago", "up"},
		{"count", 1000, 2500, 1000, 2500, "down 1,500 on a year ago", "down"},
		{"change", 40, 22, 40, 22, "", ""},
	} {
		text, dir := changeText(tc.unit, tc.now, tc.then, tc.nowN, tc.thnN)
		if text != tc.want || dir != tc.dir {
			t.Errorf("changeText(%v, %v) = %q %q, want %q %q", tc.now, tc.then, text, dir, tc.want, tc.dir)
		}
	}
	for _, tc := range []struct{ pol, dir, want string }{
		{"higher_is_better", "up", "better"}, {"higher_is_better", "down", "worse"},
		{"lower_is_better", "up", "worse"}, {"lower_is_better", "down", "better"},
		{"context", "up", "neutral"}, {"higher_is_better", "same", "neutral"},
	} {
		if got := judgement(tc.pol, tc.dir); got != tc.want {
			t.Errorf("judgement(%s, %s) = %s", tc.pol, tc.dir, got)
		}
	}
	if got := formatBenchmark("percent", 49.6); got != "49.6%" {
		t.Errorf("benchmark %q", got)
	}
	if got := longDate("2026-03-01"); got != "1 March 2026" {
		t.Errorf("longDate %q", got)
	}
	pts, x, y := sparkPoints([]float64{1, 3, 2}, 0, "count")
	if pts != "4,36 80,4 156,20" || x != 156 || y != 20 {
		t.Errorf("sparkPoints = %q (%v,%v)", pts, x, y)
	}
	// A range smaller than the minimum span is drawn around the middle.
	if pts, _, _ := sparkPoints([]float64{5, 5}, 5, "percent"); pts != "4,20 156,20" {
		t.Errorf("flat sparkline %q", pts)
	}
	if pts, _, _ := sparkPoints([]float64{50, 51}, 4, "percent"); pts != "4,24 156,16" {
		t.Errorf("small change %q", pts)
	}
	// Near zero it stays on the axis; near 100% under the top.
	if lo, hi := sparkDomain([]float64{0, 0.2}, 5, "percent"); lo != 0 || hi != 5 {
		t.Errorf("domain near zero %v..%v", lo, hi)
	}
	if lo, hi := sparkDomain([]float64{99, 99.5}, 5, "percent"); lo != 95 || hi != 100 {
		t.Errorf("domain near 100 %v..%v", lo, hi)
	}
	if pts, _, _ := sparkPoints([]float64{5}, 4, "count"); pts != "80,20" {
		t.Errorf("single point %q", pts)
	}
	if got := sparkMinSpan("count", []float64{622, 663}); got != 66 {
		t.Errorf("min span for counts %v", got)
	}
}

func TestResumePoint(t *testing.T) {
	for _, tc := range []struct {
		header, query string
		resume        bool
		after         uint64
	}{
		{"", "", false, 0},
		{"42", "", true, 42},
		{"", "7", true, 7},
		{"42", "7", true, 42},
		{"abc", "7", false, 0},
	} {
		r := httptest.NewRequest(http.MethodGet, "/events?after="+tc.query, nil)
		if tc.header != "" {
			r.Header.Set("Last-Event-ID", tc.header)
		}
		resume, after := resumePoint(r)
		if resume != tc.resume || after != tc.after {
			t.Errorf("header %q query %q: %v %d", tc.header, tc.query, resume, after)
		}
	}
}
