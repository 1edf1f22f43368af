package service

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target (GOGC) the service binaries
// run with unless the GOGC environment variable is set. A service's live
// heap is small and every write allocates short-lived garbage, so at the Go
// default of 100 the collector runs many times a second. Measured
// (BENCHMARKS.md "Garbage collection"), 200 against 100: the placement
// benchmark spends about 10 % less CPU per placement; the four services'
// resident memory at idle after the seed stays under 50 MB (caseload 46.6
// MB against 39.2), and caseload's peak under cpload rises to 97 MB from 65.
// 400 saved no more CPU and took caseload and metrics past 50 MB at idle.
//
// Where a container has a memory limit, set GOMEMLIMIT a little below it
// (deploy/k8s does): the collector then works harder only as the heap
// nears the limit.
const GCPercent = 200

// TuneGC applies GCPercent unless GOGC is set, in which case the runtime
// has already applied it. Main calls it; so do the benchmarks that measure
// a service's throughput, so that they measure what the binaries run.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(GCPercent)
}
