package errs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/errs"
)

func TestKindString(t *testing.T) {
	tests := []struct {
		kind errs.Kind
		want string
	}{
		{errs.KindOK, "OK"},
		{errs.KindInvalid, "invalid"},
		{errs.KindNotFound, "not found"},
		{errs.KindAlreadyExists, "already exists"},
		{errs.KindFailedPrecondition, "failed precondition"},
		{errs.KindPermissionDenied, "permission denied"},
		{errs.KindUnavailable, "unavailable"},
		{errs.KindInternal, "internal"},
		{errs.Kind(99), "Kind(99)"},
		{errs.Kind(-1), "Kind(-1)"},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.kind), got, tt.want)
		}
	}
}

func TestConstructors(t *testing.T) {
	dob := errs.Violation{Field: "child.date_of_birth", Rule: "903:358", Message: "must be on or before the start of care"}
	name := errs.Violation{Field: "child.name", Rule: "required", Message: "name is required"}
	sex := errs.Violation{Field: "child.sex", Rule: "format", Message: "must be 1 or 2"}
	cause := errors.New("disk on fire")

	tests := []struct {
		name           string
		err            *errs.Error
		wantKind       errs.Kind
		wantMsg        string
		wantErr        string
		wantViolations int
		wantCause      error
	}{
		{"invalid one", errs.Invalid(dob), errs.KindInvalid,
			"invalid argument: child.date_of_birth: 903:358: must be on or before the start of care",
			"invalid argument: child.date_of_birth: 903:358: must be on or before the start of care", 1, nil},
		{"invalid two", errs.Invalid(dob, name), errs.KindInvalid,
			"invalid argument: 2 problems: child.date_of_birth: 903:358: must be on or before the start of care; child.name: required: name is required",
			"", 2, nil},
		{"invalid three", errs.Invalid(dob, name, sex), errs.KindInvalid,
			"invalid argument: 3 problems: child.date_of_birth: 903:358: must be on or before the start of care; and 2 more",
			"", 3, nil},
		{"invalid none", errs.Invalid(), errs.KindInvalid, "invalid argument", "invalid argument", 0, nil},
		{"conflict", errs.Conflict(dob), errs.KindFailedPrecondition,
			"conflicts with recorded history: child.date_of_birth: 903:358: must be on or before the start of care", "", 1, nil},
		{"not found", errs.NotFoundf("child %q not found", "c-1"), errs.KindNotFound, `child "c-1" not found`, `child "c-1" not found`, 0, nil},
		{"already exists", errs.AlreadyExistsf("child %s exists", "c-1"), errs.KindAlreadyExists, "child c-1 exists", "", 0, nil},
		{"failed precondition", errs.FailedPreconditionf("period %d is closed", 3), errs.KindFailedPrecondition, "period 3 is closed", "", 0, nil},
		{"permission denied", errs.PermissionDeniedf("no"), errs.KindPermissionDenied, "no", "", 0, nil},
		{"unavailable", errs.Unavailablef("caseload down"), errs.KindUnavailable, "caseload down", "", 0, nil},
		{"internal", errs.Internalf("bucket %s missing", "children"), errs.KindInternal, "bucket children missing", "", 0, nil},
		{"wrap", errs.Wrap(errs.KindUnavailable, cause, "storage unavailable"), errs.KindUnavailable,
			"storage unavailable", "storage unavailable: disk on fire", 0, cause},
		{"wrap nil cause", errs.Wrap(errs.KindNotFound, nil, "gone"), errs.KindNotFound, "gone", "gone", 0, nil},
		{"wrap no message", errs.Wrap(errs.KindInternal, cause, ""), errs.KindInternal, "", "internal: disk on fire", 0, cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Kind != tt.wantKind {
				t.Errorf("Kind = %v, want %v", tt.err.Kind, tt.wantKind)
			}
			if tt.err.Message != tt.wantMsg {
				t.Errorf("Message = %q, want %q", tt.err.Message, tt.wantMsg)
			}
			if tt.wantErr != "" && tt.err.Error() != tt.wantErr {
				t.Errorf("Error() = %q, want %q", tt.err.Error(), tt.wantErr)
			}
			if len(tt.err.Violations) != tt.wantViolations {
				t.Errorf("len(Violations) = %d, want %d", len(tt.err.Violations), tt.wantViolations)
			}
			if got := errors.Unwrap(tt.err); got != tt.wantCause {
				t.Errorf("Unwrap() = %v, want %v", got, tt.wantCause)
			}
			if errs.KindOf(tt.err) != tt.wantKind {
				t.Errorf("KindOf = %v, want %v", errs.KindOf(tt.err), tt.wantKind)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want errs.Kind
	}{
		{"nil", nil, errs.KindOK},
		{"plain error is internal", errors.New("boom"), errs.KindInternal},
		{"context error is internal", context.Canceled, errs.KindInternal},
		{"direct", errs.NotFoundf("x"), errs.KindNotFound},
		{"wrapped by fmt", fmt.Errorf("load child: %w", errs.NotFoundf("x")), errs.KindNotFound},
		{"joined", errors.Join(io.EOF, errs.Unavailablef("x")), errs.KindUnavailable},
		{"outermost wins", errs.Wrap(errs.KindUnavailable, errs.NotFoundf("inner"), "outer"), errs.KindUnavailable},
		{"zero kind is internal", &errs.Error{Message: "forgot the kind"}, errs.KindInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errs.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestWrapKeepsCauseForErrorsIs(t *testing.T) {
	err := fmt.Errorf("store: %w", errs.Wrap(errs.KindInternal, os.ErrNotExist, "open file"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("errors.Is(%v, os.ErrNotExist) = false", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Message != "open file" {
		t.Fatalf("errors.As did not find the *Error: %v", e)
	}
}

func TestViolationsCollector(t *testing.T) {
	tests := []struct {
		name     string
		build    func(v *errs.Violations)
		conflict bool
		wantNil  bool
		wantKind errs.Kind
		want     []errs.Violation
	}{
		{name: "none", build: func(*errs.Violations) {}, wantNil: true},
		{name: "none conflict", build: func(*errs.Violations) {}, conflict: true, wantNil: true},
		{
			name: "add and addf",
			build: func(v *errs.Violations) {
				v.Add("name", "required", "name is required")
				v.Addf("date_of_birth", "903:102", "must not be after %s", "2026-03-31")
			},
			wantKind: errs.KindInvalid,
			want: []errs.Violation{
				{Field: "name", Rule: "required", Message: "name is required"},
				{Field: "date_of_birth", Rule: "903:102", Message: "must not be after 2026-03-31"},
			},
		},
		{
			name: "append as conflict",
			build: func(v *errs.Violations) {
				v.Append(errs.Violation{Field: "start_date", Rule: "903:503", Message: "overlaps"})
			},
			conflict: true,
			wantKind: errs.KindFailedPrecondition,
			want:     []errs.Violation{{Field: "start_date", Rule: "903:503", Message: "overlaps"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v errs.Violations
			tt.build(&v)
			var err error
			if tt.conflict {
				err = v.ConflictErr()
			} else {
				err = v.Err()
			}
			if tt.wantNil {
				if err != nil {
					t.Fatalf("err = %#v, want a nil interface", err)
				}
				if !v.Empty() {
					t.Fatal("Empty() = false")
				}
				return
			}
			if errs.KindOf(err) != tt.wantKind {
				t.Fatalf("KindOf = %v, want %v", errs.KindOf(err), tt.wantKind)
			}
			got := errs.ViolationsOf(err)
			if len(got) != len(tt.want) {
				t.Fatalf("violations = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("violation %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			// The error must not alias the collector: later Adds must not change it.
			v.Add("late", "required", "added after Err")
			if n := len(errs.ViolationsOf(err)); n != len(tt.want) {
				t.Errorf("error changed after a later Add: %d violations", n)
			}
			if !strings.Contains(err.Error(), tt.want[0].Field) {
				t.Errorf("message %q does not name field %q", err.Error(), tt.want[0].Field)
			}
		})
	}
}

func TestViolationString(t *testing.T) {
	tests := []struct {
		v    errs.Violation
		want string
	}{
		{errs.Violation{Field: "f", Rule: "r", Message: "m"}, "f: r: m"},
		{errs.Violation{Field: "f", Message: "m"}, "f: m"},
		{errs.Violation{Rule: "903:1", Message: "m"}, "903:1: m"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestViolationsOfNonDomainError(t *testing.T) {
	if got := errs.ViolationsOf(errors.New("x")); got != nil {
		t.Fatalf("ViolationsOf(plain) = %v, want nil", got)
	}
}
