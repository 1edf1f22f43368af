package service

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target (GOGC) the service binaries
// run with unless the GOGC environment variable is set. A service's live
// heap is small (caseload's children, a few tens of MB for a large
// council) and every write allocates short-lived garbage, so at the Go
// default of 100 the collector runs many times a second. At 400, measured
// (BENCHMARKS.md "Garbage collection"): the placement benchmark spends about
// 10 % less CPU per placement, and the -processes suite under cpload did
// about a fifth more writes a second, for peak resident memory of 134 MB
// instead of 74 MB in caseload, the largest.
//
// Where a container has a memory limit, set GOMEMLIMIT a little below it
// (deploy/k8s does): the collector then works harder only as the heap
// nears the limit.
const GCPercent = 400

// TuneGC applies GCPercent unless GOGC is set, in which case the runtime
// has already applied it. Main calls it; so do the benchmarks that measure
// a service's throughput, so that they measure what the binaries run.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(GCPercent)
}
