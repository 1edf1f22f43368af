package grpcserver_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
)

func TestToStatus(t *testing.T) {
	v := errs.Violation{Field: "child.sex", Rule: "903:103", Message: "must be 1 or 2"}
	noRule := errs.Violation{Field: "child.sex", Message: "odd"}
	downstream := status.Error(codes.NotFound, "child not found in caseload")
	tests := []struct {
		name       string
		err        error
		wantNil    bool
		wantCode   codes.Code
		wantMsg    string
		wantFields int
		wantDesc   string
	}{
		{name: "nil", err: nil, wantNil: true},
		{name: "canceled", err: context.Canceled, wantCode: codes.Canceled, wantMsg: "request canceled"},
		{name: "deadline wrapped", err: fmt.Errorf("read: %w", context.DeadlineExceeded), wantCode: codes.DeadlineExceeded, wantMsg: "deadline exceeded"},
		{name: "status passes through", err: downstream, wantCode: codes.NotFound, wantMsg: "child not found in caseload"},
		{name: "wrapped status passes through", err: fmt.Errorf("call caseload: %w", downstream), wantCode: codes.NotFound},
		{name: "domain wraps status", err: errs.Wrap(errs.KindUnavailable, downstream, "caseload unavailable"), wantCode: codes.Unavailable, wantMsg: "caseload unavailable"},
		{name: "invalid", err: errs.Invalid(v), wantCode: codes.InvalidArgument, wantFields: 1, wantDesc: "903:103: must be 1 or 2"},
		{name: "invalid no rule", err: errs.Invalid(noRule), wantCode: codes.InvalidArgument, wantFields: 1, wantDesc: "odd"},
		{name: "invalid no violations", err: errs.Invalid(), wantCode: codes.InvalidArgument, wantMsg: "invalid argument"},
		{name: "conflict", err: errs.Conflict(v, v), wantCode: codes.FailedPrecondition, wantFields: 2},
		{name: "failed precondition", err: errs.FailedPreconditionf("period closed"), wantCode: codes.FailedPrecondition, wantMsg: "period closed"},
		{name: "not found", err: errs.NotFoundf("child c-1 not found"), wantCode: codes.NotFound, wantMsg: "child c-1 not found"},
		{name: "already exists", err: errs.AlreadyExistsf("dup"), wantCode: codes.AlreadyExists, wantMsg: "dup"},
		{name: "permission denied", err: errs.PermissionDeniedf("no"), wantCode: codes.PermissionDenied, wantMsg: "no"},
		{name: "unavailable", err: errs.Unavailablef("down"), wantCode: codes.Unavailable, wantMsg: "down"},
		{name: "not found with violations has no details", err: &errs.Error{Kind: errs.KindNotFound, Message: "x", Violations: []errs.Violation{v}}, wantCode: codes.NotFound, wantMsg: "x"},
		{name: "domain with no message", err: &errs.Error{Kind: errs.KindNotFound}, wantCode: codes.NotFound, wantMsg: "not found"},
		{name: "internal hides detail", err: errs.Internalf("bucket children missing"), wantCode: codes.Internal, wantMsg: "internal error"},
		{name: "wrapped internal", err: fmt.Errorf("x: %w", errs.Wrap(errs.KindInternal, errors.New("disk"), "put")), wantCode: codes.Internal, wantMsg: "internal error"},
		{name: "zero kind", err: &errs.Error{Message: "oops"}, wantCode: codes.Internal, wantMsg: "internal error"},
		{name: "unknown kind", err: &errs.Error{Kind: 99, Message: "oops"}, wantCode: codes.Internal, wantMsg: "internal error"},
		{name: "plain error", err: errors.New("sql: secret"), wantCode: codes.Internal, wantMsg: "internal error"},
		{name: "domain wrapping context error", err: errs.Wrap(errs.KindInternal, context.Canceled, "read"), wantCode: codes.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := grpcserver.ToStatus(tt.err)
			if tt.wantNil {
				if got != nil {
					t.Fatalf("ToStatus(nil) = %v", got)
				}
				return
			}
			st, ok := status.FromError(got)
			if !ok {
				t.Fatalf("ToStatus returned a non-status error %v", got)
			}
			if st.Code() != tt.wantCode {
				t.Fatalf("code = %v, want %v (%v)", st.Code(), tt.wantCode, st.Message())
			}
			if tt.wantMsg != "" && st.Message() != tt.wantMsg {
				t.Errorf("message = %q, want %q", st.Message(), tt.wantMsg)
			}
			fields := badRequest(t, got)
			if len(fields) != tt.wantFields {
				t.Fatalf("%d field violations, want %d", len(fields), tt.wantFields)
			}
			if tt.wantDesc != "" {
				f := fields[0]
				if f.GetField() != "child.sex" || f.GetDescription() != tt.wantDesc {
					t.Errorf("violation = %v", f)
				}
			}
		})
	}
}
