package service

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(orig) })
	gogc, had := os.LookupEnv("GOGC")
	t.Cleanup(func() {
		if had {
			os.Setenv("GOGC", gogc)
		} else {
			os.Unsetenv("GOGC")
		}
	})

	os.Unsetenv("GOGC")
	TuneGC()
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Fatalf("GOGC unset: the target is %d, want %d", got, GCPercent)
	}
	// GOGC set: the runtime applied it at start; TuneGC leaves the target alone.
	os.Setenv("GOGC", "150")
	TuneGC()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("GOGC set: TuneGC changed the target to %d", got)
	}
}
