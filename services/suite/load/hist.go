package load

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram records durations in log-linear buckets, as HdrHistogram does:
// exact below 128 ns, and from there 128 buckets per power of two, so a
// reported percentile is within 0.8% of the true value at any scale. It is
// safe for concurrent use without a lock (every bucket is an atomic
// counter), so many clients can record into one histogram.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64 // nanoseconds
	max    atomic.Uint64 // nanoseconds
}

const (
	subBits    = 7 // 2^7 sub-buckets per power of two
	subCount   = 1 << subBits
	numBuckets = (64 - subBits + 1) << subBits
)

// bucketOf is the bucket index of v nanoseconds.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // ≥ 0
	m := v >> uint(e)                // in [subCount, 2·subCount)
	return (e+1)<<subBits + int(m-subCount)
}

// bucketHigh is the largest value in bucket i.
func bucketHigh(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	e := i>>subBits - 1
	m := uint64(i&(subCount-1)) + subCount
	return (m+1)<<uint(e) - 1
}

// Record adds one duration (negative durations count as zero).
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count is how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.n.Load() }

// Max is the largest duration recorded.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean is the mean of the durations recorded (0 when none).
func (h *Histogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// Quantile returns the duration at or below which a fraction q (0–1) of
// the recorded durations fall: the top of the bucket holding the
// ceil(q·n)-th smallest value, never more than the largest recorded. It is
// 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketHigh(i), h.max.Load()))
		}
	}
	return h.Max()
}

// Latency is a histogram's summary, in milliseconds, as the table and the
// JSON report it.
type Latency struct {
	Count  uint64  `json:"count"`
	P50ms  float64 `json:"p50_ms"`
	P95ms  float64 `json:"p95_ms"`
	P99ms  float64 `json:"p99_ms"`
	MaxMs  float64 `json:"max_ms"`
	MeanMs float64 `json:"mean_ms"`
}

// Summary summarises the histogram.
func (h *Histogram) Summary() Latency {
	return Latency{
		Count: h.Count(),
		P50ms: ms(h.Quantile(0.50)), P95ms: ms(h.Quantile(0.95)), P99ms: ms(h.Quantile(0.99)),
		MaxMs: ms(h.Max()), MeanMs: ms(h.Mean()),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
