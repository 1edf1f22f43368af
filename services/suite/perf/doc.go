// Package perf holds benchmarks that need more than one process: the
// services as deployed (separate processes started by package procs, a
// separate nats-server with sync_interval always), a load generator in a
// process of its own, and control measurements that say how much of a
// latency belongs to the service and how much to the machine.
//
//	go test -run '^$' -bench RPCFloor -benchtime 1x ./perf/
//	go test -run '^$' -bench CaseloadReads -benchtime 1x ./perf/
//
// Run them on a quiet machine: the figures are tails (p99), and anything
// else running moves them.
package perf
