// Command cpctl talks to the corporate parenting suite's services over gRPC,
// for people without grpcurl.
//
//	cpctl children [-status looked_after]
//	cpctl place -child ID -date 2026-03-31 -type U4 -provider PR1 -urn SC123456 -la E08000026
//	cpctl place -change -reason CARPL -child ID -date 2026-04-02 -type K2 -provider PR2 -urn SC654321 -la E08000026
//	cpctl contact -child ID -date 2026-03-31 -in-touch YES -activ F2 -accom U1
//	cpctl indicators [-as-at 2025-03-31]
//	cpctl watch
//
// The services are found at the suite's default addresses (127.0.0.1:7101
// caseload, :7102 placement, :7103 careleaver, :7104 metrics), or where the
// flags -caseload, -placement, -careleaver and -metrics (or the variables
// CP_CASELOAD_ADDR, CP_PLACEMENT_ADDR, CP_CARELEAVER_ADDR, CP_METRICS_ADDR)
// say. Every call carries a new request id (a UUIDv7, also the request_id of
// a write, so the services apply a retried write once); -v prints it.
//
// A write the services refuse prints each failing field and the DfE rule:
//
//	refused: details.placement_type: 903:408: placement A5 ... needs legal status E1, not C2
//
// Exit status: 0 done, 1 refused or failed, 2 the command line is wrong.
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
