package testutil

import (
	"errors"
	"testing"
	"time"
)

func TestCheckForReturnsOnceTrue(t *testing.T) {
	n := 0
	CheckFor(t, time.Second, time.Millisecond, func() error {
		n++
		if n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if n != 3 {
		t.Fatalf("polled %d times, want 3", n)
	}
}

// fakeTB records a Fatalf instead of stopping the test, so the failure path
// of CheckFor can be observed.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = format
	panic(f)
}

func TestCheckForFailsAfterTimeout(t *testing.T) {
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != f {
				t.Fatalf("recovered %v, want the Fatalf from CheckFor", r)
			}
		}()
		CheckFor(f, 20*time.Millisecond, time.Millisecond, func() error { return errors.New("never") })
	}()
	if f.failed == "" {
		t.Fatal("CheckFor did not fail the test after its timeout")
	}
}
