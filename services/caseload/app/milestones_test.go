package app_test

import (
	"fmt"
	"sort"
	"testing"
)

// The age-milestone task publishes caseload.age.milestone on the day a
// looked-after child reaches 10, 16 or 18, by the service's own clock:
// once per child and birthday, across restarts, and on catching up after
// the service was down over a birthday.
func TestAgeMilestonesPublishedOncePerBirthday(t *testing.T) {
	h := newHarness(t) // today is 2026-06-30
	mia := h.register("LA-M", "Mia", "Sixteen", "2010-07-01")
	h.startPeriod(mia, "2025-01-01", "C2", "N1")
	ned := h.register("LA-N", "Ned", "Eighteen", "2008-07-01")
	h.startPeriod(ned, "2025-01-01", "C2", "N1")
	ola := h.register("LA-O", "Ola", "Ten", "2016-07-01")
	h.startPeriod(ola, "2025-01-01", "C2", "N1")
	h.register("LA-P", "Pat", "NotLookedAfter", "2010-07-01")
	quin := h.register("LA-Q", "Quin", "Later", "2010-07-03")
	h.startPeriod(quin, "2025-01-01", "V2", "N1")
	base := h.writes
	h.waitEvents(base)

	milestones := func(from int) []string {
		var out []string
		for _, p := range h.streamEvents()[from:] {
			if p.Subject != "caseload.age.milestone" {
				t.Errorf("unexpected event %s", p.Subject)
				continue
			}
			out = append(out, fmt.Sprintf("%s:%d:%s:%s", p.Event.GetChildId(), p.Event.GetAgeMilestone().GetAge(),
				p.Event.GetEffectiveDate(), p.Event.GetMonthOfBirth()))
		}
		sort.Strings(out)
		return out
	}

	h.setToday("2026-07-01")
	h.waitEvents(base + 3)
	got := milestones(base)
	want := []string{
		mia + ":16:2026-07-01:2010-07",
		ned + ":18:2026-07-01:2008-07",
		ola + ":10:2026-07-01:2016-07",
	}
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("milestones = %v, want %v", got, want)
	}

	// A restart on the same day publishes nothing again.
	h.restart()
	sentinel := h.register("LA-S1", "Sid", "Sentinel", "2015-01-01")
	evs := h.waitEvents(base + 4)
	if evs[len(evs)-1].Event.GetChildId() != sentinel {
		t.Fatalf("after a restart: %v", subjects(evs[base+3:]))
	}

	// The service is down over Quin's 16th birthday (3 July); it catches up.
	h.stop()
	h.setToday("2026-07-05")
	h.start()
	evs = h.waitEvents(base + 5)
	last := evs[len(evs)-1]
	if last.Subject != "caseload.age.milestone" || last.Event.GetChildId() != quin ||
		last.Event.GetAgeMilestone().GetAge() != 16 || last.Event.GetEffectiveDate() != "2026-07-03" {
		t.Fatalf("catch-up milestone = %s %v", last.Subject, last.Event)
	}
	h.setToday("2026-07-06")
	sentinel = h.register("LA-S2", "Sue", "Sentinel", "2015-01-01")
	evs = h.waitEvents(base + 6)
	if evs[len(evs)-1].Event.GetChildId() != sentinel {
		t.Fatalf("a later day republished: %v", subjects(evs[base+5:]))
	}
}
