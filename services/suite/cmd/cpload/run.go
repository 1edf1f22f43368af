package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/corporate-parenting/suite/pkg/config"

	"github.com/corporate-parenting/suite/services/suite/load"
)

// defaultHTTP are the suite's HTTP ports, in service order.
const defaultHTTP = "caseload=127.0.0.1:7191,placement=127.0.0.1:7192,careleaver=127.0.0.1:7193,metrics=127.0.0.1:7194"

var serviceOrder = []string{"caseload", "placement", "careleaver", "metrics"}

const usageHead = `cpload drives a running suite over gRPC and prints one table of what it measured.

Examples:
  cpload -duration 20s                      64 clients as fast as the suite answers
  cpload -duration 30s -rate 1000           paced at 1,000 writes/s (open loop)
  cpload -ops 50000 -clients 16 -json a.json

`

// floatFlag is a float64 flag.Value (config.FlagSet has no Float).
type floatFlag struct{ v *float64 }

func (f floatFlag) String() string {
	if f.v == nil {
		return "0"
	}
	return strconv.FormatFloat(*f.v, 'g', -1, 64)
}

func (f floatFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return errors.New("parse error")
	}
	*f.v = v
	return nil
}

// options is a parsed command line.
type options struct {
	cfg      load.Config
	jsonPath string
	quiet    bool
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

var errHelp = errors.New("help")

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	c := &o.cfg
	fs := config.NewFlagSet("cpload")
	fs.SetOutput(io.Discard)
	caseload := fs.String("caseload", "127.0.0.1:7101", "caseload gRPC address", "CP_CASELOAD_ADDR")
	placement := fs.String("placement", "127.0.0.1:7102", "placement gRPC address", "CP_PLACEMENT_ADDR")
	careleaver := fs.String("careleaver", "127.0.0.1:7103", "careleaver gRPC address", "CP_CARELEAVER_ADDR")
	metrics := fs.String("metrics", "127.0.0.1:7104", "metrics gRPC address", "CP_METRICS_ADDR")
	httpAddrs := fs.String("metrics-http", defaultHTTP, "the services' HTTP addresses scraped for /metrics: service=host:port,... or four host:port in the order caseload,placement,careleaver,metrics; \"none\" reads none")
	clients := fs.Int("clients", 64, "concurrent clients")
	duration := fs.Duration("duration", 0, "length of the measured phase (default 20s unless -ops is given)")
	ops := fs.Int("ops", 0, "number of operations in the measured phase (with -duration: whichever comes first)")
	fs.Var(floatFlag{&c.Rate}, "rate", "target `writes/s`, the whole mix paced to it (open loop); 0 as fast as possible")
	mix := fs.String("mix", load.DefaultMix, "operation weights: place, move, contact, read, indicators")
	jsonPath := fs.String("json", "", "also write the figures as JSON to this file")
	children := fs.Int("children", 16, "each client's own children")
	leavers := fs.Int("care-leavers", 1, "each client's own care leavers (for contacts)")
	c.ProbeRate = 10
	fs.Var(floatFlag{&c.ProbeRate}, "probe-rate", "write-to-indicator `probes/s`, one at a time (0: no probe)")
	probeTimeout := fs.Duration("probe-timeout", 30*time.Second, "how long a probe waits for the indicator stream")
	timeout := fs.Duration("timeout", 10*time.Second, "deadline of each call")
	drain := fs.Duration("drain-timeout", 30*time.Second, "how long to wait after the load for outboxes and consumers to empty (0: do not wait)")
	conns := fs.Int("conns", 4, "gRPC connections to each service, shared by the clients")
	prefix := fs.String("prefix", "", "id prefix of the run's children (default a new one each run)")
	councilLA := fs.String("council-la", "E08000026", "the council's local authority code, as the suite was started with", "CP_COUNCIL_LA")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usageHead)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, errHelp
		}
		return nil, usageError{err.Error()}
	}
	if len(fs.Args()) > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q", fs.Args()[0])}
	}
	c.Caseload, c.Placement, c.Careleaver, c.Metrics = *caseload, *placement, *careleaver, *metrics
	var err error
	if c.MetricsHTTP, err = parseHTTP(*httpAddrs); err != nil {
		return nil, err
	}
	if c.Mix, err = load.ParseMix(*mix); err != nil {
		return nil, usageError{"-" + err.Error()}
	}
	switch {
	case *clients < 1:
		return nil, usageError{"-clients must be 1 or more"}
	case *duration < 0 || *ops < 0:
		return nil, usageError{"-duration and -ops must not be negative"}
	case c.Rate < 0:
		return nil, usageError{"-rate must be 0 (as fast as possible) or more"}
	case *children < 1:
		return nil, usageError{"-children must be 1 or more"}
	case *leavers < 0:
		return nil, usageError{"-care-leavers must be 0 or more"}
	case *leavers == 0 && c.Mix[load.OpContact] > 0:
		return nil, usageError{"contacts in the -mix need -care-leavers 1 or more"}
	case c.ProbeRate < 0:
		return nil, usageError{"-probe-rate must be 0 (no probe) or more"}
	case *conns < 1:
		return nil, usageError{"-conns must be 1 or more"}
	}
	c.Clients, c.Duration, c.Ops = *clients, *duration, int64(*ops)
	if c.Duration == 0 && c.Ops == 0 {
		c.Duration = 20 * time.Second
	}
	c.ChildrenPerClient, c.CareLeaversPerClient = *children, *leavers
	if c.ProbeRate == 0 {
		c.ProbeRate = -1 // load.Config: negative is no probe
	}
	c.ProbeTimeout, c.CallTimeout, c.Conns, c.Prefix, c.CouncilLA = *probeTimeout, *timeout, *conns, *prefix, *councilLA
	c.DrainTimeout = *drain
	if c.DrainTimeout == 0 {
		c.DrainTimeout = -1
	}
	o.jsonPath, o.quiet = *jsonPath, *quiet
	return o, nil
}

// parseHTTP reads -metrics-http.
func parseHTTP(s string) ([]load.HTTPEndpoint, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "none") {
		return nil, nil
	}
	var out []load.HTTPEndpoint
	seen := map[string]bool{}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, addr, named := strings.Cut(part, "=")
		if !named {
			if i >= len(serviceOrder) {
				return nil, usageError{fmt.Sprintf("-metrics-http: %q: more than four addresses; name them service=host:port", part)}
			}
			name, addr = serviceOrder[i], part
		}
		name, addr = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(addr)
		if name == "" || addr == "" {
			return nil, usageError{fmt.Sprintf("-metrics-http: %q: want service=host:port", part)}
		}
		if seen[name] {
			return nil, usageError{fmt.Sprintf("-metrics-http: %s given twice", name)}
		}
		seen[name] = true
		out = append(out, load.HTTPEndpoint{Service: name, Addr: addr})
	}
	return out, nil
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	switch {
	case errors.Is(err, errHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "cpload: %v\n(cpload -h shows the flags)\n", err)
		return 2
	}
	if !o.quiet {
		o.cfg.Progress = stderr
	}
	res, err := load.Run(ctx, o.cfg)
	if err != nil {
		fmt.Fprintf(stderr, "cpload: %v\n", err)
		return 1
	}
	if err := res.WriteTable(stdout); err != nil {
		fmt.Fprintf(stderr, "cpload: %v\n", err)
		return 1
	}
	if o.jsonPath != "" {
		if err := res.WriteJSON(o.jsonPath); err != nil {
			fmt.Fprintf(stderr, "cpload: %v\n", err)
			return 1
		}
	}
	failed := res.Writes.Errors + res.Reads.Errors
	if p := res.Probe; p != nil {
		failed += p.Writes.Errors + p.TimedOut
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "cpload: %d calls failed or probes went unseen\n", failed)
		return 1
	}
	return 0
}
