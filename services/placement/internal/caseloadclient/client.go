// Package caseloadclient is the placement service's client of the caseload
// service: it fetches a child's care timeline (date of birth, UASC, periods
// of care, legal statuses) with GetCareHistory, so that every placement
// write is checked against the child's care as it is now.
//
// Each attempt has a deadline; an attempt refused with Unavailable (caseload
// restarting, not yet listening) is retried with exponential back-off, a
// bounded number of times. When caseload still cannot answer the write
// fails with Unavailable: a placement is never recorded unchecked.
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
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/grpcserver"
	"github.com/corporate-parenting/suite/pkg/ssda903"
)

// Defaults for zero Options fields.
const (
	// DefaultTimeout bounds one GetCareHistory attempt. Caseload answers
	// from memory in well under a millisecond; two seconds is for a loaded
	// machine, not for a healthy call.
	DefaultTimeout = 2 * time.Second
	// DefaultAttempts is how many times a call is tried in all.
	DefaultAttempts = 4
	// DefaultBackoff is the wait before the first retry; it doubles up to
	// DefaultMaxBackoff. Four attempts wait 50+100+200 ms: a caseload
	// restart is ridden out, a caseload that is down fails the write in
	// well under a second of back-off.
	DefaultBackoff    = 50 * time.Millisecond
	DefaultMaxBackoff = time.Second
)

// Options tunes the client.
type Options struct {
	Timeout    time.Duration // per attempt
	Attempts   int           // in all, ≥ 1
	Backoff    time.Duration // before the first retry
	MaxBackoff time.Duration
}

func (o *Options) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
}

// Client asks the caseload service about children's care.
type Client struct {
	conn *grpc.ClientConn
	api  caseloadv1.CaseloadServiceClient
	opts Options
}

// New makes a client of the caseload service at addr (host:port). It does
// not connect until the first call, so placement can start before caseload.
func New(addr string, opts Options) (*Client, error) {
	if addr == "" {
		return nil, errors.New("caseloadclient: the caseload service's address is required")
	}
	opts.defaults()
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// Reconnect soon after caseload comes back (gRPC's default starts at
		// 1 s and grows to 2 min), so a restart costs a write little more
		// than its back-off.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: opts.Timeout,
		}))
	if err != nil {
		return nil, fmt.Errorf("caseloadclient: %s: %w", addr, err)
	}
	return &Client{conn: conn, api: caseloadv1.NewCaseloadServiceClient(conn), opts: opts}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// CareTimeline returns the child's care timeline. A child caseload does not
// know is NotFound; caseload not answering (after the retries) is
// Unavailable; the caller giving up is its context's error.
func (c *Client) CareTimeline(ctx context.Context, childID string) (ssda903.CareTimeline, error) {
	resp, err := c.careHistory(ctx, childID)
	if err != nil {
		return ssda903.CareTimeline{}, err
	}
	return Timeline(resp)
}

func (c *Client) careHistory(ctx context.Context, childID string) (*caseloadv1.GetCareHistoryResponse, error) {
	if id := grpcserver.RequestID(ctx); id != "" {
		// The placement call's trace id, so both services' logs show it.
		ctx = metadata.AppendToOutgoingContext(ctx, grpcserver.RequestIDHeader, id)
	}
	// Episodes are not needed to check a placement: caseload leaves them out.
	req := &caseloadv1.GetCareHistoryRequest{ChildId: childID, View: caseloadv1.CareHistoryView_CARE_HISTORY_VIEW_CARE}
	backoff := c.opts.Backoff
	var last error
	for attempt := 1; ; attempt++ {
		callCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		resp, err := c.api.GetCareHistory(callCtx, req)
		cancel()
		if err == nil {
			return resp, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		last = err
		if status.Code(err) != codes.Unavailable || attempt >= c.opts.Attempts {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, c.opts.MaxBackoff)
	}
	return nil, classify(last, childID)
}

// classify turns caseload's answer into the placement service's own error.
func classify(err error, childID string) error {
	st := status.Convert(err)
	switch st.Code() {
	case codes.NotFound:
		return errs.NotFoundf("no child with child_id %q", childID)
	case codes.InvalidArgument:
		return errs.Invalid(errs.Violation{Field: "child_id", Rule: "format", Message: st.Message()})
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		// The write cannot be checked, so it is not made; the caller may
		// retry with the same request_id.
		return errs.Wrap(errs.KindUnavailable, err, "the caseload service cannot be reached to check the child's care; nothing was recorded")
	}
	return errs.Wrap(errs.KindInternal, err, "asking the caseload service for the child's care")
}

// Timeline converts a GetCareHistory answer into the care timeline the 903
// rules take. Struck-out legal status spells (corrections) are left out.
func Timeline(resp *caseloadv1.GetCareHistoryResponse) (ssda903.CareTimeline, error) {
	var t ssda903.CareTimeline
	var err error
	date := func(what, s string) clock.Date {
		if s == "" || err != nil {
			return clock.Date{}
		}
		d, perr := clock.ParseDate(s)
		if perr != nil {
			err = errs.Wrap(errs.KindInternal, perr, "caseload answered with a malformed "+what)
		}
		return d
	}
	t.DOB = date("date of birth", resp.GetDateOfBirth())
	t.UASC = resp.GetUasc().GetIsUasc()
	t.UASCCeased = date("UASC ceased date", resp.GetUasc().GetCeasedDate())
	for _, p := range resp.GetPeriods() {
		period := ssda903.Period{
			ID:           p.GetPeriodId(),
			Start:        date("period start", p.GetStartDate()),
			End:          date("period end", p.GetEndDate()),
			ReasonCeased: p.GetReasonCeased(),
			CIN:          p.GetCategoryOfNeed(),
		}
		for _, s := range p.GetLegalStatuses() {
			if s.GetCorrected() {
				continue
			}
			period.Statuses = append(period.Statuses, ssda903.StatusSpell{
				ID: s.GetSpellId(), LS: s.GetLegalStatus(), Start: date("legal status start", s.GetStartDate()),
			})
		}
		t.Periods = append(t.Periods, period)
	}
	if err != nil {
		return ssda903.CareTimeline{}, err
	}
	return t, nil
}
