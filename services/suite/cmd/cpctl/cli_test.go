package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, inv *invocation)
		wantErr string // "" for success; "help" for errHelp
	}{
		{
			name: "defaults",
			args: []string{"indicators"},
			check: func(t *testing.T, inv *invocation) {
				want := globals{Caseload: "127.0.0.1:7101", Placement: "127.0.0.1:7102", Careleaver: "127.0.0.1:7103", Metrics: "127.0.0.1:7104", Timeout: 10 * time.Second}
				if inv.G != want || inv.Command != "indicators" || inv.Indicators.AsAt != "" {
					t.Errorf("%+v", inv)
				}
			},
		},
		{
			name: "environment then flags, before or after the command",
			args: []string{"-metrics", "m:1", "indicators", "-placement", "p:2", "-v", "-as-at", "2025-03-31"},
			env:  map[string]string{"CP_CASELOAD_ADDR": "c:9", "CP_METRICS_ADDR": "ignored:0", "CP_CPCTL_CARELEAVER": "cl:3"},
			check: func(t *testing.T, inv *invocation) {
				g := inv.G
				if g.Caseload != "c:9" || g.Metrics != "m:1" || g.Placement != "p:2" || g.Careleaver != "cl:3" || !g.Verbose {
					t.Errorf("%+v", g)
				}
				if inv.Indicators.AsAt != "2025-03-31" {
					t.Errorf("as-at %q", inv.Indicators.AsAt)
				}
			},
		},
		{
			name: "children by status",
			args: []string{"children", "-status", "looked_after"},
			check: func(t *testing.T, inv *invocation) {
				if inv.Children.Status != caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER {
					t.Errorf("status %v", inv.Children.Status)
				}
			},
		},
		{name: "children: status spelt with a hyphen", args: []string{"children", "-status", "Care-Leaver"},
			check: func(t *testing.T, inv *invocation) {
				if inv.Children.Status != caseloadv1.ChildStatus_CHILD_STATUS_CARE_LEAVER {
					t.Errorf("status %v", inv.Children.Status)
				}
			}},
		{name: "children: unknown status", args: []string{"children", "-status", "fostered"}, wantErr: `children: -status "fostered": want looked_after`},
		{
			name: "place",
			args: []string{"place", "-child", "C1", "-date", "2026-03-31", "-type", "u4", "-provider", "pr1", "-urn", "SC123456", "-la", "E08000026", "-home-grid", "433500,279100"},
			check: func(t *testing.T, inv *invocation) {
				p := inv.Place
				if p.Child != "C1" || p.Date != "2026-03-31" || p.Type != "U4" || p.Provider != "PR1" || p.URN != "SC123456" || p.LA != "E08000026" || p.Change {
					t.Errorf("%+v", p)
				}
				if p.HomeGrid.GetEasting() != 433500 || p.HomeGrid.GetNorthing() != 279100 || p.PlacementGrid != nil {
					t.Errorf("grids %v %v", p.HomeGrid, p.PlacementGrid)
				}
			},
		},
		{
			name: "place -change",
			args: []string{"place", "-change", "-reason", "carpl", "-child", "C1", "-date", "2026-04-02", "-type", "K2"},
			check: func(t *testing.T, inv *invocation) {
				if !inv.Place.Change || inv.Place.Reason != "CARPL" {
					t.Errorf("%+v", inv.Place)
				}
			},
		},
		{name: "place: missing flags", args: []string{"place", "-child", "C1"}, wantErr: "place: missing -date, -type"},
		{name: "place: bad date", args: []string{"place", "-child", "C1", "-date", "31/03/2026", "-type", "U4"}, wantErr: `place: -date "31/03/2026": want a date written YYYY-MM-DD`},
		{name: "place: change without reason", args: []string{"place", "-change", "-child", "C1", "-date", "2026-04-02", "-type", "K2"}, wantErr: "place: -change needs -reason"},
		{name: "place: reason without change", args: []string{"place", "-reason", "CARPL", "-child", "C1", "-date", "2026-04-02", "-type", "K2"}, wantErr: "place: -reason is for -change"},
		{name: "place: bad grid", args: []string{"place", "-child", "C1", "-date", "2026-04-02", "-type", "K2", "-placement-grid", "north"}, wantErr: `place: -placement-grid "north": want EASTING,NORTHING`},
		{
			name: "contact",
			args: []string{"contact", "-child", "C2", "-date", "2026-03-31", "-in-touch", "yes", "-activ", "f2", "-accom", "u1"},
			check: func(t *testing.T, inv *invocation) {
				if inv.Contact != (contactArgs{Child: "C2", Date: "2026-03-31", InTouch: "YES", Activ: "F2", Accom: "U1"}) {
					t.Errorf("%+v", inv.Contact)
				}
			},
		},
		{name: "contact: missing in-touch", args: []string{"contact", "-child", "C2", "-date", "2026-03-31"}, wantErr: "contact: missing -in-touch"},
		{name: "indicators: ids and bands", args: []string{"indicators", "-id", "cla_count, placement_foster,", "-bands"},
			check: func(t *testing.T, inv *invocation) {
				if strings.Join(inv.Indicators.IDs, "|") != "cla_count|placement_foster" || !inv.Indicators.Bands {
					t.Errorf("%+v", inv.Indicators)
				}
			}},
		{name: "indicators: bad as-at", args: []string{"indicators", "-as-at", "yesterday"}, wantErr: `indicators: -as-at "yesterday"`},
		{name: "watch -after", args: []string{"watch", "-after", "42"},
			check: func(t *testing.T, inv *invocation) {
				if inv.Watch.After != 42 {
					t.Errorf("%+v", inv.Watch)
				}
			}},
		{name: "no command", args: nil, wantErr: "no command given"},
		{name: "unknown command", args: []string{"adopt"}, wantErr: `unknown command "adopt"`},
		{name: "unknown flag", args: []string{"children", "-colour", "red"}, wantErr: "children: flag provided but not defined: -colour"},
		{name: "stray argument", args: []string{"children", "extra"}, wantErr: `children: unexpected argument "extra"`},
		{name: "help", args: []string{"help"}, wantErr: "help"},
		{name: "-h", args: []string{"-h"}, wantErr: "help"},
		{name: "place -h", args: []string{"place", "-h"}, wantErr: "help"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"CP_CASELOAD_ADDR", "CP_PLACEMENT_ADDR", "CP_CARELEAVER_ADDR", "CP_METRICS_ADDR",
				"CP_CPCTL_CASELOAD", "CP_CPCTL_PLACEMENT", "CP_CPCTL_CARELEAVER", "CP_CPCTL_METRICS", "CP_CPCTL_TIMEOUT", "CP_CPCTL_V"} {
				t.Setenv(k, "")
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			inv, err := parse(tc.args)
			switch {
			case tc.wantErr == "help":
				if !errors.Is(err, errHelp) {
					t.Fatalf("err %v, want help", err)
				}
			case tc.wantErr != "":
				var ue usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want a usage error containing %q", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, inv)
			}
		})
	}
}

func TestRunExitStatus(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "cpctl [flags] <command>") {
		t.Errorf("help: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(ctx, []string{"place", "-child", "C1"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "cpctl: place: missing -date, -type") {
		t.Errorf("usage: %d %q", code, errOut.String())
	}
	// Nothing listens on port 1 of loopback.
	errOut.Reset()
	if code := run(ctx, []string{"-metrics", "127.0.0.1:1", "-timeout", "2s", "indicators"}, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "unavailable: cannot reach the metrics service at 127.0.0.1:1") {
		t.Errorf("unreachable: %d %q", code, errOut.String())
	}
}

func withViolations(code codes.Code, msg string, vs ...*errdetails.BadRequest_FieldViolation) error {
	st, err := status.New(code, msg).WithDetails(&errdetails.BadRequest{FieldViolations: vs})
	if err != nil {
		panic(err)
	}
	return st.Err()
}

func TestDescribeError(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{
			name: "a DfE rule, as pkg/grpcserver writes it",
			err: withViolations(codes.InvalidArgument, "invalid", &errdetails.BadRequest_FieldViolation{
				Field: "details.placement_type", Description: "903:408: A5/A6 need legal status E1", Reason: "903:408",
			}),
			want: "refused: details.placement_type: 903:408: A5/A6 need legal status E1",
		},
		{
			name: "several fields; a rule only in reason",
			err: withViolations(codes.FailedPrecondition, "conflict",
				&errdetails.BadRequest_FieldViolation{Field: "change_date", Description: "before the current placement started", Reason: "903:217"},
				&errdetails.BadRequest_FieldViolation{Field: "", Description: "required", Reason: ""},
			),
			want: "refused: change_date: 903:217: before the current placement started\nrefused: request: required",
		},
		{name: "no details", err: status.Error(codes.FailedPrecondition, "the child is not looked after on 2026-01-01"), want: "refused: the child is not looked after on 2026-01-01"},
		{name: "not found", err: status.Error(codes.NotFound, `no child with child_id "x"`), want: `not found: no child with child_id "x"`},
		{name: "request id reused", err: status.Error(codes.AlreadyExists, "request_id reused with a different request"), want: "already exists: request_id reused with a different request"},
		{name: "down", err: status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp 127.0.0.1:7102: connect: connection refused"`),
			want: "unavailable: cannot reach the placement service at 127.0.0.1:7102 (connection refused); is the suite running?"},
		{name: "slow", err: status.Error(codes.DeadlineExceeded, "context deadline exceeded"), want: "timed out: the placement service at 127.0.0.1:7102 did not answer in time"},
		{name: "internal", err: status.Error(codes.Internal, "internal error"), want: "internal: internal error"},
		{name: "not gRPC", err: errors.New("boom"), want: "error: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeError("placement", "127.0.0.1:7102", tc.err); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func val(id, variant, band string, unit metricsv1.Unit, n, d int64) *metricsv1.IndicatorValue {
	v := float64(n)
	if unit == metricsv1.Unit_UNIT_PERCENT && d > 0 {
		v = 100 * float64(n) / float64(d)
	}
	return &metricsv1.IndicatorValue{IndicatorId: id, Variant: variant, AgeBand: band, Numerator: n, Denominator: d, Value: v, Unit: unit}
}

func withEarlier(v, e *metricsv1.IndicatorValue) *metricsv1.IndicatorValue {
	v.TwelveMonthsEarlier = e
	return v
}

var testDefs = []*metricsv1.IndicatorDefinition{
	{IndicatorId: "cla_count", Title: "Children looked after", Unit: metricsv1.Unit_UNIT_COUNT, Variants: []string{"dfe"}},
	{IndicatorId: "cla_change_12m", Title: "Change in children looked after over 12 months", Unit: metricsv1.Unit_UNIT_CHANGE, Variants: []string{"dfe"}},
	{IndicatorId: "placement_foster", Title: "Placed in foster care", Unit: metricsv1.Unit_UNIT_PERCENT, Variants: []string{"dfe"}},
	{IndicatorId: "care_leavers_eet", Title: "Care leavers in EET", Unit: metricsv1.Unit_UNIT_PERCENT, Variants: []string{"dfe", "local"}},
}

func TestWriteIndicators(t *testing.T) {
	resp := &metricsv1.GetIndicatorsResponse{AsAtDate: "2026-03-31", Sequence: 7, Values: []*metricsv1.IndicatorValue{
		// Out of Board order, and one id the definitions do not know.
		withEarlier(val("placement_foster", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 502, 662), val("placement_foster", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 466, 622)),
		withEarlier(val("cla_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 662, 0), val("cla_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 622, 0)),
		val("cla_change_12m", "dfe", "all", metricsv1.Unit_UNIT_CHANGE, 40, 0),
		val("care_leavers_eet", "local", "all", metricsv1.Unit_UNIT_PERCENT, 171, 275),
		val("care_leavers_eet", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 171, 290),
		val("care_leavers_eet", "dfe", "19_21", metricsv1.Unit_UNIT_PERCENT, 84, 151),
		val("new_thing", "dfe", "all", metricsv1.Unit_UNIT_UNSPECIFIED, 3, 0),
	}}
	var b bytes.Buffer
	if err := writeIndicators(&b, resp, testDefs, false, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	wantRows := [][]string{
		{"Indicators as at 31 March 2026 (live, sequence 7)"},
		{""},
		{"INDICATOR", "VALUE", "COUNTS", "12 MONTHS AGO"},
		{"Children looked after", "662", "-", "622"},
		{"Change in children looked after over 12 months", "+40", "-", "-"},
		{"Placed in foster care", "75.8%", "502 of 662", "74.9% (466 of 622)"},
		{"Care leavers in EET (of those in touch)", "62.2%", "171 of 275", "-"},
		{"Care leavers in EET (of all, DfE definition)", "59.0%", "171 of 290", "-"},
		{"new_thing", "3", "-", "-"},
	}
	if len(lines) != len(wantRows) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(wantRows), b.String())
	}
	for i, row := range wantRows {
		got := splitColumns(lines[i])
		if strings.Join(got, "|") != strings.Join(row, "|") {
			t.Errorf("line %d: %q, want %q", i, got, row)
		}
	}
	// Columns line up.
	if strings.Index(lines[3], "662") != strings.Index(lines[2], "VALUE") {
		t.Errorf("VALUE column not aligned:\n%s", b.String())
	}

	b.Reset()
	if err := writeIndicators(&b, resp, testDefs, true, false); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "Indicators as at 31 March 2026\n") || !strings.Contains(b.String(), "Care leavers in EET (of all, DfE definition), aged 19–21") {
		t.Errorf("with bands:\n%s", b.String())
	}
}

// splitColumns splits a tabwriter line on runs of two or more spaces.
func splitColumns(line string) []string {
	var out []string
	for _, f := range strings.Split(line, "  ") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if out == nil {
		return []string{""}
	}
	return out
}

func TestWriteWatch(t *testing.T) {
	at := time.Date(2026, 3, 31, 14, 2, 11, 0, time.UTC)
	byID := defsByID(testDefs)
	var b bytes.Buffer
	writeWatch(&b, &metricsv1.WatchIndicatorsResponse{Sequence: 100, Snapshot: true, Values: make([]*metricsv1.IndicatorValue, 28)}, byID, at)
	writeWatch(&b, &metricsv1.WatchIndicatorsResponse{Sequence: 101, Values: []*metricsv1.IndicatorValue{
		val("cla_count", "dfe", "all", metricsv1.Unit_UNIT_COUNT, 663, 0),
		val("placement_foster", "dfe", "all", metricsv1.Unit_UNIT_PERCENT, 503, 663),
		val("cla_change_12m", "dfe", "all", metricsv1.Unit_UNIT_CHANGE, -3, 0),
	}}, byID, at)
	want := "14:02:11  #100  snapshot of 28 figures (cpctl indicators shows them)\n" +
		"14:02:11  #101  Children looked after: 663\n" +
		"14:02:11  #101  Placed in foster care: 75.9% (503 of 663)\n" +
		"14:02:11  #101  Change in children looked after over 12 months: -3\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteChildrenAndWrites(t *testing.T) {
	var b bytes.Buffer
	err := writeChildren(&b, []*caseloadv1.Child{{
		ChildId: "0190-a", LaChildId: "LA000001", GivenName: "Sam", FamilyName: "Test",
		Status: caseloadv1.ChildStatus_CHILD_STATUS_LOOKED_AFTER,
		CurrentPeriod: &caseloadv1.PeriodOfCare{StartDate: "2026-01-05", LegalStatuses: []*caseloadv1.LegalStatusSpell{
			{LegalStatus: "C1", StartDate: "2026-01-05", EndDate: "2026-02-01"},
			{LegalStatus: "C2", StartDate: "2026-02-01"},
		}},
	}, {ChildId: "0190-b", Status: caseloadv1.ChildStatus_CHILD_STATUS_CLOSED}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if got := strings.Join(splitColumns(lines[1]), "|"); got != "0190-a|LA000001|Sam Test|looked after|2026-01-05|C2" {
		t.Errorf("row 1 %q", got)
	}
	if got := strings.Join(splitColumns(lines[2]), "|"); got != "0190-b|-|-|closed|-|-" {
		t.Errorf("row 2 %q", got)
	}
	if lines[3] != "2 children" {
		t.Errorf("footer %q", lines[3])
	}

	b.Reset()
	dist := 3.4
	writeStarted(&b, &placementv1.Placement{
		PlacementId: "P1", ChildId: "0190-a", PlacementType: "U4", PlacementGroup: "foster", Provider: "PR1", Urn: "SC123456",
		PlacementLocalAuthority: "E08000026", Location: placementv1.Location_LOCATION_INSIDE, StartDate: "2026-01-05", DistanceMiles: &dist,
	})
	if want := "placed: child 0190-a, placement P1\n  U4 (foster) from 2026-01-05, provider PR1, URN SC123456, inside the council's area (E08000026), 3.4 miles from home\n"; b.String() != want {
		t.Errorf("started:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	writeChanged(&b, &placementv1.ChangePlacementResponse{
		Ended: &placementv1.Placement{PlacementId: "P1", ChildId: "0190-a", PlacementType: "U4", PlacementGroup: "foster", StartDate: "2026-01-05",
			EndDate: "2026-04-02", ReasonForChange: "CARPL", Location: placementv1.Location_LOCATION_INSIDE, PlacementLocalAuthority: "E08000026"},
		Started: &placementv1.Placement{PlacementId: "P2", ChildId: "0190-a", PlacementType: "K2", PlacementGroup: "childrens_homes", StartDate: "2026-04-02",
			Location: placementv1.Location_LOCATION_OUTSIDE, PlacementLocalAuthority: "E08000025"},
	})
	for _, want := range []string{"moved: child 0190-a on 2026-04-02 (reason CARPL)", "ended   P1: U4 (foster) from 2026-01-05 to 2026-04-02",
		"started P2: K2 (childrens homes) from 2026-04-02, outside the council's area (E08000025)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("changed lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeContact(&b, "0190-c", &careleaverv1.Contact{ContactId: "K1", ContactDate: "2026-03-31", InTouch: "YES", Activity: "F2", Accommodation: "U1"})
	if want := "recorded: contact K1 for child 0190-c on 2026-03-31: IN_TOUCH YES, ACTIV F2, ACCOM U1\n"; b.String() != want {
		t.Errorf("contact %q", b.String())
	}
}

func TestRequestIDIsUUIDv7(t *testing.T) {
	a, b := newRequestID(), newRequestID()
	if a == b || len(a) != 36 || a[14] != '7' {
		t.Errorf("request ids %q %q", a, b)
	}
}
