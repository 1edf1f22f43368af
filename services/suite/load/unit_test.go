package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The histogram's percentiles agree with the exact percentiles of the
// same samples, sorted, to within its 1% resolution.
func TestHistogramAgreesWithSortedSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []time.Duration
	for range 100_000 {
		// Log-normal-ish: mostly ~1ms, a tail to seconds.
		d := time.Duration(math.Exp(r.NormFloat64()*1.5) * float64(time.Millisecond))
		h.Record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	exact := func(q float64) time.Duration {
		i := int(math.Ceil(q*float64(len(all)))) - 1
		return all[max(i, 0)]
	}
	for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 0.999, 1} {
		got, want := h.Quantile(q), exact(q)
		if got < want || float64(got-want) > 0.01*float64(want) {
			t.Errorf("q%.3f: histogram %v, sorted samples %v (want within +1%%)", q, got, want)
		}
	}
	if h.Count() != uint64(len(all)) || h.Max() != all[len(all)-1] {
		t.Errorf("count %d max %v; want %d and %v", h.Count(), h.Max(), len(all), all[len(all)-1])
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every value lies in its bucket, and buckets tile the line.
	prevHigh := uint64(0)
	for i := 1; i < numBuckets; i++ {
		low := prevHigh + 1
		if bucketOf(low) != i {
			t.Fatalf("bucket %d: its lowest value %d is in bucket %d", i, low, bucketOf(low))
		}
		high := bucketHigh(i)
		if bucketOf(high) != i {
			t.Fatalf("bucket %d: its highest value %d is in bucket %d", i, high, bucketOf(high))
		}
		if high == math.MaxUint64 {
			break
		}
		prevHigh = high
	}
	var h Histogram
	if h.Quantile(0.99) != 0 || h.Mean() != 0 {
		t.Fatal("an empty histogram reports 0")
	}
	h.Record(-time.Second) // a clock step: counted as 0
	h.Record(3 * time.Millisecond)
	if got := h.Quantile(0.5); got != 0 {
		t.Errorf("p50 of {0, 3ms} = %v, want 0", got)
	}
	if got := h.Quantile(1); got != 3*time.Millisecond {
		t.Errorf("p100 of {0, 3ms} = %v, want 3ms", got)
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix(DefaultMix)
	if err != nil {
		t.Fatal(err)
	}
	if m[OpPlace] != 40 || m[OpMove] != 20 || m[OpContact] != 20 || m[OpRead] != 10 || m[OpIndicators] != 10 {
		t.Fatalf("default mix %v", m)
	}
	if m.String() != DefaultMix || math.Abs(m.WriteShare()-0.8) > 1e-9 {
		t.Fatalf("%s, write share %v", m, m.WriteShare())
	}
	m, err = ParseMix(" Move = 3 , indicators=1")
	if err != nil || m.String() != "move=3,indicators=1" {
		t.Fatalf("ParseMix with spaces: %v %v", m, err)
	}
	for _, bad := range []string{"", "place=0", "fly=3", "place", "place=-1", "place=x", "place=1,place=2"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
	// pick follows the weights.
	r := rand.New(rand.NewPCG(3, 4))
	var n [numOps]int
	for range 10_000 {
		n[m.pick(r)]++
	}
	if n[OpMove] < 7000 || n[OpIndicators] < 2000 || n[OpPlace]+n[OpContact]+n[OpRead] != 0 {
		t.Fatalf("picks %v for mix %s", n, m)
	}
}

func TestParseText(t *testing.T) {
	const page = `# HELP outbox_depth Events in the outbox not yet acknowledged by JetStream.
# TYPE outbox_depth gauge
outbox_depth{service="placement"} 12
consumer_lag{durable="metrics-placement"} 3
weird{a="x\"y",b="z\\w"} 1e+03 1700000000000
process_resident_memory_bytes 1.01036032e+08
process_start_time_seconds 1.79543845644e+09
`
	got, err := parseText(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("%d series: %+v", len(got), got)
	}
	if got[0].name != "outbox_depth" || got[0].labels["service"] != "placement" || got[0].value != 12 {
		t.Errorf("outbox_depth: %+v", got[0])
	}
	if got[2].labels["a"] != `x"y` || got[2].labels["b"] != `z\w` || got[2].value != 1000 {
		t.Errorf("escaped labels: %+v", got[2])
	}
	if got[3].value != 101036032 {
		t.Errorf("rss: %+v", got[3])
	}
	for _, bad := range []string{"x{a=1} 2", "x{a=\"1} 2", "x", "x abc"} {
		if _, err := parseText(strings.NewReader(bad)); err == nil {
			t.Errorf("parseText(%q) accepted", bad)
		}
	}
}

// Endpoints reporting the same process start time are one process.
func TestProcessesGroupsByStartTime(t *testing.T) {
	m := newMemWatch()
	s := func(rss, start float64) sample { return sample{RSS: rss, StartTime: start} }
	m.add(map[string]sample{"caseload": s(10e6, 100), "placement": s(10e6, 100), "metrics": s(20e6, 200)})
	m.add(map[string]sample{"caseload": s(30e6, 100), "placement": s(31e6, 100), "metrics": s(15e6, 200)})
	eps := []HTTPEndpoint{{Service: "caseload"}, {Service: "placement"}, {Service: "careleaver"}, {Service: "metrics"}}
	ps := m.processes(eps)
	if len(ps) != 2 {
		t.Fatalf("%d processes: %+v", len(ps), ps)
	}
	if strings.Join(ps[0].Services, "+") != "caseload+placement" || ps[0].IdleBytes != 10e6 || ps[0].PeakBytes != 31e6 || ps[0].EndBytes != 31e6 {
		t.Errorf("shared process: %+v", ps[0])
	}
	if strings.Join(ps[1].Services, "+") != "metrics" || ps[1].IdleBytes != 20e6 || ps[1].PeakBytes != 20e6 || ps[1].EndBytes != 15e6 {
		t.Errorf("metrics process: %+v", ps[1])
	}
}

func TestScheduleOpenLoop(t *testing.T) {
	cfg := &Config{Rate: 800, Ops: 5, Mix: MustParseMix(DefaultMix)}
	s := newSchedule(cfg)
	var times []time.Time
	for {
		at, ok := s.next()
		if !ok {
			break
		}
		times = append(times, at)
	}
	if len(times) != 5 {
		t.Fatalf("%d operations scheduled, want 5", len(times))
	}
	// 800 writes/s at a write share of 0.8: 1,000 operations a second.
	for i, at := range times {
		if want := s.start.Add(time.Duration(i) * time.Millisecond); !at.Equal(want) {
			t.Errorf("operation %d at +%v, want +%v", i, at.Sub(s.start), want.Sub(s.start))
		}
	}
}
