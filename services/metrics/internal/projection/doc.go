// Package projection is the metrics service's domain: what it keeps about
// each pseudonymous child, and how the Board's indicators are computed from
// that.
//
// # The state model
//
// Events from the three source services become dated change points (Point):
// "from effective date d, the child's care is X" (looked after, legal
// status), "UASC from d", "placed in Y from d", "care-leaver record open from
// d", "age band from d", "latest keeping-in-touch contact from d". A child is
// one timeline of points per kind, ordered by effective date (then by rank
// and arrival order for points of the same date, so a later record of the
// same day wins). The state of a child as at any date d is the last point of
// each kind on or before d. Because every point carries an absolute value
// (never a delta), a backdated record is simply inserted at its date: it
// changes the answers for dates from then on, and cannot count anything
// twice.
//
// # Live totals and history
//
// Projection keeps, in memory, every child's timelines and the totals as at
// three tracked dates: today, today less 12 months (for cla_change_12m and
// "twelve months earlier") and today less 24 months (for the change a year
// earlier). Applying points to a child subtracts its contribution at each
// tracked date, merges the points, and adds the new contribution: the live
// figures never need a scan. An as-at question for any other date scans the
// children's timelines (a council has about a thousand children: well under
// a millisecond). When the London date changes, SetToday moves the tracked
// dates and recomputes them once.
//
// The package has no protobuf, bbolt or NATS: it is fed Points and answers
// Values.
package projection
