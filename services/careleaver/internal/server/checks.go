package server

import (
	"github.com/corporate-parenting/suite/pkg/reqcheck"
)

// Request shape checks: presence, lengths and formats (the generic ones in
// pkg/reqcheck). Whether a code is in
// the 903 list valid on a date, or a date fits the record, is the domain's
// question (pkg/ssda903 and internal/careleaver), not the adapter's.

const (
	maxIDLen    = 128 // child, adviser and entitlement ids
	maxCodeLen  = 8   // 903 codes are 1–4 characters; longer is not worth quoting back
	maxTitleLen = 200
	maxDescLen  = 4000
)

type checker struct{ reqcheck.Checker }

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

func (c *checker) pageToken(kind, tok string) []byte { return c.PageToken(kind, tok, 4*maxIDLen) }

func (c *checker) err() error { return c.Err() }
