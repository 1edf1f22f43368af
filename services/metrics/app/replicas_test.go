package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	"github.com/corporate-parenting/suite/pkg/service"
)

// Scaling out: two replicas, each with its own data directory and durable
// prefix, each count every event (sharing durables, each would see only a
// part). A data directory keeps the prefix it was projected with: started
// under another, the replica refuses rather than count every event twice.
func TestReplicasWithTheirOwnDurables(t *testing.T) {
	e := newEnv(t)
	e.streams(t, time.Minute)
	clk := clock.NewSettable(londonNoon(councilToday))
	dir1 := t.TempDir()
	first := e.start(t, clk) // the default durables, as a single service has
	second := e.startWith(t, clk, func(c *Config) { c.Service.DataDir = dir1; c.DurablePrefix = "metrics-1" })
	e.publish(t, council()...)
	first.waitFigures(t, "", councilFigures)
	second.waitFigures(t, "", councilFigures)

	for _, durable := range []string{"metrics-caseload", "metrics-1-caseload"} {
		if _, err := e.js.Consumer(context.Background(), events.StreamCaseload, durable); err != nil {
			t.Errorf("durable %s: %v", durable, err)
		}
	}

	second.stop()
	cfg := Config{Service: service.Config{Name: Name, GRPCAddr: "127.0.0.1:0", DataDir: dir1, NATSURL: e.ns.ClientURL(), Clock: clk}, DurablePrefix: "metrics-2"}
	if a, err := New(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "metrics-1-caseload") {
		if a != nil {
			a.rt.Close()
		}
		t.Fatalf("a data directory under another durable prefix: %v", err)
	}
	cfg.DurablePrefix = "bad.prefix"
	if _, err := New(context.Background(), cfg); err == nil {
		t.Fatal("a durable prefix with a dot accepted")
	}
	// The first prefix still opens its directory, with its totals.
	again := e.startWith(t, clk, func(c *Config) { c.Service.DataDir = dir1; c.DurablePrefix = "metrics-1" })
	again.waitFigures(t, "", councilFigures)
}
