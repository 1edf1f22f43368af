package projection

import (
	"github.com/corporate-parenting/suite/pkg/clock"
)

// Key names one figure: an indicator, a variant and an age band.
type Key struct {
	Indicator, Variant, AgeBand string
}

func (k Key) String() string { return k.Indicator + "." + k.Variant + "." + k.AgeBand }

// Value is one figure. A percentage always travels with its counts.
type Value struct {
	Key
	AsAt         clock.Date
	Numerator    int64
	Denominator  int64 // 0 for counts and changes
	Unit         Unit
	DefinitionID string
}

// Number is the value to show: the count or change, or 100 × numerator ÷
// denominator for a percentage (0 when the denominator is 0).
func (v Value) Number() float64 {
	if v.Unit != UnitPercent {
		return float64(v.Numerator)
	}
	if v.Denominator == 0 {
		return 0
	}
	return 100 * float64(v.Numerator) / float64(v.Denominator)
}

// Keys returns every figure's key, in the order Values returns them: by
// indicator (the Board's order), variant (dfe, local) and age band (all,
// 17_18, 19_21, 22_25).
func Keys() []Key {
	var out []Key
	for _, d := range catalogue {
		for _, v := range d.Variants {
			for _, b := range d.AgeBands {
				out = append(out, Key{d.ID, v, b})
			}
		}
	}
	return out
}

// Values computes every figure as at asAt from the totals on asAt and the
// count of children looked after twelve months earlier.
func Values(t Totals, claYearBefore int64, asAt clock.Date) []Value {
	out := make([]Value, 0, len(keys))
	for _, k := range keys {
		out = append(out, valueOf(k, t, claYearBefore, asAt))
	}
	return out
}

var keys = Keys()

var defByID = func() map[string]Definition {
	m := map[string]Definition{}
	for _, d := range catalogue {
		m[d.ID] = d
	}
	return m
}()

var groupByIndicator = func() map[string]int {
	m := map[string]int{}
	for g, i := range groupIndex {
		m[g.Indicator()] = i
	}
	return m
}()

func valueOf(k Key, t Totals, claYearBefore int64, asAt clock.Date) Value {
	d := defByID[k.Indicator]
	v := Value{Key: k, AsAt: asAt, Unit: d.Unit, DefinitionID: d.DefinitionID}
	num, den := int64(0), int64(0)
	band := t.Leavers[0]
	if i := bandIndex(k.AgeBand); i > 0 {
		band = t.Leavers[i]
	}
	switch k.Indicator {
	case CLACount:
		num = t.CLA
	case CLAChange12m:
		num = t.CLA - claYearBefore
	case PlacedInsideBoundary:
		num, den = t.Inside, t.CLA
	case PlacedOver20Miles:
		num, den = t.Over20, t.CLA
	case UASCCount:
		num = t.UASC
	case ConnectedPersonsCount:
		num = t.Connected
	case CareLeaverCount:
		num = band.Open
	case CareLeaversInTouch:
		// Both variants: over open care leavers less DIED and RHOM.
		num, den = band.InTouch, band.Open-band.Excluded
	case CareLeaversEET, CareLeaversSuitableAccommodation:
		num = band.EET
		if k.Indicator == CareLeaversSuitableAccommodation {
			num = band.Suitable
		}
		if k.Variant == VariantLocal {
			den = band.InTouch
		} else {
			den = band.Open
		}
	default:
		if i, ok := groupByIndicator[k.Indicator]; ok {
			num, den = t.Group[i], t.CLA
		}
	}
	v.Numerator, v.Denominator = num, den
	return v
}

// Diff returns the values of next that differ from prev (matched by
// position; Values always returns the same keys in the same order).
func Diff(prev, next []Value) []Value {
	if len(prev) != len(next) {
		return next
	}
	var out []Value
	for i := range next {
		if next[i] != prev[i] {
			out = append(out, next[i])
		}
	}
	return out
}
