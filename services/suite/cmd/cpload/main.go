// Command cpload drives a running corporate parenting suite over gRPC with
// many concurrent clients and a realistic mix of operations, and prints one
// table of what it measured: writes/s and reads/s, each call's p50, p95 and
// p99 latency, the write-to-indicator latency (a probe write's OK to the
// WatchIndicators update showing it), outbox depth and consumer lag when
// the load stopped, and the peak resident memory of each service process.
//
//	go run ./services/suite/cmd/suite -seed -data-dir $(mktemp -d) &
//	go run ./services/suite/cmd/cpload -duration 20s
//	go run ./services/suite/cmd/cpload -duration 30s -rate 1000 -json run.json
//
// The services are found at the suite's default addresses (gRPC
// 127.0.0.1:7101 caseload, :7102 placement, :7103 careleaver, :7104
// metrics; HTTP /metrics on :7191–:7194), or where the flags (or the
// variables CP_CASELOAD_ADDR, CP_PLACEMENT_ADDR, CP_CARELEAVER_ADDR,
// CP_METRICS_ADDR, CP_CPLOAD_METRICS_HTTP) say. The load creates its own
// children under a prefix unique to the run, so it can run again and again
// against the same suite. See services/suite/load for what each operation
// does and BENCHMARKS.md for how to measure.
//
// Exit status: 0 done with no failed call, 1 a call failed or the setup
// failed, 2 the command line is wrong.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// Dates are Europe/London.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
