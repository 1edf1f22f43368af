package reqcheck

import (
	"strings"
	"testing"

	"github.com/corporate-parenting/suite/pkg/errs"
)

func rules(c *Checker) []string {
	var out []string
	for _, v := range c.Violations {
		out = append(out, v.Field+":"+v.Rule)
	}
	return out
}

func TestShapeChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		check func(c *Checker)
		want  string // "" = no violation
	}{
		{"request id missing", func(c *Checker) { c.RequestID("") }, "request_id:required"},
		{"request id given", func(c *Checker) { c.RequestID("r1") }, ""},
		{"required missing", func(c *Checker) { c.Required("given_name", "", 10) }, "given_name:required"},
		{"required too long", func(c *Checker) { c.Required("given_name", strings.Repeat("a", 11), 10) }, "given_name:format"},
		{"required bad utf-8", func(c *Checker) { c.Required("given_name", "\xff", 10) }, "given_name:format"},
		{"optional empty", func(c *Checker) { c.Optional("upn", "", 10) }, ""},
		{"date empty is zero", func(c *Checker) {
			if !c.Date("d", "").IsZero() {
				c.Add("d", "test", "non-zero")
			}
		}, ""},
		{"date not ISO", func(c *Checker) { c.Date("start_date", "31/03/2026") }, "start_date:format"},
		{"date impossible", func(c *Checker) { c.Date("start_date", "2026-02-30") }, "start_date:format"},
		{"date ok", func(c *Checker) {
			if c.Date("start_date", "2026-03-31").String() != "2026-03-31" {
				c.Add("d", "test", "wrong")
			}
		}, ""},
		{"required date missing", func(c *Checker) { c.RequiredDate("end_date", "") }, "end_date:required"},
		{"code lower case", func(c *Checker) { c.Code("legal_status", "c2", true, 4) }, "legal_status:format"},
		{"code too long", func(c *Checker) { c.Code("legal_status", "C2222", true, 4) }, "legal_status:format"},
		{"code required missing", func(c *Checker) { c.Code("legal_status", "", true, 4) }, "legal_status:required"},
		{"code optional missing", func(c *Checker) { c.Code("urn", "", false, 8) }, ""},
		{"code ok", func(c *Checker) { c.Code("legal_status", "C2", true, 4) }, ""},
		{"page size negative", func(c *Checker) { c.PageSize(-1) }, "page_size:format"},
		{"page token foreign", func(c *Checker) { c.PageToken("c1", EncodePageToken("x1", []byte("id")), 128) }, "page_token:format"},
		{"page token garbage", func(c *Checker) { c.PageToken("c1", "!!", 128) }, "page_token:format"},
		{"page token empty position", func(c *Checker) { c.PageToken("c1", EncodePageToken("c1", nil), 128) }, "page_token:format"},
		{"page token too long", func(c *Checker) { c.PageToken("c1", EncodePageToken("c1", make([]byte, 129)), 128) }, "page_token:format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Checker
			tc.check(&c)
			got := strings.Join(rules(&c), ",")
			if got != tc.want {
				t.Fatalf("violations %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	var c Checker
	if n := c.PageSize(0); n != DefaultPageSize {
		t.Errorf("PageSize(0) = %d", n)
	}
	if n := c.PageSize(10_000); n != MaxPageSize {
		t.Errorf("PageSize(10000) = %d", n)
	}
	if n := c.PageSize(7); n != 7 {
		t.Errorf("PageSize(7) = %d", n)
	}
	if pos := c.PageToken("c1", EncodePageToken("c1", []byte("child-42")), 128); string(pos) != "child-42" {
		t.Errorf("round trip gave %q", pos)
	}
	if pos := c.PageToken("c1", "", 128); pos != nil {
		t.Errorf("empty token gave %q", pos)
	}
	if err := c.Err(); err != nil {
		t.Fatalf("valid paging produced %v", err)
	}
}

func TestErrIsInvalidArgument(t *testing.T) {
	var c Checker
	c.RequestID("")
	c.Code("legal_status", "x", true, 4)
	err := c.Err()
	if errs.KindOf(err) != errs.KindInvalid || len(errs.ViolationsOf(err)) != 2 {
		t.Fatalf("Err() = %v, want Invalid with both violations", err)
	}
}
