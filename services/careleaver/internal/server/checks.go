package server

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/errs"
	"github.com/corporate-parenting/suite/pkg/idem"
)

// Request shape checks: presence, lengths and formats. Whether a code is in
// the 903 list valid on a date, or a date fits the record, is the domain's
// question (pkg/ssda903 and internal/careleaver), not the adapter's.

const (
	maxIDLen    = 128 // child, adviser and entitlement ids
	maxCodeLen  = 8   // 903 codes are 1–4 characters; longer is not worth quoting back
	maxTitleLen = 200
	maxDescLen  = 4000
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
		c.Addf(field, "format", "%q is not a date (YYYY-MM-DD)", truncate(val))
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

// code bounds the length of a 903 code; whether it is one is the rules'
// question (131–133).
func (c *checker) code(field, val string) {
	if len(val) > maxCodeLen {
		c.Addf(field, "format", "%s must be at most %d characters", field, maxCodeLen)
	}
}

// slug: an entitlement id is 1–64 lower-case letters, digits and hyphens,
// e.g. "setting-up-home".
func (c *checker) slug(field, val string) {
	if val == "" {
		c.Addf(field, "required", "%s is required", field)
		return
	}
	ok := len(val) <= 64 && val[0] != '-' && val[len(val)-1] != '-'
	for i := 0; ok && i < len(val); i++ {
		b := val[i]
		ok = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-'
	}
	if !ok {
		c.Addf(field, "format", "%s is 1 to 64 lower-case letters, digits and inner hyphens, e.g. setting-up-home", field)
	}
}

// oneOf checks a small enumerated integer.
func (c *checker) oneOf(field string, val int32, max int32) {
	if val < 0 || val > max {
		c.Addf(field, "format", "%s must be 0 to %d", field, max)
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

// Page tokens carry the position the previous page ended at, with a kind
// prefix, base64url-encoded so callers treat them as opaque.
func encodeToken(kind string, pos []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte(kind+":"), pos...))
}

func (c *checker) pageToken(kind, tok string) []byte {
	if tok == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), kind+":") || len(b) > 4*maxIDLen || len(b) == len(kind)+1 {
		c.Add("page_token", "format", "page_token is not one this service issued")
		return nil
	}
	return b[len(kind)+1:]
}

func (c *checker) err() error { return c.Violations.Err() }

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
