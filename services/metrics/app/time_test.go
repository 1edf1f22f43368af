package app

import (
	"context"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	"github.com/corporate-parenting/suite/services/metrics/internal/eventstest"
)

// TestBirthdayMovesACareLeaverOutOf19To21: with an injected clock, a care
// leaver leaves the 19–21 band on their 22nd birthday through the
// age_band_changed event the care-leaver service publishes that day; the
// day before still answers as it did.
func TestBirthdayMovesACareLeaverOutOf19To21(t *testing.T) {
	e := newEnv(t)
	e.streams(t, 0)
	clk := clock.NewSettable(londonNoon("2026-03-30"))
	m := e.start(t, clk)
	e.publish(t,
		eventstest.CareLeaverRegistered("yp", "2022-09-01", "19_21"),
		eventstest.ContactRecorded("yp", "2026-03-02", "19_21", "YES", "F5", "U1", true),
		eventstest.CareLeaverRegistered("other", "2025-01-01", "19_21"),
	)
	before := map[string]string{
		"care_leaver_count.dfe.19_21": "2/0", "care_leaver_count.dfe.22_25": "0/0",
		"care_leavers_eet.dfe.19_21": "1/2", "care_leavers_eet.local.19_21": "1/1",
		"care_leavers_eet.dfe.22_25": "0/0", "care_leavers_in_touch.dfe.19_21": "1/2",
	}
	m.waitFigures(t, "", before)

	// Midnight: the London date moves to the birthday; the care-leaver
	// service's own clock publishes the band change that morning.
	clk.SetDate(clock.MustParseDate("2026-03-31"))
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		_, asAt, err := m.figures("")
		if err == nil && asAt != "2026-03-31" {
			err = errAsAt(asAt)
		}
		return err
	})
	e.publish(t, eventstest.AgeBandChanged("yp", "2026-03-31", "22_25", "19_21"))
	m.waitFigures(t, "", map[string]string{
		"care_leaver_count.dfe.19_21": "1/0", "care_leaver_count.dfe.22_25": "1/0", "care_leaver_count.dfe.all": "2/0",
		"care_leavers_eet.dfe.19_21": "0/1", "care_leavers_eet.local.19_21": "0/0",
		"care_leavers_eet.dfe.22_25": "1/1", "care_leavers_eet.local.22_25": "1/1",
		"care_leavers_in_touch.dfe.22_25": "1/1", "care_leavers_in_touch.dfe.19_21": "0/1",
	})
	// The day before the birthday is history, and still says 19–21.
	m.waitFigures(t, "2026-03-30", before)
}

type errAsAt string

func (e errAsAt) Error() string { return "live answers are still as at " + string(e) }

// TestBackdatedEventChangesHistoryOnce: a period of care recorded today but
// effective 14 months ago changes the answer as at last 31 March (and the
// twelve-months-earlier figure of today's answer) and is counted once,
// however often it is delivered.
func TestBackdatedEventChangesHistoryOnce(t *testing.T) {
	e := newEnv(t)
	e.streams(t, 0)
	clk := clock.NewSettable(londonNoon(councilToday))
	m := e.start(t, clk)
	e.publish(t, council()...)
	m.waitFigures(t, "", councilFigures)
	m.waitFigures(t, "2025-03-31", map[string]string{"cla_count.dfe.all": "5/0", "placement_foster.dfe.all": "3/5"})

	late := []eventstest.Event{
		eventstest.PeriodStarted("late", "2025-01-20", "C2", false),
		eventstest.PlacementStarted("late", "2025-01-20", eventstest.Inside("late-a", "U2")),
	}
	e.publish(t, late...)
	e.publish(t, late...) // the relay publishing again: dropped or skipped
	m.waitFigures(t, "2025-03-31", map[string]string{"cla_count.dfe.all": "6/0", "placement_foster.dfe.all": "4/6", "connected_persons_count.dfe.all": "2/0"})
	m.waitFigures(t, "", map[string]string{"cla_count.dfe.all": "9/0", "cla_change_12m.dfe.all": "3/0", "placement_foster.dfe.all": "3/9"})
	// Today's answer with its twelve-months-earlier figures sees it too.
	resp, err := m.client.GetIndicators(context.Background(), &metricsv1.GetIndicatorsRequest{IndicatorIds: []string{"cla_count"}, IncludeTwelveMonthsEarlier: true})
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.GetValues()[0]; v.GetNumerator() != 9 || v.GetTwelveMonthsEarlier().GetNumerator() != 6 || v.GetTwelveMonthsEarlier().GetAsAtDate() != "2025-03-31" {
		t.Fatalf("cla with twelve months earlier: %+v", v)
	}
	// The trend at month ends counts it from its start.
	tr, err := m.client.GetIndicatorTrend(context.Background(), &metricsv1.GetIndicatorTrendRequest{IndicatorId: "cla_count", ToDate: "2025-03-31", Months: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, p := range tr.GetPoints() {
		got = append(got, p.GetNumerator())
	}
	// 31 Jan 2025: c1, c9, late (c2 since 2024); 28 Feb: + c4; 31 Mar: + c10.
	if len(got) != 3 || got[0] != 4 || got[1] != 5 || got[2] != 6 {
		t.Fatalf("trend %v", got)
	}
}

// TestNewDayRefreshesLiveTotals: with no event at all, the live answer
// moves with the London date: cla_change_12m compares with a new "twelve
// months earlier".
func TestNewDayRefreshesLiveTotals(t *testing.T) {
	e := newEnv(t)
	e.streams(t, 0)
	clk := clock.NewSettable(londonNoon("2026-02-28"))
	m := e.start(t, clk)
	e.publish(t,
		eventstest.PeriodStarted("a", "2025-03-01", "C2", false), // looked after since 1 March 2025
		eventstest.PeriodStarted("b", "2026-01-01", "C2", false),
	)
	m.waitFigures(t, "", map[string]string{"cla_count.dfe.all": "2/0", "cla_change_12m.dfe.all": "2/0"})
	clk.SetDate(clock.MustParseDate("2026-03-01"))
	m.waitFigures(t, "", map[string]string{"cla_count.dfe.all": "2/0", "cla_change_12m.dfe.all": "1/0"})
	_, asAt, _ := m.figures("")
	if asAt != "2026-03-01" {
		t.Fatalf("as at %s", asAt)
	}
}
