package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/services/suite/launcher"
	"github.com/corporate-parenting/suite/services/suite/load"
)

func TestParseDefaults(t *testing.T) {
	for _, env := range []string{"CP_CASELOAD_ADDR", "CP_PLACEMENT_ADDR", "CP_CARELEAVER_ADDR", "CP_METRICS_ADDR",
		"CP_CPLOAD_METRICS_HTTP", "CP_CPLOAD_CLIENTS", "CP_COUNCIL_LA"} {
		t.Setenv(env, "")
	}
	o, err := parse(nil, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if c.Caseload != "127.0.0.1:7101" || c.Placement != "127.0.0.1:7102" || c.Careleaver != "127.0.0.1:7103" || c.Metrics != "127.0.0.1:7104" {
		t.Errorf("addresses %s %s %s %s", c.Caseload, c.Placement, c.Careleaver, c.Metrics)
	}
	if c.Clients != 64 || c.Duration != 20*time.Second || c.Ops != 0 || c.Rate != 0 || c.Mix.String() != load.DefaultMix || c.ProbeRate != 10 {
		t.Errorf("defaults %+v", c)
	}
	want := []load.HTTPEndpoint{{Service: "caseload", Addr: "127.0.0.1:7191"}, {Service: "placement", Addr: "127.0.0.1:7192"}, {Service: "careleaver", Addr: "127.0.0.1:7193"}, {Service: "metrics", Addr: "127.0.0.1:7194"}}
	if len(c.MetricsHTTP) != 4 || c.MetricsHTTP[0] != want[0] || c.MetricsHTTP[3] != want[3] {
		t.Errorf("metrics-http %v", c.MetricsHTTP)
	}
}

func TestParseFlagsAndEnvironment(t *testing.T) {
	t.Setenv("CP_PLACEMENT_ADDR", "placement:7102")
	t.Setenv("CP_CPLOAD_CLIENTS", "8")
	o, err := parse([]string{"-ops", "500", "-rate", "1000.5", "-mix", "move=1", "-metrics-http", "10.0.0.1:1,10.0.0.2:2",
		"-json", "x.json", "-probe-rate", "0", "-drain-timeout", "0", "-caseload", "c:1"}, new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	c := o.cfg
	if c.Placement != "placement:7102" || c.Caseload != "c:1" || c.Clients != 8 {
		t.Errorf("placement %s caseload %s clients %d", c.Placement, c.Caseload, c.Clients)
	}
	if c.Ops != 500 || c.Duration != 0 || c.Rate != 1000.5 || c.Mix.String() != "move=1" || o.jsonPath != "x.json" {
		t.Errorf("parsed %+v json %q", c, o.jsonPath)
	}
	if c.ProbeRate >= 0 || c.DrainTimeout >= 0 {
		t.Errorf("-probe-rate 0 and -drain-timeout 0 turn them off: %v %v", c.ProbeRate, c.DrainTimeout)
	}
	if len(c.MetricsHTTP) != 2 || c.MetricsHTTP[1] != (load.HTTPEndpoint{Service: "placement", Addr: "10.0.0.2:2"}) {
		t.Errorf("metrics-http %v", c.MetricsHTTP)
	}
	o, err = parse([]string{"-metrics-http", "none"}, new(bytes.Buffer))
	if err != nil || o.cfg.MetricsHTTP != nil {
		t.Errorf("-metrics-http none: %v %v", o, err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-clients", "0"}, {"-mix", "fly=1"}, {"-rate", "-5"}, {"-rate", "fast"}, {"-duration", "-1s"},
		{"-care-leavers", "0"}, {"-metrics-http", "a=1,a=2"}, {"extra"}, {"-nosuchflag"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "cpload:") {
			t.Errorf("%v: stderr %q", args, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "-rate") {
		t.Errorf("-h: exit %d, %q", code, stderr.String())
	}
}

// The command against the real suite, started in this process: a short
// load prints the table, writes the JSON, and exits 0.
func TestCommandAgainstTheSuite(t *testing.T) {
	s, err := launcher.Start(context.Background(), launcher.Config{
		DataDir: t.TempDir(), NATSPort: -1, CouncilLA: "E08000026", CouncilName: "Test City Council",
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})

	out := filepath.Join(t.TempDir(), "run.json")
	args := []string{
		"-caseload", s.Addr("caseload"), "-placement", s.Addr("placement"),
		"-careleaver", s.Addr("careleaver"), "-metrics", s.Addr("metrics"),
		"-metrics-http", strings.Join([]string{
			"caseload=" + s.HTTPAddr("caseload"), "placement=" + s.HTTPAddr("placement"),
			"careleaver=" + s.HTTPAddr("careleaver"), "metrics=" + s.HTTPAddr("metrics"),
		}, ","),
		"-clients", "4", "-children", "3", "-duration", "2s", "-probe-rate", "20", "-json", out,
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	table := stdout.String()
	for _, want := range []string{"cpload: 4 clients, 2s", "placement.StartPlacement", "writes", "reads",
		"write-to-indicator", "outbox depth", "consumer lag", "(one process)"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	if !strings.Contains(stderr.String(), "setup done") {
		t.Errorf("stderr: %q", stderr.String())
	}

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res load.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	var ok uint64
	for _, r := range res.RPCs {
		if r.Write {
			ok += r.OK
		}
	}
	if res.Clients != 4 || res.Writes.OK == 0 || res.Writes.OK != ok || res.Writes.Errors != 0 || res.Reads.Errors != 0 {
		t.Errorf("JSON writes %+v reads %+v (write RPCs OK %d)", res.Writes, res.Reads, ok)
	}
	if res.Probe == nil || res.Probe.Seen == 0 || res.Probe.Latency.Count != res.Probe.Seen {
		t.Errorf("JSON probe %+v", res.Probe)
	}
	if len(res.Memory) != 1 || res.Memory[0].PeakBytes <= 0 {
		t.Errorf("JSON memory %+v", res.Memory)
	}
}
