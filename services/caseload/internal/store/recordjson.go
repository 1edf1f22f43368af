package store

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// appendChildJSON appends the JSON of recordOf(c) to b, byte for byte what
// json.Marshal writes for it: fields in childRecord's order, under its tag
// names, omitempty and omitzero as tagged, strings escaped as encoding/json
// escapes them (HTML characters, U+2028 and U+2029, invalid UTF-8).
func appendChildJSON(b []byte, c *caseload.Child) ([]byte, error) {
	var w jsonWriter
	w.b = b
	w.open('{')
	w.str("id", c.ID)
	w.str("la", c.LAChildID)
	w.strOmit("gn", c.GivenName)
	w.strOmit("fn", c.FamilyName)
	w.date("dob", c.DOB)
	w.strOmit("sex", c.Sex)
	w.strOmit("eth", c.Ethnicity)
	w.strOmit("upn", c.UPN)
	w.boolOmit("uasc", c.UASC.IsUASC)
	w.dateOmit("duc", c.UASC.Ceased)
	w.objects("periods", len(c.Periods), true, func(i int) {
		p := &c.Periods[i]
		w.str("id", p.ID)
		w.date("start", p.Start)
		w.dateOmit("end", p.End)
		w.strOmit("rec", p.ReasonCeased)
		w.str("cin", p.CategoryOfNeed)
		w.objects("ls", len(p.Spells), false, func(j int) {
			s := &p.Spells[j]
			w.str("id", s.ID)
			w.str("ls", s.LegalStatus)
			w.date("start", s.Start)
			w.boolOmit("corr", s.Corrected)
		})
	})
	w.objects("corr", len(c.Corrections), true, func(i int) {
		k := &c.Corrections[i]
		w.str("kind", string(k.Kind))
		w.str("target", k.TargetID)
		w.str("period", k.PeriodID)
		w.strOmit("reason", k.Reason)
		w.time("at", k.At)
		w.strOmit("prior_ls", k.PriorLegalStatus)
		w.dateOmit("prior_date", k.PriorDate)
		w.strOmit("prior_rec", k.PriorReasonCeased)
	})
	w.objects("alloc", len(c.Allocations), true, func(i int) {
		a := &c.Allocations[i]
		w.str("worker", a.WorkerID)
		w.str("team", a.TeamID)
		w.date("start", a.Start)
		w.dateOmit("end", a.End)
	})
	w.objects("pl", len(c.Placements), true, func(i int) {
		p := &c.Placements[i]
		w.str("id", p.ID)
		w.str("place", p.Place)
		w.strOmit("prov", p.Provider)
		w.strOmit("urn", p.URN)
		w.strOmit("carer", p.CarerID)
		w.strOmit("loc", p.Location)
		w.strOmit("dist", p.DistanceBand)
		w.dateOmit("start", p.Start)
		w.dateOmit("end", p.End)
		w.strOmit("rpc", p.ReasonChange)
	})
	w.time("created", c.Created)
	w.time("updated", c.Updated)
	w.key("rev")
	w.b = strconv.AppendUint(w.b, c.Revision, 10)
	w.close('}')
	return w.b, w.err
}

// jsonWriter appends JSON; first says whether the object or array just
// opened has no member yet (so the next needs no comma).
type jsonWriter struct {
	b     []byte
	first bool
	err   error
}

func (w *jsonWriter) open(c byte) { w.b = append(w.b, c); w.first = true }

func (w *jsonWriter) close(c byte) { w.b = append(w.b, c); w.first = false }

// elem starts an array element.
func (w *jsonWriter) elem() {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
}

// key starts an object member; names are plain ASCII, never escaped.
func (w *jsonWriter) key(name string) {
	w.elem()
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

// objects writes an array of n objects whose members each(i) writes; with
// omitEmpty (the field's omitempty) nothing at all when n is 0.
func (w *jsonWriter) objects(name string, n int, omitEmpty bool, each func(i int)) {
	if n == 0 && omitEmpty {
		return
	}
	w.key(name)
	w.open('[')
	for i := range n {
		w.elem()
		w.open('{')
		each(i)
		w.close('}')
	}
	w.close(']')
}

func (w *jsonWriter) str(name, v string) {
	w.key(name)
	w.b = appendJSONString(w.b, v)
}

func (w *jsonWriter) strOmit(name, v string) {
	if v != "" {
		w.str(name, v)
	}
}

func (w *jsonWriter) boolOmit(name string, v bool) {
	if v {
		w.key(name)
		w.b = append(w.b, "true"...)
	}
}

// date writes a clock.Date as its MarshalText does: "YYYY-MM-DD", "" when zero.
func (w *jsonWriter) date(name string, d clock.Date) {
	w.key(name)
	w.b = append(w.b, '"')
	switch {
	case d.IsZero():
	case d.Y >= 0 && d.Y <= 9999 && d.M >= 1 && d.M <= 12 && d.D >= 1 && d.D <= 31:
		w.b = append(w.b, byte('0'+d.Y/1000), byte('0'+d.Y/100%10), byte('0'+d.Y/10%10), byte('0'+d.Y%10), '-',
			byte('0'+int(d.M)/10), byte('0'+int(d.M)%10), '-', byte('0'+d.D/10), byte('0'+d.D%10))
	default:
		w.b = append(w.b, d.String()...)
	}
	w.b = append(w.b, '"')
}

func (w *jsonWriter) dateOmit(name string, d clock.Date) {
	if !d.IsZero() {
		w.date(name, d)
	}
}

// time writes t in UTC as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, trailing zeros dropped), which refuses years outside 0-9999.
func (w *jsonWriter) time(name string, t time.Time) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		if w.err == nil {
			w.err = fmt.Errorf("%s: year %d outside 0-9999", name, y)
		}
		return
	}
	w.key(name)
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted and escaped as encoding/json does:
// quote, backslash and the usual control escapes; other control
// characters, <, > and & as \u00XX; U+2028 and U+2029 as \u2028 and
// \u2029; each byte of invalid UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
