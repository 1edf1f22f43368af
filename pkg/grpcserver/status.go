package grpcserver

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/errs"
)

// internalMessage is all a caller learns of an internal error; the detail
// goes to the log.
const internalMessage = "internal error"

var kindCodes = map[errs.Kind]codes.Code{
	errs.KindInvalid:            codes.InvalidArgument,
	errs.KindNotFound:           codes.NotFound,
	errs.KindAlreadyExists:      codes.AlreadyExists,
	errs.KindFailedPrecondition: codes.FailedPrecondition,
	errs.KindPermissionDenied:   codes.PermissionDenied,
	errs.KindUnavailable:        codes.Unavailable,
	errs.KindInternal:           codes.Internal,
}

// ToStatus is the one mapping from a handler's error to a gRPC status error:
//
//   - nil stays nil;
//   - context.Canceled and context.DeadlineExceeded anywhere in the chain
//     become Canceled and DeadlineExceeded, so a caller that gave up is not
//     told the server failed;
//   - an *errs.Error becomes its Kind's code with its Message; Invalid and
//     FailedPrecondition errors with violations carry an
//     errdetails.BadRequest naming each field, with description
//     "<rule>: <message>" and the rule id in reason;
//   - an error that already is (or wraps) a gRPC status passes through;
//   - anything else, and every Internal, becomes Internal with the message
//     "internal error" and no detail. The caller (the server's interceptor)
//     logs the original.
func ToStatus(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	// A domain error is checked before a wrapped status, so a service that
	// wraps a downstream failure (errs.Wrap(KindUnavailable, grpcErr, …))
	// reports its own classification.
	var e *errs.Error
	if errors.As(err, &e) {
		return fromDomain(e)
	}
	if s, ok := status.FromError(err); ok {
		return s.Err()
	}
	return status.Error(codes.Internal, internalMessage)
}

func fromDomain(e *errs.Error) error {
	code, ok := kindCodes[e.Kind]
	if !ok || code == codes.Internal {
		return status.Error(codes.Internal, internalMessage)
	}
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	st := status.New(code, msg)
	if len(e.Violations) == 0 || (code != codes.InvalidArgument && code != codes.FailedPrecondition) {
		return st.Err()
	}
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, 0, len(e.Violations))}
	for _, v := range e.Violations {
		desc := v.Message
		if v.Rule != "" {
			desc = v.Rule + ": " + v.Message
		}
		br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
			Field:       v.Field,
			Description: desc,
			Reason:      v.Rule,
		})
	}
	withDetails, err := st.WithDetails(br)
	if err != nil {
		// Cannot happen for a well-formed BadRequest; the message still
		// summarises the violations.
		return st.Err()
	}
	return withDetails.Err()
}
