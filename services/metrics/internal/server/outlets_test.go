package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/proto"

	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/pkg/natsembed"
	"github.com/corporate-parenting/suite/services/metrics/internal/feed"
	"github.com/corporate-parenting/suite/services/metrics/internal/projection"
)

func TestBroadcastPublishesSnapshotThenChanges(t *testing.T) {
	ns := natsembed.StartForTest(t)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fd := feed.New(16, 10)
	p := projection.New(today, 10, fd.Publish)

	var mu sync.Mutex
	var got []*nats.Msg
	sub, err := nc.Subscribe(SubjectPrefix+".>", func(m *nats.Msg) {
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Broadcast(ctx, nc, fd, p, slog.New(slog.DiscardHandler)) }()

	count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if n := count(); n != 40 {
			return fmt.Errorf("%d snapshot messages", n)
		}
		return nil
	})
	p.Apply([]projection.Point{{Child: "a", Kind: projection.KindUASC, Date: today, Arrival: 1, UASC: true}, {Child: "a", Kind: projection.KindCare, Date: today, Arrival: 2, Care: projection.Care{LookedAfter: true, LegalStatus: "C2"}}})
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range got[40:] {
			if m.Subject == "metrics.indicators.uasc_count.dfe.all" {
				return nil
			}
		}
		return fmt.Errorf("no uasc_count update among %d messages", len(got)-40)
	})
	mu.Lock()
	var uasc *nats.Msg
	subjects := map[string]bool{}
	for _, m := range got[40:] {
		subjects[m.Subject] = true
		if strings.HasSuffix(m.Subject, "uasc_count.dfe.all") {
			uasc = m
		}
	}
	snapHeader := got[0].Header.Get(HeaderSnapshot)
	mu.Unlock()
	if snapHeader != "true" || uasc.Header.Get(HeaderSequence) != "11" || uasc.Header.Get(HeaderSnapshot) != "" {
		t.Fatalf("headers: snapshot %q, change %v", snapHeader, uasc.Header)
	}
	var v metricsv1.IndicatorValue
	if err := proto.Unmarshal(uasc.Data, &v); err != nil || v.GetNumerator() != 1 || v.GetAsAtDate() != "2026-03-31" {
		t.Fatalf("payload %+v %v", &v, err)
	}
	if !subjects["metrics.indicators.cla_count.dfe.all"] || subjects["metrics.indicators.care_leaver_count.dfe.all"] {
		t.Fatalf("subjects %v", subjects)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestGaugesExportEveryLiveFigure(t *testing.T) {
	p := projection.New(today, 3, nil)
	p.Apply([]projection.Point{
		{Child: "a", Kind: projection.KindCare, Date: today, Arrival: 1, Care: projection.Care{LookedAfter: true, LegalStatus: "C2"}},
		placed("a", "2026-03-31", "U1"),
	})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(NewGauges(p))
	if n, err := testutil.GatherAndCount(reg, "cp_indicator_numerator", "cp_indicator_denominator", "cp_indicator_value"); err != nil || n != 120 {
		t.Fatalf("%d series, %v", n, err)
	}
	want := `
# HELP cp_indicator_value Value of the live figure: the count or change, or the percentage.
# TYPE cp_indicator_value gauge
`
	var sb strings.Builder
	sb.WriteString(want)
	for _, v := range p.Live().Values {
		fmt.Fprintf(&sb, "cp_indicator_value{age_band=%q,indicator=%q,variant=%q} %g\n", v.AgeBand, v.Indicator, v.Variant, v.Number())
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(sb.String()), "cp_indicator_value"); err != nil {
		t.Fatal(err)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP cp_metrics_children Children and young people held by the projection.
# TYPE cp_metrics_children gauge
cp_metrics_children 1
# HELP cp_indicator_sequence Sequence of the last change of the live figures.
# TYPE cp_indicator_sequence gauge
cp_indicator_sequence 4
`), "cp_metrics_children", "cp_indicator_sequence"); err != nil {
		t.Fatal(err)
	}
}
