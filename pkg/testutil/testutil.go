// Package testutil holds the few helpers the suite's tests share.
package testutil

import (
	"testing"
	"time"
)

// CheckFor polls fn every interval until it returns nil, and fails the test
// with fn's last error if that has not happened within timeout. Tests wait
// for asynchronous effects (an event arriving, a total changing) with it,
// never with a fixed sleep.
func CheckFor(t testing.TB, timeout, interval time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}
