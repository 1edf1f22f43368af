// Package caseloadclient is the care-leaver service's client of the caseload
// service (gRPC): the date of birth and care history of a young person, and
// their leaving-care status on a date. Every call has a deadline and is
// retried on UNAVAILABLE by gRPC's retry policy; answers come back as domain
// values and errors (pkg/errs), so the domain never sees gRPC.
package caseloadclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/ssda903"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
)

// DefaultTimeout bounds one call, retries included.
const DefaultTimeout = 2 * time.Second

// serviceConfig retries UNAVAILABLE (caseload restarting, a connection
// refused) twice with a short back-off inside the call's deadline. Both
// methods are reads, so a retry is always safe. The back-off stays short
// because the CASELOAD consumer calls inside its write transaction; longer
// outages are retried by the consumer itself (events.Retry), between
// transactions.
const serviceConfig = `{
  "methodConfig": [{
    "name": [{"service": "caseload.v1.CaseloadService"}],
    "retryPolicy": {
      "maxAttempts": 3,
      "initialBackoff": "0.02s",
      "maxBackoff": "0.1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// Client calls the caseload service.
type Client struct {
	conn    *grpc.ClientConn
	api     caseloadv1.CaseloadServiceClient
	timeout time.Duration
}

// New returns a client of the caseload service at addr (host:port). It does
// not connect until the first call, so caseload need not be up yet.
// timeout bounds each call (DefaultTimeout if 0).
func New(addr string, timeout time.Duration) (*Client, error) {
	if addr == "" {
		return nil, errors.New("caseloadclient: caseload address is required")
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(serviceConfig),
		// Reconnect within seconds of caseload coming back, not after
		// gRPC's default back-off of up to two minutes.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: 2 * time.Second,
		}))
	if err != nil {
		return nil, fmt.Errorf("caseloadclient: %w", err)
	}
	return &Client{conn: conn, api: caseloadv1.NewCaseloadServiceClient(conn), timeout: timeout}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

var _ careleaver.Caseload = (*Client)(nil)

// CareHistory returns the child's date of birth and periods of care.
func (c *Client) CareHistory(ctx context.Context, childID string) (careleaver.CareHistory, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.GetCareHistory(ctx, &caseloadv1.GetCareHistoryRequest{ChildId: childID, View: caseloadv1.CareHistoryView_CARE_HISTORY_VIEW_CARE})
	if err != nil {
		return careleaver.CareHistory{}, fromStatus(err, "care history of "+childID)
	}
	dob, err := clock.ParseDate(resp.GetDateOfBirth())
	if err != nil {
		return careleaver.CareHistory{}, errs.Wrap(errs.KindInternal, err, "caseload sent a date of birth that is not a date")
	}
	h := careleaver.CareHistory{ChildID: resp.GetChildId(), DOB: dob}
	for _, p := range resp.GetPeriods() {
		period := careleaver.PeriodOfCare{ID: p.GetPeriodId(), ReasonCeased: p.GetReasonCeased()}
		if period.Start, err = clock.ParseDate(p.GetStartDate()); err != nil {
			return careleaver.CareHistory{}, errs.Wrap(errs.KindInternal, err, "caseload sent a period start that is not a date")
		}
		if p.GetEndDate() != "" {
			if period.End, err = clock.ParseDate(p.GetEndDate()); err != nil {
				return careleaver.CareHistory{}, errs.Wrap(errs.KindInternal, err, "caseload sent a period end that is not a date")
			}
		}
		h.Periods = append(h.Periods, period)
	}
	return h, nil
}

// LeavingCareStatus returns the child's leaving-care status on d.
func (c *Client) LeavingCareStatus(ctx context.Context, childID string, d clock.Date) (ssda903.LeavingCareStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.GetLegalCategory(ctx, &caseloadv1.GetLegalCategoryRequest{ChildId: childID, AsAtDate: d.String()})
	if err != nil {
		return ssda903.LeavingCareNone, fromStatus(err, "legal category of "+childID)
	}
	switch resp.GetLeavingCareStatus() {
	case caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE:
		return ssda903.LeavingCareEligible, nil
	case caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_RELEVANT:
		return ssda903.LeavingCareRelevant, nil
	case caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_FORMER_RELEVANT:
		return ssda903.LeavingCareFormerRelevant, nil
	}
	return ssda903.LeavingCareNone, nil
}

// fromStatus classifies a failed call: an unknown child is NotFound; a
// caseload that cannot be reached or did not answer in time is Unavailable
// (the caller may retry); a caller that gave up keeps its context error;
// anything else is Internal.
func fromStatus(err error, what string) error {
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.NotFound:
		return errs.NotFoundf("caseload has no child for the %s", what)
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return errs.Wrap(errs.KindUnavailable, err, "the caseload service is unavailable")
	case codes.Canceled:
		return errs.Wrap(errs.KindUnavailable, context.Canceled, "the call to the caseload service was cancelled")
	}
	return errs.Wrap(errs.KindInternal, err, "caseload failed to answer for the "+what)
}
