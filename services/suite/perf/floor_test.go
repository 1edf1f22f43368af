package perf

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// BenchmarkRPCFloor is the control for every latency target: a bare
// grpc-go server with nothing but the standard health service (no suite
// code, no interceptors, no storage), called over loopback by paced
// clients in the same process, each on its own connection, once every
// 10 ms, their ticks spread evenly. Whatever p99 this reports, no service
// on this machine can answer faster at that rate; compare a service's
// figure with it before optimising the service.
//
// clients=1 is the lightest load there is (100 calls/s). On a virtual
// machine whose idle vCPUs halt, the wake-up on each call shows here as a
// higher median than at clients=16.
func BenchmarkRPCFloor(b *testing.B) {
	for _, clients := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := grpc.NewServer()
			healthpb.RegisterHealthServer(srv, health.NewServer())
			go func() { _ = srv.Serve(lis) }()
			defer srv.Stop()

			hcs := make([]healthpb.HealthClient, clients)
			for i := range hcs {
				cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
				if err != nil {
					b.Fatal(err)
				}
				defer cc.Close()
				hcs[i] = healthpb.NewHealthClient(cc)
				if _, err := hcs[i].Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
					b.Fatal(err)
				}
			}
			lat := newLatencies(clients)
			b.ResetTimer()
			paced(b, clients, 10*time.Millisecond, func(r int) error {
				t0 := time.Now()
				_, err := hcs[r].Check(context.Background(), &healthpb.HealthCheckRequest{})
				lat.add(r, time.Since(t0))
				return err
			})
			b.StopTimer()
			lat.report(b, "")
		})
	}
}

// paced runs call(r) for r in [0, n) every period, the n callers' ticks
// spread evenly over the period, for benchDuration, and fails b on the
// first error.
func paced(b *testing.B, n int, period time.Duration, call func(r int) error) {
	var wg sync.WaitGroup
	end := time.Now().Add(benchDuration)
	for r := range n {
		wg.Go(func() {
			time.Sleep(period * time.Duration(r) / time.Duration(n))
			tick := time.NewTicker(period)
			defer tick.Stop()
			for time.Now().Before(end) {
				<-tick.C
				if err := call(r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
