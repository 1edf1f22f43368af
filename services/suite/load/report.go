package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Result is everything a run measured. WriteJSON writes it for comparing
// runs; WriteTable prints it for a person.
type Result struct {
	Started   time.Time `json:"started"`
	Prefix    string    `json:"prefix"`
	Clients   int       `json:"clients"`
	Duration  string    `json:"duration,omitempty"` // as asked
	Ops       int64     `json:"ops,omitempty"`      // as asked
	Rate      float64   `json:"rate"`               // target writes/s; 0 as fast as possible
	Mix       string    `json:"mix"`
	ProbeRate float64   `json:"probe_rate"`
	Today     string    `json:"today"`
	Host      Host      `json:"host"`

	Setup SetupFigures `json:"setup"`

	// Elapsed is the measured phase's length in seconds.
	Elapsed float64    `json:"elapsed_seconds"`
	Writes  Totals     `json:"writes"`
	Reads   Totals     `json:"reads"`
	RPCs    []RPCStats `json:"rpcs"`

	Probe *ProbeFigures `json:"write_to_indicator,omitempty"`

	// Outbox depth of each service and lag of each durable consumer, read
	// from /metrics as the load stopped.
	Outbox      []Gauge `json:"outbox_depth_at_end"`
	ConsumerLag []Gauge `json:"consumer_lag_at_end"`
	// DrainSeconds is how long after the load every outbox and consumer
	// was empty (nil: not seen within the drain timeout, or not read).
	DrainSeconds *float64 `json:"drain_seconds,omitempty"`

	Memory []ProcessMemory `json:"memory"`
	Notes  []string        `json:"notes,omitempty"`
}

// Host describes the machine the load ran on.
type Host struct {
	Hostname     string   `json:"hostname,omitempty"`
	CPUs         int      `json:"cpus"`
	GOMAXPROCS   int      `json:"gomaxprocs"`
	LoadAvgStart *float64 `json:"load_avg_1m_start,omitempty"`
	LoadAvgEnd   *float64 `json:"load_avg_1m_end,omitempty"`
	// LoadCPUSeconds is the CPU time the load generator itself used in the
	// measured phase (with the suite when it runs in the same process).
	LoadCPUSeconds *float64 `json:"load_cpu_seconds,omitempty"`
}

// SetupFigures are the writes made to prepare the load (not measured).
type SetupFigures struct {
	Children      int     `json:"children"`
	CareLeavers   int     `json:"care_leavers"`
	ProbeChildren int     `json:"probe_children"`
	Writes        uint64  `json:"writes"`
	Reads         uint64  `json:"reads"`
	Seconds       float64 `json:"seconds"`
	// DuringRun is setup writes made in the measured phase (children
	// replaced when their dates reached today), left out of its figures.
	DuringRun uint64 `json:"writes_during_run"`
}

// Totals add up the writes or the reads of the measured phase.
type Totals struct {
	Calls     uint64  `json:"calls"`
	OK        uint64  `json:"ok"`
	Errors    uint64  `json:"errors"`
	PerSecond float64 `json:"per_second"` // OK calls per second
}

// Gauge is one series read from a service's /metrics.
type Gauge struct {
	Service string  `json:"service"` // whose endpoint
	Name    string  `json:"name"`    // the service label, or the durable
	Value   float64 `json:"value"`
}

// ProcessMemory is one service process's resident memory
// (process_resident_memory_bytes). Services lists the endpoints that
// reported the same process (the same process_start_time_seconds): all
// four when the suite runs in one process.
type ProcessMemory struct {
	Services  []string `json:"services"`
	StartTime float64  `json:"process_start_time_seconds,omitempty"`
	IdleBytes float64  `json:"idle_bytes"` // before the load
	PeakBytes float64  `json:"peak_bytes"` // largest sample, setup to end
	EndBytes  float64  `json:"end_bytes"`  // after the load (and drain)
	Samples   int      `json:"samples"`
}

// processes groups the endpoints by process.
func (m *memWatch) processes(eps []HTTPEndpoint) []ProcessMemory {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ProcessMemory
	byStart := map[string]int{}
	for _, e := range eps {
		if _, ok := m.idle[e.Service]; !ok {
			continue
		}
		key := e.Service
		if st := m.start[e.Service]; st > 0 {
			key = strconv.FormatFloat(st, 'f', 3, 64)
		}
		i, ok := byStart[key]
		if !ok {
			i = len(out)
			byStart[key] = i
			out = append(out, ProcessMemory{StartTime: m.start[e.Service], IdleBytes: m.idle[e.Service]})
		}
		p := &out[i]
		p.Services = append(p.Services, e.Service)
		p.PeakBytes = max(p.PeakBytes, m.peak[e.Service])
		p.EndBytes = max(p.EndBytes, m.last[e.Service])
		p.Samples += m.n[e.Service]
	}
	return out
}

// WriteJSON writes the result, indented, to path.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteTable prints the result as one table.
func (r *Result) WriteTable(w io.Writer) error {
	var b strings.Builder
	pace := "as fast as possible (closed loop)"
	if r.Rate > 0 {
		pace = fmt.Sprintf("target %s writes/s (open loop: latency from each call's scheduled time)", num(r.Rate))
	}
	length := r.Duration
	if r.Ops > 0 {
		length = strings.TrimPrefix(length+" or ", " or ") + fmt.Sprintf("%d ops", r.Ops)
	}
	fmt.Fprintf(&b, "cpload: %d clients, %s, mix %s, %s\n", r.Clients, length, r.Mix, pace)
	fmt.Fprintf(&b, "host:   %d CPUs, load average %s at start, %s at end; run %s\n",
		r.Host.CPUs, optNum(r.Host.LoadAvgStart), optNum(r.Host.LoadAvgEnd), r.Prefix)
	probe := "no probe"
	if r.Setup.ProbeChildren > 0 {
		probe = fmt.Sprintf("%d probe child", r.Setup.ProbeChildren)
	}
	fmt.Fprintf(&b, "setup:  %d children, %d care leavers, %s: %s writes in %.1fs (not counted below",
		r.Setup.Children, r.Setup.CareLeavers, probe, count(r.Setup.Writes), r.Setup.Seconds)
	if r.Setup.DuringRun > 0 {
		fmt.Fprintf(&b, "; nor %s made during the run to replace children)\n", count(r.Setup.DuringRun))
	} else {
		b.WriteString(")\n")
	}
	fmt.Fprintf(&b, "measured phase: %.1fs", r.Elapsed)
	if c := r.Host.LoadCPUSeconds; c != nil && r.Elapsed > 0 {
		fmt.Fprintf(&b, "; cpload itself used %.1f CPU-seconds (%.0f%% of one core)", *c, 100**c/r.Elapsed)
	}
	b.WriteString("\n\n")

	t := &table{head: []string{"RPC", "calls", "ok", "errors", "ok/s", "p50 ms", "p95 ms", "p99 ms", "max ms"}}
	row := func(s RPCStats) {
		t.add(s.Name, count(s.Calls), count(s.OK), count(s.Errors), num(s.PerSecond),
			lat(s.Latency.P50ms), lat(s.Latency.P95ms), lat(s.Latency.P99ms), lat(s.Latency.MaxMs))
	}
	for _, s := range r.RPCs {
		if s.Calls > 0 {
			row(s)
		}
	}
	t.add("writes", count(r.Writes.Calls), count(r.Writes.OK), count(r.Writes.Errors), num(r.Writes.PerSecond))
	t.add("reads", count(r.Reads.Calls), count(r.Reads.OK), count(r.Reads.Errors), num(r.Reads.PerSecond))
	if p := r.Probe; p != nil {
		t.add("")
		row(p.Writes)
		l := p.Latency
		t.add("write-to-indicator (probe OK -> stream)", count(p.Probes), count(p.Seen), count(p.TimedOut), "",
			lat(l.P50ms), lat(l.P95ms), lat(l.P99ms), lat(l.MaxMs))
	}
	t.write(&b)
	if p := r.Probe; p != nil {
		fmt.Fprintf(&b, "  write-to-indicator: %d probes, %d seen, %d not seen within %s", p.Probes, p.Seen, p.TimedOut, p.Timeout)
		if p.Rebased > 0 {
			fmt.Fprintf(&b, ", %d restarts after the stream fell behind", p.Rebased)
		}
		fmt.Fprintf(&b, ";\n  %s\n", p.Method)
	}
	for _, s := range append(append([]RPCStats{}, r.RPCs...), probeWrites(r.Probe)...) {
		if s.Errors > 0 {
			fmt.Fprintf(&b, "  errors of %s: %s; first: %s\n", s.Name, codesText(s.ErrorCode), s.FirstErr)
		}
	}
	b.WriteString("\n")

	if len(r.Outbox) > 0 || len(r.ConsumerLag) > 0 {
		fmt.Fprintf(&b, "at end of load:  outbox depth  %s\n", gauges(r.Outbox))
		fmt.Fprintf(&b, "                 consumer lag  %s\n", gauges(r.ConsumerLag))
		if r.DrainSeconds != nil {
			fmt.Fprintf(&b, "                 all zero %.1fs after the load stopped\n", *r.DrainSeconds)
		}
	}
	if len(r.Memory) > 0 {
		b.WriteString("\nmemory (process_resident_memory_bytes, sampled every 250ms):\n")
		t := &table{head: []string{"process", "idle MB", "peak MB", "end MB", "samples"}}
		for _, p := range r.Memory {
			name := strings.Join(p.Services, "+")
			if len(p.Services) > 1 {
				name += " (one process)"
			}
			t.add(name, mb(p.IdleBytes), mb(p.PeakBytes), mb(p.EndBytes), strconv.Itoa(p.Samples))
		}
		t.write(&b)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func probeWrites(p *ProbeFigures) []RPCStats {
	if p == nil {
		return nil
	}
	return []RPCStats{p.Writes}
}

func codesText(m map[string]uint64) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func gauges(gs []Gauge) string {
	if len(gs) == 0 {
		return "-"
	}
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = fmt.Sprintf("%s %s", g.Name, num(g.Value))
	}
	return strings.Join(parts, ", ")
}

// count writes n with thousands separators.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func num(v float64) string {
	if v == float64(int64(v)) && v >= 0 && v < 1e15 {
		return count(uint64(v))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func optNum(v *float64) string {
	if v == nil {
		return "?"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func lat(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func mb(v float64) string { return strconv.FormatFloat(v/1e6, 'f', 1, 64) }

// table prints rows in columns: the first left-aligned, the others right.
type table struct {
	head []string
	rows [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(b *strings.Builder) {
	width := make([]int, len(t.head))
	for _, r := range append([][]string{t.head}, t.rows...) {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range append([][]string{t.head}, t.rows...) {
		var line strings.Builder
		for i, c := range r {
			if i == 0 {
				fmt.Fprintf(&line, "%-*s", width[0], c)
				continue
			}
			fmt.Fprintf(&line, "  %*s", width[i], c)
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}
