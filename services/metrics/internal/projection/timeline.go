package projection

import "sort"

// key orders the steps of a timeline: by effective day, then rank, then
// arrival. Keys are unique because arrivals are.
type key struct {
	day     Day
	rank    uint8
	arrival uint64
}

func (a key) less(b key) bool {
	if a.day != b.day {
		return a.day < b.day
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.arrival < b.arrival
}

type step[T any] struct {
	key
	v T
}

// timeline is a step function of time: the value in force on day d is that
// of the last step whose day is on or before d.
type timeline[T any] []step[T]

// insert adds a step in key order. Events mostly arrive in date order, so
// the common case is an append.
func (t *timeline[T]) insert(k key, v T) {
	s := *t
	n := len(s)
	if n == 0 || s[n-1].key.less(k) {
		*t = append(s, step[T]{k, v})
		return
	}
	i := sort.Search(n, func(i int) bool { return k.less(s[i].key) })
	if i > 0 && s[i-1].key == k {
		s[i-1].v = v // the same point again (a reload): replace
		return
	}
	s = append(s, step[T]{})
	copy(s[i+1:], s[i:])
	s[i] = step[T]{k, v}
	*t = s
}

// index returns the index of the step in force on d, or -1 before the
// first step.
func (t timeline[T]) index(d Day) int {
	n := len(t)
	if n == 0 {
		return -1
	}
	if t[n-1].day <= d { // the usual question: today
		return n - 1
	}
	return sort.Search(n, func(i int) bool { return t[i].day > d }) - 1
}

// at returns the value in force on d, and false before the first step.
func (t timeline[T]) at(d Day) (T, bool) {
	if i := t.index(d); i >= 0 {
		return t[i].v, true
	}
	var zero T
	return zero, false
}
