// Package errs is the suite's domain error type. Domain and store code
// return *Error values that say what kind of failure happened; the gRPC
// adapter (pkg/grpcserver.ToStatus) maps them to status codes in one place.
//
// This package must not import gRPC: domain packages depend on it and stay
// transport-free.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what sort of failure an error is. The zero value, KindOK, is
// what KindOf returns for a nil error; it is never a valid Kind for an
// *Error (ToStatus treats it as internal).
type Kind int

// The kinds. They mirror the gRPC codes the suite uses, so the mapping in
// grpcserver is one-to-one, but carry no gRPC dependency.
const (
	KindOK Kind = iota
	// KindInvalid: the request itself is wrong (shape or a DfE rule about
	// the request's own fields). Nothing was written.
	KindInvalid
	// KindNotFound: an id in the request names nothing.
	KindNotFound
	// KindAlreadyExists: the thing being created exists already, or a
	// request_id was reused with a different request.
	KindAlreadyExists
	// KindFailedPrecondition: the request is well formed but conflicts
	// with the child's recorded history.
	KindFailedPrecondition
	// KindPermissionDenied: the caller may not do this.
	KindPermissionDenied
	// KindUnavailable: a dependency is down; retrying later may work.
	KindUnavailable
	// KindInternal: a bug or a storage failure; the detail is logged, never
	// returned to the caller.
	KindInternal
)

var kindNames = [...]string{
	KindOK:                 "OK",
	KindInvalid:            "invalid",
	KindNotFound:           "not found",
	KindAlreadyExists:      "already exists",
	KindFailedPrecondition: "failed precondition",
	KindPermissionDenied:   "permission denied",
	KindUnavailable:        "unavailable",
	KindInternal:           "internal",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Violation is one failed check on one field.
type Violation struct {
	// Field is the request field's path as the caller sees it, e.g.
	// "placement.start_date".
	Field string
	// Rule is a DfE rule id such as "903:358", or a shape rule such as
	// "required" or "format".
	Rule string
	// Message says what is wrong in words a caseworker's system can show.
	Message string
}

func (v Violation) String() string {
	switch {
	case v.Rule == "":
		return v.Field + ": " + v.Message
	case v.Field == "":
		return v.Rule + ": " + v.Message
	default:
		return v.Field + ": " + v.Rule + ": " + v.Message
	}
}

// Error is a domain error.
//
// Message is returned to the caller (except for KindInternal), so it must
// not hold personal data the caller did not send; Err is the cause, for
// logs and errors.Is/As only.
type Error struct {
	Kind       Kind
	Message    string
	Violations []Violation
	Err        error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports bad input, one violation per failing field and rule.
func Invalid(v ...Violation) *Error {
	return &Error{Kind: KindInvalid, Message: summarise("invalid argument", v), Violations: v}
}

// Conflict reports a write that is well formed but conflicts with the
// child's history (e.g. a placement starting before the period of care).
// It is a FailedPrecondition that names the fields and rules involved.
func Conflict(v ...Violation) *Error {
	return &Error{Kind: KindFailedPrecondition, Message: summarise("conflicts with recorded history", v), Violations: v}
}

// NotFoundf reports that an id names nothing.
func NotFoundf(format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Message: fmt.Sprintf(format, args...)}
}

// AlreadyExistsf reports a duplicate create or a reused request id.
func AlreadyExistsf(format string, args ...any) *Error {
	return &Error{Kind: KindAlreadyExists, Message: fmt.Sprintf(format, args...)}
}

// FailedPreconditionf reports a conflict with current state when there is
// no field to name; prefer Conflict when there is.
func FailedPreconditionf(format string, args ...any) *Error {
	return &Error{Kind: KindFailedPrecondition, Message: fmt.Sprintf(format, args...)}
}

// PermissionDeniedf reports a caller not allowed to do this.
func PermissionDeniedf(format string, args ...any) *Error {
	return &Error{Kind: KindPermissionDenied, Message: fmt.Sprintf(format, args...)}
}

// Unavailablef reports a dependency that is down.
func Unavailablef(format string, args ...any) *Error {
	return &Error{Kind: KindUnavailable, Message: fmt.Sprintf(format, args...)}
}

// Internalf reports a bug. The message is logged, never sent to callers.
// To keep a cause, use Wrap(KindInternal, err, msg).
func Internalf(format string, args ...any) *Error {
	return &Error{Kind: KindInternal, Message: fmt.Sprintf(format, args...)}
}

// Wrap gives err a kind and a caller-facing message, keeping err as the
// cause for logs and errors.Is/As. It always returns a non-nil *Error, even
// for a nil err, so that `return errs.Wrap(...)` never yields a typed nil.
func Wrap(kind Kind, err error, msg string) *Error {
	return &Error{Kind: kind, Message: msg, Err: err}
}

// KindOf says what kind err is: KindOK for nil, the Kind of the outermost
// *Error in err's chain, and KindInternal for anything else (including an
// *Error whose Kind was left zero), since an unclassified error is a bug.
func KindOf(err error) Kind {
	if err == nil {
		return KindOK
	}
	var e *Error
	if errors.As(err, &e) && e.Kind != KindOK {
		return e.Kind
	}
	return KindInternal
}

// ViolationsOf returns the violations of the outermost *Error in err's
// chain, or nil.
func ViolationsOf(err error) []Violation {
	var e *Error
	if errors.As(err, &e) {
		return e.Violations
	}
	return nil
}

// Violations collects the failures of many checks so a caller learns about
// every bad field at once, not one per round trip:
//
//	var v errs.Violations
//	if req.Name == "" { v.Add("name", "required", "name is required") }
//	return v.Err()
type Violations []Violation

// Add records one failure.
func (v *Violations) Add(field, rule, msg string) {
	*v = append(*v, Violation{Field: field, Rule: rule, Message: msg})
}

// Addf records one failure with a formatted message.
func (v *Violations) Addf(field, rule, format string, args ...any) {
	v.Add(field, rule, fmt.Sprintf(format, args...))
}

// Append records failures found elsewhere (e.g. by a shared rule function).
func (v *Violations) Append(vs ...Violation) { *v = append(*v, vs...) }

// Empty reports whether nothing has failed.
func (v Violations) Empty() bool { return len(v) == 0 }

// Err returns nil if nothing failed, else an Invalid error holding a copy of
// the violations. It returns error, not *Error, so a nil result is a true
// nil interface.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return Invalid(v.clone()...)
}

// ConflictErr is Err for checks against the child's history: nil if nothing
// failed, else a Conflict (FailedPrecondition) error.
func (v Violations) ConflictErr() error {
	if len(v) == 0 {
		return nil
	}
	return Conflict(v.clone()...)
}

func (v Violations) clone() []Violation { return append([]Violation(nil), v...) }

// summarise builds a one-line message from the violations, so a client that
// ignores status details still learns what was wrong.
func summarise(what string, v []Violation) string {
	switch len(v) {
	case 0:
		return what
	case 1:
		return what + ": " + v[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d problems: %s", what, len(v), v[0])
	if len(v) == 2 {
		fmt.Fprintf(&b, "; %s", v[1])
	} else {
		fmt.Fprintf(&b, "; and %d more", len(v)-1)
	}
	return b.String()
}
