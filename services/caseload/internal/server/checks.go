package server

import (
	"encoding/base64"
	"unicode/utf8"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/idem"
)

// Request shape checks: presence, lengths and formats. Whether a code is in
// the 903 list valid on a date, or a date fits the child's history, is the
// domain's question (pkg/ssda903 and pkg/codes), not the adapter's.

const (
	maxIDLen     = 128 // child, worker, team, spell and period ids
	maxNameLen   = 200
	maxReasonLen = 1000
	// Lists (README "The API contract").
	defaultPageSize = 50
	maxPageSize     = 500
)

type checker struct{ errs.Violations }

func (c *checker) requestID(id string) {
	if v := idem.Required(id); v != nil {
		c.Append(*v)
	}
}

// required: present and at most max bytes of valid UTF-8.
func (c *checker) required(field, val string, max int) {
	if val == "" {
		c.Addf(field, "required", "%s is required", field)
		return
	}
	c.optional(field, val, max)
}

func (c *checker) optional(field, val string, max int) {
	if len(val) > max {
		c.Addf(field, "format", "%s must be at most %d bytes", field, max)
	} else if !utf8.ValidString(val) {
		c.Addf(field, "format", "%s must be valid UTF-8", field)
	}
}

// date parses an optional ISO date; "" is the zero Date.
func (c *checker) date(field, val string) clock.Date {
	if val == "" {
		return clock.Date{}
	}
	d, err := clock.ParseDate(val)
	if err != nil {
		c.Addf(field, "format", "%q is not a date (YYYY-MM-DD)", val)
	}
	return d
}

// requiredDate parses a required ISO date.
func (c *checker) requiredDate(field, val string) clock.Date {
	if val == "" {
		c.Addf(field, "required", "%s is required", field)
		return clock.Date{}
	}
	return c.date(field, val)
}

// code: 903 codes and similar are short, upper-case ASCII letters and digits.
func (c *checker) code(field, val string, required bool, maxLen int) {
	if val == "" {
		if required {
			c.Addf(field, "required", "%s is required", field)
		}
		return
	}
	if len(val) > maxLen {
		c.Addf(field, "format", "%s must be at most %d characters", field, maxLen)
		return
	}
	for i := 0; i < len(val); i++ {
		if b := val[i]; (b < 'A' || b > 'Z') && (b < '0' || b > '9') {
			c.Addf(field, "format", "%s must be upper-case letters and digits", field)
			return
		}
	}
}

// upn: a unique pupil number is 13 characters, a letter then 12 letters or
// digits (DfE UPN format); optional.
func (c *checker) upn(field, val string) {
	if val == "" {
		return
	}
	ok := len(val) == 13 && val[0] >= 'A' && val[0] <= 'Z'
	for i := 1; ok && i < len(val); i++ {
		b := val[i]
		ok = (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
	}
	if !ok {
		c.Add(field, "format", "a UPN is 13 characters: an upper-case letter, then 12 upper-case letters or digits")
	}
}

func (c *checker) pageSize(n int32) int {
	switch {
	case n < 0:
		c.Add("page_size", "format", "page_size must not be negative")
		return 0
	case n == 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return int(n)
}

// Page tokens are the last child id of the previous page, base64url-encoded
// so callers treat them as opaque.
func encodeToken(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c1:" + lastID))
}

func (c *checker) pageToken(tok string) string {
	if tok == "" {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 3 || string(b[:3]) != "c1:" || len(b) > 3+maxIDLen {
		c.Add("page_token", "format", "page_token is not one this service issued")
		return ""
	}
	return string(b[3:])
}

func (c *checker) err() error { return c.Violations.Err() }
