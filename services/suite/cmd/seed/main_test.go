package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/clock"
)

func TestDryRunDescribesThePlan(t *testing.T) {
	var out, errOut bytes.Buffer
	today := clock.Today(clock.System)
	err := run(context.Background(), []string{"-dry-run", "-as-at", today.AddDays(-1).String(), "-seed", "3"}, &out, &errOut, false)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errOut.String())
	}
	if !strings.Contains(out.String(), "(seed 3): 1207 children") {
		t.Fatalf("output %q", out.String())
	}
}

func TestRefusesAnAsAtDateItCannotLoad(t *testing.T) {
	for _, asAt := range []string{"2099-01-01", "2020-01-01", "31/03/2026"} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"-dry-run", "-as-at", asAt}, &out, &errOut, false); err == nil {
			t.Errorf("-as-at %s accepted", asAt)
		}
	}
}
