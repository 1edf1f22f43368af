package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/corporate-parenting/suite/pkg/clock"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// childRecord is the JSON of a stored child (see the package doc for the
// record versions around it). Field names are short because every child
// carries them; dates are ISO strings.
type childRecord struct {
	ID          string             `json:"id"`
	LAChildID   string             `json:"la"`
	GivenName   string             `json:"gn,omitempty"`
	FamilyName  string             `json:"fn,omitempty"`
	DOB         clock.Date         `json:"dob"`
	Sex         string             `json:"sex,omitempty"`
	Ethnicity   string             `json:"eth,omitempty"`
	UPN         string             `json:"upn,omitempty"`
	UASC        bool               `json:"uasc,omitempty"`
	UASCCeased  clock.Date         `json:"duc,omitzero"`
	Periods     []periodRecord     `json:"periods,omitempty"`
	Corrections []correctionRecord `json:"corr,omitempty"`
	Allocations []allocationRecord `json:"alloc,omitempty"`
	Placements  []placementRecord  `json:"pl,omitempty"`
	Created     time.Time          `json:"created"`
	Updated     time.Time          `json:"updated"`
	Revision    uint64             `json:"rev"`
}

type periodRecord struct {
	ID             string        `json:"id"`
	Start          clock.Date    `json:"start"`
	End            clock.Date    `json:"end,omitzero"`
	ReasonCeased   string        `json:"rec,omitempty"`
	CategoryOfNeed string        `json:"cin"`
	Spells         []spellRecord `json:"ls"`
}

type spellRecord struct {
	ID          string     `json:"id"`
	LegalStatus string     `json:"ls"`
	Start       clock.Date `json:"start"`
	Corrected   bool       `json:"corr,omitempty"`
}

type correctionRecord struct {
	Kind              string     `json:"kind"`
	TargetID          string     `json:"target"`
	PeriodID          string     `json:"period"`
	Reason            string     `json:"reason,omitempty"`
	At                time.Time  `json:"at"`
	PriorLegalStatus  string     `json:"prior_ls,omitempty"`
	PriorDate         clock.Date `json:"prior_date,omitzero"`
	PriorReasonCeased string     `json:"prior_rec,omitempty"`
}

type allocationRecord struct {
	WorkerID string     `json:"worker"`
	TeamID   string     `json:"team"`
	Start    clock.Date `json:"start"`
	End      clock.Date `json:"end,omitzero"`
}

// placementRecord is one placement of caseload's copy of the child's
// placement timeline (caseload.Placement), from PLACEMENT events.
type placementRecord struct {
	ID           string     `json:"id"`
	Place        string     `json:"place"`
	Provider     string     `json:"prov,omitempty"`
	URN          string     `json:"urn,omitempty"`
	CarerID      string     `json:"carer,omitempty"`
	Location     string     `json:"loc,omitempty"`
	DistanceBand string     `json:"dist,omitempty"`
	Start        clock.Date `json:"start,omitzero"`
	End          clock.Date `json:"end,omitzero"`
	ReasonChange string     `json:"rpc,omitempty"`
}

// encodeChild is the stored record of c: the header, then the JSON of
// recordOf(c), written by hand (recordjson.go) because a placement event
// rewrites the child's whole record and encoding/json's reflection was most
// of what that cost. TestEncodeMatchesEncodingJSON holds the bytes equal
// to json.Marshal's.
func encodeChild(c *caseload.Child) ([]byte, error) {
	v := make([]byte, recordHeader, recordHeader+256+128*len(c.Placements))
	v[0] = recordVersion
	binary.BigEndian.PutUint64(v[1:recordHeader], c.Revision)
	v, err := appendChildJSON(v, c)
	if err != nil {
		return nil, fmt.Errorf("store: encode child %s: %w", c.ID, err)
	}
	return v, nil
}

// recordOf is c as childRecord: what encodeChild writes, in the form
// decodeChild reads.
func recordOf(c *caseload.Child) childRecord {
	r := childRecord{
		ID: c.ID, LAChildID: c.LAChildID, GivenName: c.GivenName, FamilyName: c.FamilyName,
		DOB: c.DOB, Sex: c.Sex, Ethnicity: c.Ethnicity, UPN: c.UPN,
		UASC: c.UASC.IsUASC, UASCCeased: c.UASC.Ceased,
		Created: c.Created.UTC(), Updated: c.Updated.UTC(), Revision: c.Revision,
	}
	if len(c.Periods) > 0 {
		r.Periods = make([]periodRecord, len(c.Periods))
		for i, p := range c.Periods {
			pr := periodRecord{ID: p.ID, Start: p.Start, End: p.End, ReasonCeased: p.ReasonCeased,
				CategoryOfNeed: p.CategoryOfNeed, Spells: make([]spellRecord, len(p.Spells))}
			for j, s := range p.Spells {
				pr.Spells[j] = spellRecord{ID: s.ID, LegalStatus: s.LegalStatus, Start: s.Start, Corrected: s.Corrected}
			}
			r.Periods[i] = pr
		}
	}
	for _, k := range c.Corrections {
		r.Corrections = append(r.Corrections, correctionRecord{Kind: string(k.Kind), TargetID: k.TargetID,
			PeriodID: k.PeriodID, Reason: k.Reason, At: k.At.UTC(), PriorLegalStatus: k.PriorLegalStatus,
			PriorDate: k.PriorDate, PriorReasonCeased: k.PriorReasonCeased})
	}
	for _, a := range c.Allocations {
		r.Allocations = append(r.Allocations, allocationRecord{WorkerID: a.WorkerID, TeamID: a.TeamID, Start: a.Start, End: a.End})
	}
	for _, p := range c.Placements {
		r.Placements = append(r.Placements, placementRecord{ID: p.ID, Place: p.Place, Provider: p.Provider,
			URN: p.URN, CarerID: p.CarerID, Location: p.Location, DistanceBand: p.DistanceBand,
			Start: p.Start, End: p.End, ReasonChange: p.ReasonChange})
	}
	return r
}

// recordRevision is the revision of a stored child, read from the record's
// header without decoding it; ok is false for a record written before the
// header existed (versions 1 and 2) or a malformed one.
func recordRevision(v []byte) (rev uint64, ok bool) {
	if len(v) < recordHeader || v[0] != recordVersion {
		return 0, false
	}
	return binary.BigEndian.Uint64(v[1:recordHeader]), true
}

var errBadRecord = errors.New("store: malformed child record")

func decodeChild(v []byte) (*caseload.Child, error) {
	var body []byte
	switch {
	case len(v) > recordHeader && v[0] == recordVersion:
		body = v[recordHeader:]
	case len(v) > 1 && (v[0] == recordVersionNoHeader || v[0] == recordVersionNoPlacements):
		body = v[1:]
	case len(v) > 0 && v[0] > recordVersion:
		return nil, fmt.Errorf("%w: record version %d, written by a newer caseload (this one reads versions %d to %d)",
			errBadRecord, v[0], recordVersionNoPlacements, recordVersion)
	default:
		return nil, errBadRecord
	}
	var r childRecord
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRecord, err)
	}
	if v[0] == recordVersion && r.Revision != binary.BigEndian.Uint64(v[1:recordHeader]) {
		return nil, fmt.Errorf("%w: header revision %d, record revision %d", errBadRecord,
			binary.BigEndian.Uint64(v[1:recordHeader]), r.Revision)
	}
	c := &caseload.Child{
		ID: r.ID, LAChildID: r.LAChildID, GivenName: r.GivenName, FamilyName: r.FamilyName,
		DOB: r.DOB, Sex: r.Sex, Ethnicity: r.Ethnicity, UPN: r.UPN,
		UASC:    caseload.UASC{IsUASC: r.UASC, Ceased: r.UASCCeased},
		Created: r.Created, Updated: r.Updated, Revision: r.Revision,
	}
	if len(r.Periods) > 0 {
		c.Periods = make([]caseload.Period, len(r.Periods))
		for i, pr := range r.Periods {
			p := caseload.Period{ID: pr.ID, Start: pr.Start, End: pr.End, ReasonCeased: pr.ReasonCeased,
				CategoryOfNeed: pr.CategoryOfNeed, Spells: make([]caseload.Spell, len(pr.Spells))}
			for j, s := range pr.Spells {
				p.Spells[j] = caseload.Spell{ID: s.ID, LegalStatus: s.LegalStatus, Start: s.Start, Corrected: s.Corrected}
			}
			c.Periods[i] = p
		}
	}
	for _, k := range r.Corrections {
		c.Corrections = append(c.Corrections, caseload.Correction{Kind: caseload.CorrectionKind(k.Kind),
			TargetID: k.TargetID, PeriodID: k.PeriodID, Reason: k.Reason, At: k.At,
			PriorLegalStatus: k.PriorLegalStatus, PriorDate: k.PriorDate, PriorReasonCeased: k.PriorReasonCeased})
	}
	for _, a := range r.Allocations {
		c.Allocations = append(c.Allocations, caseload.Allocation{WorkerID: a.WorkerID, TeamID: a.TeamID, Start: a.Start, End: a.End})
	}
	for _, p := range r.Placements {
		c.Placements = append(c.Placements, caseload.Placement{ID: p.ID, Place: p.Place, Provider: p.Provider,
			URN: p.URN, CarerID: p.CarerID, Location: p.Location, DistanceBand: p.DistanceBand,
			Start: p.Start, End: p.End, ReasonChange: p.ReasonChange})
	}
	return c, nil
}
