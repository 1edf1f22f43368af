package load

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/status"
)

// rpc names the calls the measured phase makes.
type rpc int

const (
	rpcStartPlacement rpc = iota
	rpcChangePlacement
	rpcEndPlacement
	rpcRecordContact
	rpcGetChild
	rpcGetCurrentPlacement
	rpcGetCareLeaver
	rpcGetIndicators
	numRPCs
)

var rpcInfo = [numRPCs]struct {
	name  string
	write bool
}{
	rpcStartPlacement:      {"placement.StartPlacement", true},
	rpcChangePlacement:     {"placement.ChangePlacement", true},
	rpcEndPlacement:        {"placement.EndPlacement", true},
	rpcRecordContact:       {"careleaver.RecordContact", true},
	rpcGetChild:            {"caseload.GetChild", false},
	rpcGetCurrentPlacement: {"placement.GetCurrentPlacement", false},
	rpcGetCareLeaver:       {"careleaver.GetCareLeaver", false},
	rpcGetIndicators:       {"metrics.GetIndicators", false},
}

// rpcStat is one call's latencies and outcomes.
type rpcStat struct {
	hist   Histogram
	ok     atomic.Uint64
	failed atomic.Uint64

	mu       sync.Mutex
	codes    map[string]uint64
	firstErr string
}

// done records one call that began at begin (the scheduled time in an
// open-loop run). A call cut short because the run itself was cancelled is
// not counted.
func (s *rpcStat) done(ctx context.Context, begin time.Time, err error) {
	lat := time.Since(begin)
	if err != nil && ctx.Err() != nil {
		return
	}
	s.hist.Record(lat)
	if err == nil {
		s.ok.Add(1)
		return
	}
	s.failed.Add(1)
	code := status.Code(err).String()
	if errors.Is(err, context.DeadlineExceeded) {
		code = "DeadlineExceeded"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.codes == nil {
		s.codes = map[string]uint64{}
	}
	s.codes[code]++
	if s.firstErr == "" {
		s.firstErr = err.Error()
	}
}

// RPCStats is one call's figures in the report.
type RPCStats struct {
	Name      string            `json:"name"`
	Write     bool              `json:"write"`
	Calls     uint64            `json:"calls"`
	OK        uint64            `json:"ok"`
	Errors    uint64            `json:"errors"`
	PerSecond float64           `json:"per_second"` // OK calls per second
	Latency   Latency           `json:"latency"`
	ErrorCode map[string]uint64 `json:"error_codes,omitempty"`
	FirstErr  string            `json:"first_error,omitempty"`
}

func (s *rpcStat) report(name string, write bool, elapsed time.Duration) RPCStats {
	ok, failed := s.ok.Load(), s.failed.Load()
	r := RPCStats{Name: name, Write: write, Calls: ok + failed, OK: ok, Errors: failed, Latency: s.hist.Summary()}
	if elapsed > 0 {
		r.PerSecond = float64(ok) / elapsed.Seconds()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.codes) > 0 {
		r.ErrorCode = map[string]uint64{}
		for k, v := range s.codes {
			r.ErrorCode[k] = v
		}
	}
	r.FirstErr = s.firstErr
	return r
}

// setupStats counts the writes and reads made to prepare the load (and
// to replace a child whose dates ran out), which the measured figures
// leave out.
type setupStats struct {
	writes atomic.Uint64
	reads  atomic.Uint64
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
