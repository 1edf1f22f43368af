package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// HealthcheckTimeout bounds one Healthcheck: dial and Check together.
const HealthcheckTimeout = 3 * time.Second

// Healthcheck is every command's -healthcheck mode, for container health
// checks in images that have no shell or curl (FROM scratch): it asks the
// gRPC server listening on listenAddr (the service's own -grpc-addr, so
// 0.0.0.0:7101 or :7101 is probed at 127.0.0.1:7101) for the server's
// overall grpc.health.v1 status (service ""), and returns nil only if it
// is SERVING. It gives up after HealthcheckTimeout, or when ctx ends. The
// command exits 0 on nil and 1 otherwise, printing the error.
func Healthcheck(ctx context.Context, listenAddr string) error {
	ctx, cancel := context.WithTimeout(ctx, HealthcheckTimeout)
	defer cancel()
	addr, err := dialAddr(listenAddr)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("healthcheck: dial %s: %w", addr, err)
	}
	defer conn.Close()
	// WaitForReady: a refused connection is retried until the deadline
	// rather than failing at once, so a check racing the server's start
	// can still pass.
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err != nil {
		return fmt.Errorf("healthcheck: %s: %w", addr, err)
	}
	if s := resp.GetStatus(); s != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("healthcheck: %s: %v", addr, s)
	}
	return nil
}

// dialAddr turns a listen address into one to dial: an empty or
// unspecified host (":7101", "0.0.0.0:7101", "[::]:7101") is this machine's
// loopback.
func dialAddr(listenAddr string) (string, error) {
	host, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("grpc address %q: %w", listenAddr, err)
	}
	if port == "" || port == "0" {
		return "", errors.New("grpc address " + listenAddr + " has no fixed port to probe")
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
