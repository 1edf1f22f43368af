package seed

import (
	"bytes"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, true)
	p.Update(4213, 7980)
	p.Done()
	out := buf.String()
	if !strings.HasPrefix(out, "\rseeding [###############...............] 4,213/7,980 writes  ") ||
		!strings.HasSuffix(out, "/s\n") || strings.Count(out, "\r") != 2 {
		t.Fatalf("terminal progress = %q", out)
	}
	buf.Reset()
	p = NewProgress(&buf, false)
	for i := range 100 {
		p.Update(i, 100) // not a terminal: one line now, the next after two seconds
	}
	p.Done()
	if lines := strings.Count(buf.String(), "\n"); lines != 2 || strings.Contains(buf.String(), "\r") {
		t.Fatalf("plain progress = %q", buf.String())
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCheckAsAt(t *testing.T) {
	today := clock.MustParseDate("2026-11-23")
	for _, tc := range []struct {
		asAt string
		ok   bool
	}{
		{"2026-11-23", true},
		{"2026-03-31", true},
		{"2025-11-24", true},
		{"2025-11-23", false}, // a year ago: care leavers could have turned 25 since
		{"2026-11-24", false}, // the future
		{"2024-03-31", false}, // before K3
	} {
		if err := CheckAsAt(clock.MustParseDate(tc.asAt), today); (err == nil) != tc.ok {
			t.Errorf("CheckAsAt(%s, %s) = %v, want ok=%v", tc.asAt, today, err, tc.ok)
		}
	}
	if _, err := Draw(clock.MustParseDate("2026-03-31"), 1); err != nil {
		t.Fatal(err)
	}
}
