package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// DefaultMaxBatch caps how many writes share one commit.
const DefaultMaxBatch = 256

// committer is group commit without a timer. One goroutine commits: it
// takes every write waiting, runs them one after another in one bbolt
// transaction and commits it (one fsync for all). While that commit is on
// its way to disk the next writes queue up, and they form the next batch.
// A lone write is committed at once; under load batches grow by themselves
// to whatever arrived during the previous fsync. (bbolt's db.Batch waits a
// fixed MaxBatchDelay instead: a lone write always pays the delay, and a
// short delay makes many small batches queue for the lock.)
//
// As with db.Batch, a write function may run more than once: if one
// function of a batch fails, the transaction is rolled back, the failing
// write gets its error, and the others run again in a new transaction. So
// a write function must depend only on what it reads through its
// transaction, and act outside it only after the commit.
type committer struct {
	db       *bolt.DB
	maxBatch int
	calls    chan *commitCall
	stop     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	// commits counts transactions committed or tried.
	commits atomic.Int64
}

type commitCall struct {
	fn  func(*bolt.Tx) error
	err chan error
}

// errClosed is returned by writes after Close.
var errClosed = errors.New("store: closed")

func newCommitter(db *bolt.DB, maxBatch int) *committer {
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	c := &committer{db: db, maxBatch: maxBatch, calls: make(chan *commitCall, maxBatch),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// do runs fn in a committed write transaction shared with other writes and
// returns fn's error, or the commit's.
func (c *committer) do(fn func(*bolt.Tx) error) error {
	call := &commitCall{fn: fn, err: make(chan error, 1)}
	select {
	case c.calls <- call:
	case <-c.stop:
		return errClosed
	}
	select {
	case err := <-call.err:
		return err
	case <-c.stopped:
		// run answers every call it took before it stops.
		select {
		case err := <-call.err:
			return err
		default:
			return errClosed
		}
	}
}

func (c *committer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.stopped
}

func (c *committer) run() {
	defer close(c.stopped)
	batch := make([]*commitCall, 0, c.maxBatch)
	for {
		select {
		case call := <-c.calls:
			batch = append(batch[:0], call)
		case <-c.stop:
			return
		}
	more:
		for len(batch) < c.maxBatch {
			select {
			case call := <-c.calls:
				batch = append(batch, call)
			default:
				break more
			}
		}
		c.commit(batch)
	}
}

// commit runs the batch in one transaction; a failing function is answered
// with its error and taken out, and the rest run again.
func (c *committer) commit(batch []*commitCall) {
	for len(batch) > 0 {
		failed, fnErr := -1, error(nil)
		c.commits.Add(1)
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, call := range batch {
				if err := safeCall(call.fn, tx); err != nil {
					failed, fnErr = i, err
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, call := range batch {
				call.err <- err // nil, or the commit's failure
			}
			return
		}
		// The failing write saw the ones before it in the batch, which run
		// again in the same order: its error stands in that serial order.
		batch[failed].err <- fnErr
		batch = append(batch[:failed], batch[failed+1:]...)
	}
}

func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: write panicked: %v", r)
		}
	}()
	return fn(tx)
}
