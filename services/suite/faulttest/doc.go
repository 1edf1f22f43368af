// Package faulttest holds the suite's fault tests (issue #9). They run
// nats-server and the four services as separate processes (package procs),
// drive a mixed write load through gRPC while keeping a ledger of every
// write that returned OK and of every error a client saw, and then check
// the ledger against the services and the metrics:
//
//   - TestKillEachProcessUnderLoad kill -9s caseload, placement,
//     careleaver, metrics and nats-server in turn, at moments drawn from a
//     seeded RNG (logged; CP_FAULT_SEED replays one), restarting each.
//     Afterwards every OK write is read back from its service, Reconcile
//     reports zero differences, the indicators equal what the ledger says
//     they must be (every event counted exactly once), and no client saw an
//     error other than Unavailable.
//   - TestNATSOutageUnderLoad takes nats-server away for 30 seconds under
//     load: every write keeps succeeding, and once NATS is back the metrics
//     totals reach the ledger's within 5 seconds (the time taken is logged).
//
// The binaries are built (not race-built) by procs.BuildForTest; the time
// that takes is logged. The package has only tests.
package faulttest
