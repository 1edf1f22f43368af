package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/corporate-parenting/suite/pkg/config"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// globals are the flags every command takes.
type globals struct {
	Caseload, Placement, Careleaver, Metrics string
	Verbose                                  bool
	Timeout                                  time.Duration
}

type childrenArgs struct {
	Status caseloadv1.ChildStatus
	Name   string
	Worker string
	Team   string
	Limit  int
}

type placeArgs struct {
	Child, Date                    string
	Type, Provider, URN, LA, Carer string
	Change                         bool
	Reason                         string
	HomeGrid, PlacementGrid        *placementv1.GridReference
}

type contactArgs struct {
	Child, Date, InTouch, Activ, Accom string
}

type indicatorsArgs struct {
	AsAt  string
	IDs   []string
	Bands bool
}

type watchArgs struct {
	After uint64
	IDs   []string
}

// invocation is a parsed command line.
type invocation struct {
	G          globals
	Command    string
	Children   childrenArgs
	Place      placeArgs
	Contact    contactArgs
	Indicators indicatorsArgs
	Watch      watchArgs
}

// usageError is a command line that cannot run (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// errHelp asks for the usage text (exit status 0).
var errHelp = errors.New("help")

const usageText = `cpctl talks to the corporate parenting suite over gRPC.

Usage:
  cpctl [flags] <command> [command flags]

Commands:
  children    list children (caseload)
                [-status looked_after|care_leaver|not_looked_after|closed] [-name PREFIX]
                [-worker ID] [-team ID] [-limit N]
  place       start a placement, or with -change move the child (placement)
                -child ID -date YYYY-MM-DD -type U4 [-provider PR1] [-urn SC123456]
                [-la E08000026] [-carer ID] [-home-grid E,N] [-placement-grid E,N]
                [-change -reason CARPL]
  contact     record a keeping-in-touch contact (careleaver)
                -child ID -date YYYY-MM-DD -in-touch YES [-activ F2] [-accom U1]
  indicators  the Board's figures as a table (metrics)
                [-as-at YYYY-MM-DD] [-id cla_count,placement_foster] [-bands]
  watch       print every change to the figures as it happens, until Ctrl-C (metrics)
                [-after SEQUENCE] [-id cla_count,...]

Flags (each also after the command):
  -caseload ADDR     caseload gRPC address (default 127.0.0.1:7101; env CP_CASELOAD_ADDR)
  -placement ADDR    placement gRPC address (default 127.0.0.1:7102; env CP_PLACEMENT_ADDR)
  -careleaver ADDR   careleaver gRPC address (default 127.0.0.1:7103; env CP_CARELEAVER_ADDR)
  -metrics ADDR      metrics gRPC address (default 127.0.0.1:7104; env CP_METRICS_ADDR)
  -timeout D         deadline of each call (default 10s)
  -v                 print each call's service, address and request id
`

// parse reads a command line (without the program name).
func parse(args []string) (*invocation, error) {
	inv := &invocation{}
	g := &inv.G
	gfs := config.NewFlagSet("cpctl")
	gfs.SetOutput(io.Discard)
	caseload := gfs.String("caseload", "127.0.0.1:7101", "caseload gRPC address", "CP_CASELOAD_ADDR")
	placement := gfs.String("placement", "127.0.0.1:7102", "placement gRPC address", "CP_PLACEMENT_ADDR")
	careleaver := gfs.String("careleaver", "127.0.0.1:7103", "careleaver gRPC address", "CP_CARELEAVER_ADDR")
	metrics := gfs.String("metrics", "127.0.0.1:7104", "metrics gRPC address", "CP_METRICS_ADDR")
	timeout := gfs.Duration("timeout", 10*time.Second, "deadline of each call")
	verbose := gfs.Bool("v", false, "print each call's request id")
	if err := gfs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, usageError{err.Error()}
	}
	g.Caseload, g.Placement, g.Careleaver, g.Metrics = *caseload, *placement, *careleaver, *metrics
	g.Timeout, g.Verbose = *timeout, *verbose

	rest := gfs.Args()
	if len(rest) == 0 {
		return nil, usagef("no command given")
	}
	inv.Command, rest = rest[0], rest[1:]

	fs := flag.NewFlagSet("cpctl "+inv.Command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The global flags again, so they may follow the command.
	fs.StringVar(&g.Caseload, "caseload", g.Caseload, "")
	fs.StringVar(&g.Placement, "placement", g.Placement, "")
	fs.StringVar(&g.Careleaver, "careleaver", g.Careleaver, "")
	fs.StringVar(&g.Metrics, "metrics", g.Metrics, "")
	fs.DurationVar(&g.Timeout, "timeout", g.Timeout, "")
	fs.BoolVar(&g.Verbose, "v", g.Verbose, "")

	var check func() error
	switch inv.Command {
	case "help":
		return nil, errHelp
	case "children":
		a := &inv.Children
		status := fs.String("status", "", "")
		fs.StringVar(&a.Name, "name", "", "")
		fs.StringVar(&a.Worker, "worker", "", "")
		fs.StringVar(&a.Team, "team", "", "")
		fs.IntVar(&a.Limit, "limit", 0, "")
		check = func() error {
			s, err := parseStatus(*status)
			a.Status = s
			if a.Limit < 0 {
				return usagef("-limit must be 0 (all) or more")
			}
			return err
		}
	case "place":
		a := &inv.Place
		fs.StringVar(&a.Child, "child", "", "")
		fs.StringVar(&a.Date, "date", "", "")
		fs.StringVar(&a.Type, "type", "", "")
		fs.StringVar(&a.Provider, "provider", "", "")
		fs.StringVar(&a.URN, "urn", "", "")
		fs.StringVar(&a.LA, "la", "", "")
		fs.StringVar(&a.Carer, "carer", "", "")
		fs.BoolVar(&a.Change, "change", false, "")
		fs.StringVar(&a.Reason, "reason", "", "")
		home := fs.String("home-grid", "", "")
		placed := fs.String("placement-grid", "", "")
		check = func() error {
			if err := required(map[string]string{"-child": a.Child, "-date": a.Date, "-type": a.Type}); err != nil {
				return err
			}
			if err := checkDate("-date", a.Date); err != nil {
				return err
			}
			switch {
			case a.Change && a.Reason == "":
				return usagef("-change needs -reason (903 REASON_PLACE_CHANGE, e.g. CARPL)")
			case !a.Change && a.Reason != "":
				return usagef("-reason is for -change (moving a child); a first placement has no reason")
			}
			a.Type, a.Provider, a.URN, a.LA, a.Reason = upper(a.Type), upper(a.Provider), upper(a.URN), upper(a.LA), upper(a.Reason)
			var err error
			if a.HomeGrid, err = parseGrid("-home-grid", *home); err != nil {
				return err
			}
			a.PlacementGrid, err = parseGrid("-placement-grid", *placed)
			return err
		}
	case "contact":
		a := &inv.Contact
		fs.StringVar(&a.Child, "child", "", "")
		fs.StringVar(&a.Date, "date", "", "")
		fs.StringVar(&a.InTouch, "in-touch", "", "")
		fs.StringVar(&a.Activ, "activ", "", "")
		fs.StringVar(&a.Accom, "accom", "", "")
		check = func() error {
			if err := required(map[string]string{"-child": a.Child, "-date": a.Date, "-in-touch": a.InTouch}); err != nil {
				return err
			}
			a.InTouch, a.Activ, a.Accom = upper(a.InTouch), upper(a.Activ), upper(a.Accom)
			return checkDate("-date", a.Date)
		}
	case "indicators":
		a := &inv.Indicators
		fs.StringVar(&a.AsAt, "as-at", "", "")
		ids := fs.String("id", "", "")
		fs.BoolVar(&a.Bands, "bands", false, "")
		check = func() error {
			a.IDs = splitList(*ids)
			if a.AsAt == "" {
				return nil
			}
			return checkDate("-as-at", a.AsAt)
		}
	case "watch":
		a := &inv.Watch
		fs.Uint64Var(&a.After, "after", 0, "")
		ids := fs.String("id", "", "")
		check = func() error {
			a.IDs = splitList(*ids)
			return nil
		}
	default:
		return nil, usagef("unknown command %q (children, place, contact, indicators, watch)", inv.Command)
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, usagef("%s: %v", inv.Command, err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("%s: unexpected argument %q", inv.Command, fs.Arg(0))
	}
	if err := check(); err != nil {
		if _, ok := err.(usageError); ok {
			return nil, usagef("%s: %s", inv.Command, err)
		}
		return nil, err
	}
	return inv, nil
}

var statusNames = map[string]caseloadv1.ChildStatus{
	"":                 caseloadv1.ChildStatus_CHILD_STATUS_UNSPECIFIED,
	"all":              caseloadv1.ChildStatus_CHILD_STATUS_UNSPECIFIED,
	"looked_after":     caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER,
	"care_leaver":      caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER,
	"not_looked_after": caseloadv1.ChildStatus_CHILD_STATUS_NOT_LOOKED_AFTER,
	"closed":           caseloadv1.ChildStatus_CHILD_STATUS_CLOSED,
}

func parseStatus(s string) (caseloadv1.ChildStatus, error) {
	k := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	if st, ok := statusNames[k]; ok {
		return st, nil
	}
	return 0, usagef("-status %q: want looked_after, care_leaver, not_looked_after, closed or all", s)
}

func statusName(s caseloadv1.ChildStatus) string {
	switch s {
	case caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER:
		return "looked after"
	case caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER:
		return "care leaver"
	case caseloadv1.ChildStatus_CHILD_STATUS_NOT_LOOKED_AFTER:
		return "not looked after"
	case caseloadv1.ChildStatus_CHILD_STATUS_CLOSED:
		return "closed"
	}
	return "-"
}

func required(flags map[string]string) error {
	var missing []string
	for _, name := range []string{"-child", "-date", "-type", "-in-touch"} {
		if v, ok := flags[name]; ok && strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func checkDate(flagName, v string) error {
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return usagef("%s %q: want a date written YYYY-MM-DD", flagName, v)
	}
	return nil
}

func parseGrid(flagName, v string) (*placementv1.GridReference, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	e, n, ok := strings.Cut(v, ",")
	east, err1 := strconv.ParseFloat(strings.TrimSpace(e), 64)
	north, err2 := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, usagef("%s %q: want EASTING,NORTHING in metres, e.g. 433500,279100", flagName, v)
	}
	return &placementv1.GridReference{Easting: east, Northing: north}, nil
}

func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
