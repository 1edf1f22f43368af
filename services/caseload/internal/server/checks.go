package server

import (
	"github.com/corporate-parenting/suite/pkg/reqcheck"
)

// Request shape checks: presence, lengths and formats (the generic ones in
// pkg/reqcheck; the UPN here). Whether a code is in
// the 903 list valid on a date, or a date fits the child's history, is the
// domain's question (pkg/ssda903 and pkg/codes), not the adapter's.

const (
	maxIDLen     = 128 // child, worker, team, spell and period ids
	maxNameLen   = 200
	maxReasonLen = 1000
)

type checker struct{ reqcheck.Checker }

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

// Page tokens are the last child id of the previous page (pkg/reqcheck).
func encodeToken(lastID string) string { return reqcheck.EncodePageToken("c1", []byte(lastID)) }

func (c *checker) pageToken(tok string) string { return string(c.PageToken("c1", tok, maxIDLen)) }

func (c *checker) err() error { return c.Err() }
