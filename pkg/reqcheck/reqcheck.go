// Package reqcheck holds the request shape checks every service's gRPC
// adapter makes before a request reaches the domain: presence, lengths,
// formats, dates, paging. Each failure is an errs.Violation with rule
// "required" or "format"; whether a code is in the 903 list valid on a date,
// or a date fits a child's history, is a 903 rule (pkg/ssda903), not a shape
// check.
package reqcheck

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/idem"
)

// Paging, as the README's API contract promises.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Shape rule ids.
const (
	RuleRequired = "required"
	RuleFormat   = "format"
)

// Checker collects violations. Make one per request; call Err at the end.
type Checker struct{ errs.Violations }

// Err is nil, or InvalidArgument with every violation found.
func (c *Checker) Err() error { return c.Violations.Err() }

// RequestID: every write carries a request_id (pkg/idem).
func (c *Checker) RequestID(id string) {
	if v := idem.Required(id); v != nil {
		c.Append(*v)
	}
}

// Required: present, at most max bytes, valid UTF-8.
func (c *Checker) Required(field, val string, max int) {
	if val == "" {
		c.Addf(field, RuleRequired, "%s is required", field)
		return
	}
	c.Optional(field, val, max)
}

// Optional: if present, at most max bytes of valid UTF-8.
func (c *Checker) Optional(field, val string, max int) {
	if len(val) > max {
		c.Addf(field, RuleFormat, "%s must be at most %d bytes", field, max)
	} else if !utf8.ValidString(val) {
		c.Addf(field, RuleFormat, "%s must be valid UTF-8", field)
	}
}

// Date parses an optional ISO date (YYYY-MM-DD); "" is the zero Date.
func (c *Checker) Date(field, val string) clock.Date {
	if val == "" {
		return clock.Date{}
	}
	d, err := clock.ParseDate(val)
	if err != nil {
		c.Addf(field, RuleFormat, "%q is not a date (YYYY-MM-DD)", truncate(val))
	}
	return d
}

// RequiredDate parses a required ISO date.
func (c *Checker) RequiredDate(field, val string) clock.Date {
	if val == "" {
		c.Addf(field, RuleRequired, "%s is required", field)
		return clock.Date{}
	}
	return c.Date(field, val)
}

// Code: 903 codes, ONS codes and URNs are short upper-case ASCII letters and
// digits.
func (c *Checker) Code(field, val string, required bool, maxLen int) {
	if val == "" {
		if required {
			c.Addf(field, RuleRequired, "%s is required", field)
		}
		return
	}
	if len(val) > maxLen {
		c.Addf(field, RuleFormat, "%s must be at most %d characters", field, maxLen)
		return
	}
	for i := 0; i < len(val); i++ {
		if b := val[i]; (b < 'A' || b > 'Z') && (b < '0' || b > '9') {
			c.Addf(field, RuleFormat, "%s must be upper-case letters and digits", field)
			return
		}
	}
}

// PageSize: 0 means the default; more than MaxPageSize is capped; negative
// is refused.
func (c *Checker) PageSize(n int32) int {
	switch {
	case n < 0:
		c.Add("page_size", RuleFormat, "page_size must not be negative")
		return 0
	case n == 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return int(n)
}

// EncodePageToken makes an opaque page token from a list kind and the
// position the page ended at.
func EncodePageToken(kind string, pos []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte(kind+":"), pos...))
}

// PageToken decodes a token made by EncodePageToken for the same kind; ""
// gives nil (the first page). A token of another kind, longer than maxPos,
// or not base64url is refused.
func (c *Checker) PageToken(kind, tok string, maxPos int) []byte {
	if tok == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), kind+":") || len(b) == len(kind)+1 || len(b) > len(kind)+1+maxPos {
		c.Add("page_token", RuleFormat, "page_token is not one this service issued")
		return nil
	}
	return b[len(kind)+1:]
}

// truncate keeps a quoted bad value short in an error message.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
