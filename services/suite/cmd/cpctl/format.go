package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// describeError says why a call failed, in words: one line per field a
// service refused, "refused: <field>: <rule>: <why>".
func describeError(service, addr string, err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return "error: " + err.Error()
	}
	var lines []string
	for _, d := range st.Details() {
		br, ok := d.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, v := range br.GetFieldViolations() {
			desc := v.GetDescription()
			if r := v.GetReason(); r != "" && !strings.HasPrefix(desc, r) {
				desc = r + ": " + desc
			}
			field := v.GetField()
			if field == "" {
				field = "request"
			}
			lines = append(lines, "refused: "+field+": "+desc)
		}
	}
	if len(lines) > 0 {
		return strings.Join(lines, "\n")
	}
	msg := st.Message()
	switch st.Code() {
	case codes.InvalidArgument, codes.FailedPrecondition:
		return "refused: " + msg
	case codes.NotFound:
		return "not found: " + msg
	case codes.AlreadyExists:
		return "already exists: " + msg
	case codes.Unavailable:
		return fmt.Sprintf("unavailable: cannot reach the %s service at %s (%s); is the suite running? (go run ./services/suite/cmd/suite)", service, addr, lastPart(msg))
	case codes.DeadlineExceeded:
		return fmt.Sprintf("timed out: the %s service at %s did not answer in time", service, addr)
	case codes.PermissionDenied, codes.Unauthenticated:
		return "not allowed: " + msg
	case codes.Unimplemented:
		return fmt.Sprintf("not supported: the %s service at %s does not offer this call (%s)", service, addr, msg)
	}
	return strings.ToLower(strings.ReplaceAll(st.Code().String(), "_", " ")) + ": " + msg
}

// lastPart is the innermost cause of a gRPC transport message:
// `connection error: desc = "transport: ...: connect: connection refused"`
// gives "connection refused".
func lastPart(msg string) string {
	msg = strings.Trim(msg, `" `)
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return strings.Trim(msg, `" `)
}

// formatInt writes a count with thousands separators: 81,770.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

func unitOf(v *metricsv1.IndicatorValue, def *metricsv1.IndicatorDefinition) metricsv1.Unit {
	if u := v.GetUnit(); u != metricsv1.Unit_UNIT_UNSPECIFIED {
		return u
	}
	if u := def.GetUnit(); u != metricsv1.Unit_UNIT_UNSPECIFIED {
		return u
	}
	if v.GetDenominator() != 0 {
		return metricsv1.Unit_UNIT_PERCENT
	}
	return metricsv1.Unit_UNIT_COUNT
}

// formatValue is the figure: "662", "+40", "75.8%".
func formatValue(unit metricsv1.Unit, v *metricsv1.IndicatorValue) string {
	switch unit {
	case metricsv1.Unit_UNIT_PERCENT:
		return strconv.FormatFloat(math.Round(v.GetValue()*10)/10, 'f', 1, 64) + "%"
	case metricsv1.Unit_UNIT_CHANGE:
		if v.GetNumerator() > 0 {
			return "+" + formatInt(v.GetNumerator())
		}
		return formatInt(v.GetNumerator())
	}
	return formatInt(v.GetNumerator())
}

// formatCounts is "502 of 662" for a percentage, "" otherwise.
func formatCounts(unit metricsv1.Unit, v *metricsv1.IndicatorValue) string {
	if unit != metricsv1.Unit_UNIT_PERCENT {
		return ""
	}
	return formatInt(v.GetNumerator()) + " of " + formatInt(v.GetDenominator())
}

var bandLabels = map[string]string{"17_18": "aged 17–18", "19_21": "aged 19–21", "22_25": "aged 22–25"}

// label is the plain name of a figure: its definition's title, the variant
// where the indicator has two, and the age band when not all ages.
func label(v *metricsv1.IndicatorValue, def *metricsv1.IndicatorDefinition) string {
	l := def.GetTitle()
	if l == "" {
		l = v.GetIndicatorId()
	}
	if len(def.GetVariants()) > 1 {
		switch {
		case v.GetVariant() == "local" && strings.HasPrefix(v.GetIndicatorId(), "care_leavers_") && v.GetIndicatorId() != "care_leavers_in_touch":
			l += " (of those in touch)"
		case v.GetVariant() == "dfe" && strings.HasPrefix(v.GetIndicatorId(), "care_leavers_") && v.GetIndicatorId() != "care_leavers_in_touch":
			l += " (of all, DfE definition)"
		case v.GetVariant() == "local":
			l += " (council's measure)"
		case v.GetVariant() == "dfe":
			l += " (DfE definition)"
		}
	}
	if b, ok := bandLabels[v.GetAgeBand()]; ok {
		l += ", " + b
	}
	return l
}

func defsByID(defs []*metricsv1.IndicatorDefinition) map[string]*metricsv1.IndicatorDefinition {
	m := make(map[string]*metricsv1.IndicatorDefinition, len(defs))
	for _, d := range defs {
		m[d.GetIndicatorId()] = d
	}
	return m
}

// writeIndicators prints the figures as a table: label, value, "n of d",
// and the same figure twelve months earlier.
func writeIndicators(w io.Writer, resp *metricsv1.GetIndicatorsResponse, defs []*metricsv1.IndicatorDefinition, bands, live bool) error {
	byID := defsByID(defs)
	// Board order: the definitions' order, then any other id.
	rank := map[string]int{}
	for i, d := range defs {
		rank[d.GetIndicatorId()] = i
	}
	values := append([]*metricsv1.IndicatorValue(nil), resp.GetValues()...)
	order := func(v *metricsv1.IndicatorValue) int {
		if r, ok := rank[v.GetIndicatorId()]; ok {
			return r
		}
		return len(defs)
	}
	slices.SortStableFunc(values, func(a, b *metricsv1.IndicatorValue) int { return order(a) - order(b) })

	fmt.Fprintf(w, "Indicators as at %s", longDate(resp.GetAsAtDate()))
	if live {
		fmt.Fprintf(w, " (live, sequence %d)", resp.GetSequence())
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "INDICATOR\tVALUE\tCOUNTS\t12 MONTHS AGO")
	n := 0
	for _, v := range values {
		if !bands && v.GetAgeBand() != "all" && v.GetAgeBand() != "" {
			continue
		}
		def := byID[v.GetIndicatorId()]
		unit := unitOf(v, def)
		earlier := "-"
		if e := v.GetTwelveMonthsEarlier(); e != nil {
			earlier = formatValue(unit, e)
			if c := formatCounts(unit, e); c != "" {
				earlier += " (" + c + ")"
			}
		}
		counts := formatCounts(unit, v)
		if counts == "" {
			counts = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", label(v, def), formatValue(unit, v), counts, earlier)
		n++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(w, "(no figures)")
	}
	return nil
}

// writeWatch prints one message of the watch stream.
func writeWatch(w io.Writer, resp *metricsv1.WatchIndicatorsResponse, byID map[string]*metricsv1.IndicatorDefinition, now time.Time) {
	stamp := now.Format("15:04:05")
	if resp.GetSnapshot() {
		fmt.Fprintf(w, "%s  #%d  snapshot of %d figures (cpctl indicators shows them)\n", stamp, resp.GetSequence(), len(resp.GetValues()))
		return
	}
	for _, v := range resp.GetValues() {
		def := byID[v.GetIndicatorId()]
		unit := unitOf(v, def)
		line := fmt.Sprintf("%s  #%d  %s: %s", stamp, resp.GetSequence(), label(v, def), formatValue(unit, v))
		if c := formatCounts(unit, v); c != "" {
			line += " (" + c + ")"
		}
		fmt.Fprintln(w, line)
	}
}

// writeChildren prints children as a table.
func writeChildren(w io.Writer, children []*caseloadv1.Child) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHILD ID\tLA ID\tNAME\tSTATUS\tIN CARE SINCE\tLEGAL STATUS")
	for _, c := range children {
		since, ls := "-", "-"
		if p := c.GetCurrentPeriod(); p != nil {
			since = orDash(p.GetStartDate())
			for _, s := range p.GetLegalStatuses() {
				if !s.GetCorrected() && s.GetEndDate() == "" {
					ls = s.GetLegalStatus()
				}
			}
		}
		name := strings.TrimSpace(c.GetGivenName() + " " + c.GetFamilyName())
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.GetChildId(), orDash(c.GetLaChildId()), orDash(name), statusName(c.GetStatus()), since, ls)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d %s\n", len(children), plural(len(children), "child", "children"))
	return nil
}

func locationText(p *placementv1.Placement) string {
	la := p.GetPlacementLocalAuthority()
	switch p.GetLocation() {
	case placementv1.Location_LOCATION_INSIDE:
		return "inside the council's area (" + la + ")"
	case placementv1.Location_LOCATION_OUTSIDE:
		return "outside the council's area (" + la + ")"
	}
	if la != "" {
		return "location not known (" + la + ")"
	}
	return "location not known"
}

// placementText describes one placement on one line.
func placementText(p *placementv1.Placement) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", p.GetPlacementType())
	if g := p.GetPlacementGroup(); g != "" {
		fmt.Fprintf(&b, " (%s)", strings.ReplaceAll(g, "_", " "))
	}
	fmt.Fprintf(&b, " from %s", p.GetStartDate())
	if e := p.GetEndDate(); e != "" {
		fmt.Fprintf(&b, " to %s", e)
	}
	if pr := p.GetProvider(); pr != "" {
		fmt.Fprintf(&b, ", provider %s", pr)
	}
	if u := p.GetUrn(); u != "" {
		fmt.Fprintf(&b, ", URN %s", u)
	}
	fmt.Fprintf(&b, ", %s", locationText(p))
	if p.DistanceMiles != nil {
		fmt.Fprintf(&b, ", %.1f miles from home", p.GetDistanceMiles())
	}
	return b.String()
}

func writeStarted(w io.Writer, p *placementv1.Placement) {
	fmt.Fprintf(w, "placed: child %s, placement %s\n  %s\n", p.GetChildId(), p.GetPlacementId(), placementText(p))
}

func writeChanged(w io.Writer, r *placementv1.ChangePlacementResponse) {
	s := r.GetStarted()
	fmt.Fprintf(w, "moved: child %s on %s", s.GetChildId(), s.GetStartDate())
	if reason := r.GetEnded().GetReasonForChange(); reason != "" {
		fmt.Fprintf(w, " (reason %s)", reason)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  ended   %s: %s\n", r.GetEnded().GetPlacementId(), placementText(r.GetEnded()))
	fmt.Fprintf(w, "  started %s: %s\n", s.GetPlacementId(), placementText(s))
}

func writeContact(w io.Writer, childID string, c *careleaverv1.Contact) {
	fmt.Fprintf(w, "recorded: contact %s for child %s on %s: IN_TOUCH %s, ACTIV %s, ACCOM %s\n",
		c.GetContactId(), childID, c.GetContactDate(), orDash(c.GetInTouch()), orDash(c.GetActivity()), orDash(c.GetAccommodation()))
}

var monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

func longDate(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthNames[t.Month()-1], t.Year())
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
