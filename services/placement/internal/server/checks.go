package server

import (
	"math"

	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/reqcheck"

	"github.com/corporate-parenting/suite/services/placement/internal/placement"
)

// Request shape checks: presence, lengths and formats (the generic ones in
// pkg/reqcheck; grid references here). Whether a code is in
// the 903 list valid on a date, or a date fits the child's history, is the
// domain's question (pkg/ssda903 and pkg/codes), not the adapter's.

const (
	maxIDLen = 128 // child, carer and placement ids
	// The extent of the Ordnance Survey national grid, in metres.
	maxEasting  = 700000
	maxNorthing = 1300000
)

type checker struct{ reqcheck.Checker }

// grid checks a pair of grid references: both or neither, each within the
// national grid.
func (c *checker) grid(homeField string, home *placementv1.GridReference, plField string, pl *placementv1.GridReference) (h, p *placement.GridReference) {
	switch {
	case home == nil && pl == nil:
		return nil, nil
	case home == nil:
		c.Addf(homeField, "required", "%s is required with %s: the distance needs both", homeField, plField)
	case pl == nil:
		c.Addf(plField, "required", "%s is required with %s: the distance needs both", plField, homeField)
	}
	h, p = c.gridRef(homeField, home), c.gridRef(plField, pl)
	if h == nil || p == nil {
		return nil, nil
	}
	return h, p
}

func (c *checker) gridRef(field string, g *placementv1.GridReference) *placement.GridReference {
	if g == nil {
		return nil
	}
	e, n := g.GetEasting(), g.GetNorthing()
	if math.IsNaN(e) || math.IsNaN(n) || e < 0 || e > maxEasting || n < 0 || n > maxNorthing {
		c.Addf(field, "format", "%s must be an Ordnance Survey grid reference in metres (easting 0–%d, northing 0–%d)", field, maxEasting, maxNorthing)
		return nil
	}
	return &placement.GridReference{Easting: e, Northing: n}
}

// Page tokens are the last child id of the previous page (pkg/reqcheck).
func encodeToken(lastID string) string { return reqcheck.EncodePageToken("c1", []byte(lastID)) }

func (c *checker) pageToken(tok string) string { return string(c.PageToken("c1", tok, maxIDLen)) }

func (c *checker) err() error { return c.Err() }
