package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func testCommitter(t *testing.T, maxBatch int) (*committer, *bolt.DB) {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "commit.db"))
	t.Cleanup(func() { _ = db.Close() })
	c := newCommitter(db, maxBatch)
	t.Cleanup(c.close)
	return c, db
}

func putKey(k string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket(BucketTasks).Put([]byte(k), []byte("v")) }
}

func keys(t *testing.T, db *bolt.DB) int {
	t.Helper()
	n := 0
	if err := db.View(func(tx *bolt.Tx) error { n = tx.Bucket(BucketTasks).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// Many concurrent writes all commit, sharing commits.
func TestCommitterGroupsConcurrentWrites(t *testing.T) {
	c, db := testCommitter(t, 16)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := c.do(putKey(fmt.Sprint("k", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := keys(t, db); got != n {
		t.Fatalf("%d keys, want %d", got, n)
	}
	// Group commit: 200 writes arriving together share transactions.
	if got := c.commits.Load(); got >= n || got < n/16 {
		t.Fatalf("%d commits for %d writes (at most 16 per commit)", got, n)
	}
}

// A failing write in a batch gets its own error; the others commit; a
// panicking write is an error, not a crash.
func TestCommitterFailingAndPanickingWrites(t *testing.T) {
	c, db := testCommitter(t, 64)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	results := make([]error, 30)
	runs := make([]atomic.Int32, 30)
	for i := range results {
		wg.Go(func() {
			results[i] = c.do(func(tx *bolt.Tx) error {
				runs[i].Add(1)
				switch i % 10 {
				case 3:
					return boom
				case 7:
					panic("write panicked")
				}
				return putKey(fmt.Sprint("k", i))(tx)
			})
		})
	}
	wg.Wait()
	for i, err := range results {
		switch i % 10 {
		case 3:
			if !errors.Is(err, boom) {
				t.Errorf("write %d: %v, want boom", i, err)
			}
		case 7:
			if err == nil {
				t.Errorf("write %d: a panic was not reported", i)
			}
		default:
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
		}
	}
	if got := keys(t, db); got != 24 {
		t.Fatalf("%d keys, want 24", got)
	}
}

func TestCommitterClosed(t *testing.T) {
	c, _ := testCommitter(t, 4)
	c.close()
	c.close() // twice is fine
	if err := c.do(putKey("late")); !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v", err)
	}
}
