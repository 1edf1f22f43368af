package load

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTPEndpoint is a service's HTTP port, whose /metrics the load scrapes.
type HTTPEndpoint struct {
	Service string // caseload, placement, careleaver, metrics
	Addr    string // host:port
}

// The Prometheus series the load reads from every service.
const (
	metricRSS         = "process_resident_memory_bytes"
	metricStartTime   = "process_start_time_seconds"
	metricOutboxDepth = "outbox_depth"  // {service}
	metricConsumerLag = "consumer_lag"  // {durable}
	labelService      = "service"       // of outbox_depth
	labelDurable      = "durable"       // of consumer_lag
	scrapeTimeout     = 2 * time.Second // per scrape
)

// sample is what one scrape of one service's /metrics found.
type sample struct {
	At        time.Time
	RSS       float64 // bytes; 0 when the series is missing
	StartTime float64 // process_start_time_seconds; 0 when missing
	Outbox    map[string]float64
	Lag       map[string]float64
}

// series is one line of the Prometheus text format.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// parseText reads the Prometheus text exposition format: comments and
// blank lines are skipped; each other line is name{labels} value
// [timestamp]. Label values may hold escaped quotes.
func parseText(r io.Reader) ([]series, error) {
	var out []series
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseLine(line)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func parseLine(line string) (series, error) {
	s := series{}
	i := strings.IndexAny(line, "{ \t")
	if i < 0 {
		return s, fmt.Errorf("metrics line %q: no value", line)
	}
	s.name, line = line[:i], line[i:]
	if line[0] == '{' {
		s.labels = map[string]string{}
		line = line[1:]
		for {
			line = strings.TrimLeft(line, " ,")
			if strings.HasPrefix(line, "}") {
				line = line[1:]
				break
			}
			eq := strings.IndexByte(line, '=')
			if eq < 0 || eq+1 >= len(line) || line[eq+1] != '"' {
				return s, fmt.Errorf("metrics line of %s: bad labels", s.name)
			}
			key := strings.TrimSpace(line[:eq])
			line = line[eq+2:]
			var b strings.Builder
			j := 0
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
					switch line[j] {
					case 'n':
						b.WriteByte('\n')
					default:
						b.WriteByte(line[j])
					}
					continue
				}
				b.WriteByte(line[j])
			}
			if j >= len(line) {
				return s, fmt.Errorf("metrics line of %s: unterminated label value", s.name)
			}
			s.labels[key] = b.String()
			line = line[j+1:]
		}
	}
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return s, fmt.Errorf("metrics line of %s: no value", s.name)
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, fmt.Errorf("metrics line of %s: value %q: %v", s.name, fields[0], err)
	}
	s.value = v
	return s, nil
}

// scraper reads the services' /metrics pages.
type scraper struct {
	client *http.Client
}

func newScraper() *scraper {
	return &scraper{client: &http.Client{Timeout: scrapeTimeout}}
}

// scrape reads one endpoint.
func (sc *scraper) scrape(ctx context.Context, e HTTPEndpoint) (sample, error) {
	url := e.Addr
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	url = strings.TrimSuffix(url, "/") + "/metrics"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return sample{}, err
	}
	resp, err := sc.client.Do(req)
	if err != nil {
		return sample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return sample{}, fmt.Errorf("%s: %s", url, resp.Status)
	}
	all, err := parseText(resp.Body)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w", url, err)
	}
	s := sample{At: time.Now(), Outbox: map[string]float64{}, Lag: map[string]float64{}}
	for _, x := range all {
		switch x.name {
		case metricRSS:
			s.RSS = x.value
		case metricStartTime:
			s.StartTime = x.value
		case metricOutboxDepth:
			s.Outbox[x.labels[labelService]] = x.value
		case metricConsumerLag:
			s.Lag[x.labels[labelDurable]] = x.value
		}
	}
	return s, nil
}

// scrapeAll reads every endpoint at once; a failed endpoint has no entry
// in the result, and its error is in errs.
func (sc *scraper) scrapeAll(ctx context.Context, eps []HTTPEndpoint) (map[string]sample, map[string]error) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		got  = map[string]sample{}
		errs = map[string]error{}
	)
	for _, e := range eps {
		wg.Go(func() {
			s, err := sc.scrape(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[e.Service] = err
				return
			}
			got[e.Service] = s
		})
	}
	wg.Wait()
	return got, errs
}

// memWatch keeps each endpoint's RSS samples: the first (idle, before the
// load), the largest, and the last.
type memWatch struct {
	mu    sync.Mutex
	idle  map[string]float64
	peak  map[string]float64
	last  map[string]float64
	start map[string]float64 // process_start_time_seconds
	n     map[string]int
}

func newMemWatch() *memWatch {
	return &memWatch{idle: map[string]float64{}, peak: map[string]float64{}, last: map[string]float64{},
		start: map[string]float64{}, n: map[string]int{}}
}

func (m *memWatch) add(got map[string]sample) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for svc, s := range got {
		if s.RSS <= 0 {
			continue
		}
		if _, ok := m.idle[svc]; !ok {
			m.idle[svc] = s.RSS
		}
		m.peak[svc] = max(m.peak[svc], s.RSS)
		m.last[svc] = s.RSS
		if s.StartTime > 0 {
			m.start[svc] = s.StartTime
		}
		m.n[svc]++
	}
}

// sampleEvery scrapes eps every interval until ctx ends, adding each
// round to m.
func (sc *scraper) sampleEvery(ctx context.Context, eps []HTTPEndpoint, every time.Duration, m *memWatch) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		got, _ := sc.scrapeAll(ctx, eps)
		m.add(got)
	}
}
