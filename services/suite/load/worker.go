package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/clock"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// child is one of a client's children. Only its client writes for it, so
// its state needs no lock.
type child struct {
	id     string
	next   clock.Date // the date of its next write
	placed bool
	n      int // writes made, for varying the placements
}

// leaver is one of a client's care leavers.
type leaver struct {
	id     string
	opened clock.Date
	n      int
}

// worker is one client.
type worker struct {
	r        *run
	id       int
	cl       clients
	rng      *rand.Rand
	children []*child
	leavers  []*leaver
	made     int // children registered, for their ids
	reqs     int // request ids issued
	nextC    int
	nextL    int
	reads    int
}

func (r *run) newWorker(i int) *worker {
	return &worker{r: r, id: i, cl: r.conns.set[i%len(r.conns.set)], rng: newRand(i)}
}

// requestID is a new request id: the run prefix, the client and a count.
func (w *worker) requestID() string {
	w.reqs++
	return fmt.Sprintf("%s-w%d-%d", w.r.cfg.Prefix, w.id, w.reqs)
}

func (w *worker) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, w.r.cfg.CallTimeout)
}

// setupWrite makes one setup write, counted as setup.
func (w *worker) setupWrite(ctx context.Context, what string, f func(context.Context) error) error {
	cctx, cancel := w.call(ctx)
	defer cancel()
	if err := f(cctx); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	w.r.setup.writes.Add(1)
	return nil
}

// register registers a child born dob, looked after from start (legal
// status C2, category of need N1), and returns its id.
func (w *worker) register(ctx context.Context, kind string, dob, start clock.Date) (string, error) {
	w.made++
	la := fmt.Sprintf("%s-%s%d-%d", w.r.cfg.Prefix, kind, w.id, w.made)
	var id string
	err := w.setupWrite(ctx, "RegisterChild "+la, func(ctx context.Context) error {
		resp, err := w.cl.caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
			RequestId: w.requestID(), LaChildId: la, GivenName: "Synthetic", FamilyName: "Load " + la,
			DateOfBirth: dob.String(), Sex: []string{"M", "F"}[w.made%2], Ethnicity: "WBRI",
		})
		id = resp.GetChild().GetChildId()
		return err
	})
	if err != nil {
		return "", err
	}
	err = w.setupWrite(ctx, "StartPeriodOfCare "+la, func(ctx context.Context) error {
		_, err := w.cl.caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
			RequestId: w.requestID(), ChildId: id, StartDate: start.String(), LegalStatus: "C2", CategoryOfNeed: "N1",
		})
		return err
	})
	return id, err
}

// newChild registers a load child: born eight years before its period of
// care, which started five years ago.
func (w *worker) newChild(ctx context.Context, place bool) (*child, error) {
	start := w.r.careStart
	dob := start.AddYears(-3).AddDays(-w.rng.IntN(365))
	id, err := w.register(ctx, "c", dob, start)
	if err != nil {
		return nil, err
	}
	c := &child{id: id, next: start}
	if place {
		err := w.setupWrite(ctx, "StartPlacement", func(ctx context.Context) error {
			_, err := w.cl.placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
				RequestId: w.requestID(), ChildId: c.id, StartDate: c.next.String(), Details: w.details(c),
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		c.placed, c.next, c.n = true, c.next.AddDays(1), 1
	}
	return c, nil
}

// newLeaver takes a young person through care from 14 to 17 (placed in
// foster care), after which the care-leaver service opens their record.
func (w *worker) newLeaver(ctx context.Context) (*leaver, error) {
	today := w.r.cfg.Today
	dob := today.AddYears(-19).AddDays(-w.rng.IntN(200))
	start := dob.AddYears(14).AddDays(30)
	end := dob.AddYears(17).AddDays(30)
	id, err := w.register(ctx, "l", dob, start)
	if err != nil {
		return nil, err
	}
	steps := []struct {
		what string
		f    func(ctx context.Context) error
	}{
		{"StartPlacement", func(ctx context.Context) error {
			_, err := w.cl.placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
				RequestId: w.requestID(), ChildId: id, StartDate: start.String(),
				Details: &placementv1.PlacementDetails{PlacementType: "U4", Provider: "PR1", Urn: "SC062441",
					CarerId: w.r.cfg.Prefix + "-fc" + fmt.Sprint(w.id), PlacementLocalAuthority: w.r.cfg.CouncilLA},
			})
			return err
		}},
		{"EndPlacement", func(ctx context.Context) error {
			_, err := w.cl.placement.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: w.requestID(), ChildId: id, EndDate: end.String()})
			return err
		}},
		{"EndPeriodOfCare", func(ctx context.Context) error {
			_, err := w.cl.caseload.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{
				RequestId: w.requestID(), ChildId: id, EndDate: end.String(), ReasonCeased: "E6"})
			return err
		}},
	}
	for _, s := range steps {
		if err := w.setupWrite(ctx, s.what, s.f); err != nil {
			return nil, err
		}
	}
	return &leaver{id: id, opened: end}, nil
}

func (w *worker) setup(ctx context.Context) error {
	for i := range w.r.cfg.ChildrenPerClient {
		c, err := w.newChild(ctx, i%2 == 0)
		if err != nil {
			return err
		}
		w.children = append(w.children, c)
	}
	for range w.r.cfg.CareLeaversPerClient {
		l, err := w.newLeaver(ctx)
		if err != nil {
			return err
		}
		w.leavers = append(w.leavers, l)
	}
	return nil
}

// awaitCareLeavers waits for the care-leaver service to open every load
// care leaver's record (it does so on the caseload service's event).
func (r *run) awaitCareLeavers(ctx context.Context, workers []*worker) error {
	deadline := time.Now().Add(60 * time.Second)
	for _, w := range workers {
		for _, l := range w.leavers {
			for {
				cctx, cancel := w.call(ctx)
				resp, err := w.cl.careleaver.GetCareLeaver(cctx, &careleaverv1.GetCareLeaverRequest{ChildId: l.id})
				cancel()
				r.setup.reads.Add(1)
				if err == nil {
					if d, perr := clock.ParseDate(resp.GetCareLeaver().GetOpenedDate()); perr == nil {
						l.opened = d
					}
					break
				}
				if status.Code(err) != codes.NotFound || time.Now().After(deadline) {
					return fmt.Errorf("care leaver %s: the record did not open: %w", l.id, err)
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
	}
	return nil
}

// placements the bulk load moves children between: foster care inside
// the boundary, foster care outside it, a children's home. Never P1: that
// is the probe's.
var bulkPlacements = []struct{ place, provider, urn, la string }{
	{"U4", "PR1", "SC062441", ""}, // "" = the council's own
	{"U6", "PR4", "SC412875", "E10000031"},
	{"K2", "PR4", "SC487113", ""},
}

func (w *worker) details(c *child) *placementv1.PlacementDetails {
	p := bulkPlacements[c.n%len(bulkPlacements)]
	la := p.la
	if la == "" {
		la = w.r.cfg.CouncilLA
	}
	return &placementv1.PlacementDetails{PlacementType: p.place, Provider: p.provider, Urn: p.urn,
		CarerId: fmt.Sprintf("%s-carer%d", w.r.cfg.Prefix, c.n%7), PlacementLocalAuthority: la}
}

var reasons = []string{"CARPL", "CREQB"}

// run makes operations until the schedule ends.
func (w *worker) run(ctx context.Context, s *schedule) {
	for ctx.Err() == nil {
		at, ok := s.next()
		if !ok {
			return
		}
		if !at.IsZero() {
			if d := time.Until(at); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		} else {
			at = time.Now()
		}
		w.do(ctx, w.r.cfg.Mix.pick(w.rng), at)
	}
}

// child returns the client's next child in turn, replacing one whose dates
// have reached today.
func (w *worker) child(ctx context.Context, wantPlaced bool) *child {
	n := len(w.children)
	for range n {
		i := w.nextC % n
		w.nextC++
		c := w.children[i]
		if c.next.After(w.r.cfg.Today) {
			nc, err := w.newChild(ctx, false)
			if err != nil {
				continue
			}
			w.children[i], c = nc, nc
		}
		if !wantPlaced || c.placed {
			return c
		}
	}
	return nil
}

// do makes one operation begun at begin (its scheduled time when paced).
func (w *worker) do(ctx context.Context, op Op, begin time.Time) {
	switch op {
	case OpPlace:
		if c := w.child(ctx, false); c != nil {
			w.place(ctx, c, begin)
		}
	case OpMove:
		if c := w.child(ctx, true); c != nil {
			w.move(ctx, c, begin)
		} else if c := w.child(ctx, false); c != nil {
			w.place(ctx, c, begin)
		}
	case OpContact:
		if len(w.leavers) == 0 {
			w.read(ctx, begin)
			return
		}
		l := w.leavers[w.nextL%len(w.leavers)]
		w.nextL++
		w.contact(ctx, l, begin)
	case OpRead:
		w.read(ctx, begin)
	case OpIndicators:
		cctx, cancel := w.call(ctx)
		_, err := w.cl.metrics.GetIndicators(cctx, &metricsv1.GetIndicatorsRequest{})
		cancel()
		w.r.rpcs[rpcGetIndicators].done(ctx, begin, err)
	}
}

func (w *worker) place(ctx context.Context, c *child, begin time.Time) {
	cctx, cancel := w.call(ctx)
	defer cancel()
	var err error
	if c.placed {
		_, err = w.cl.placement.EndPlacement(cctx, &placementv1.EndPlacementRequest{
			RequestId: w.requestID(), ChildId: c.id, EndDate: c.next.String()})
		w.r.rpcs[rpcEndPlacement].done(ctx, begin, err)
	} else {
		_, err = w.cl.placement.StartPlacement(cctx, &placementv1.StartPlacementRequest{
			RequestId: w.requestID(), ChildId: c.id, StartDate: c.next.String(), Details: w.details(c)})
		w.r.rpcs[rpcStartPlacement].done(ctx, begin, err)
	}
	w.wrote(ctx, c, !c.placed, err)
}

func (w *worker) move(ctx context.Context, c *child, begin time.Time) {
	c.n++
	cctx, cancel := w.call(ctx)
	defer cancel()
	_, err := w.cl.placement.ChangePlacement(cctx, &placementv1.ChangePlacementRequest{
		RequestId: w.requestID(), ChildId: c.id, ChangeDate: c.next.String(),
		ReasonForChange: reasons[c.n%len(reasons)], Details: w.details(c)})
	w.r.rpcs[rpcChangePlacement].done(ctx, begin, err)
	w.wrote(ctx, c, true, err)
}

// wrote moves the child on after a write; after a failed one it reads
// the child's placements back to learn where it stands.
func (w *worker) wrote(ctx context.Context, c *child, placed bool, err error) {
	if err == nil {
		c.placed, c.next = placed, c.next.AddDays(1)
		c.n++
		return
	}
	if ctx.Err() != nil {
		return
	}
	w.resync(ctx, c)
}

// resync reads a child's placements and sets its state from them; it
// returns the type of the child's current placement ("" if none or not
// known).
func (w *worker) resync(ctx context.Context, c *child) string {
	cctx, cancel := w.call(ctx)
	defer cancel()
	resp, err := w.cl.placement.ListPlacementHistory(cctx, &placementv1.ListPlacementHistoryRequest{ChildId: c.id})
	w.r.setup.reads.Add(1)
	if err != nil {
		c.next = c.next.AddDays(1) // try the next day
		return ""
	}
	ps := resp.GetPlacements()
	if len(ps) == 0 {
		c.placed = false
		return ""
	}
	last := ps[len(ps)-1]
	latest := last.GetStartDate()
	if e := last.GetEndDate(); e != "" {
		latest = e
	}
	if d, err := clock.ParseDate(latest); err == nil && !d.Before(c.next) {
		c.next = d.AddDays(1)
	}
	c.placed = last.GetEndDate() == ""
	if !c.placed {
		return ""
	}
	return last.GetPlacementType()
}

var contacts = []struct{ inTouch, activ, accom string }{
	{"YES", "F2", "U1"},
	{"YES", "F1", "D1"},
	{"YES", "G5", "B1"},
	{"YES", "F5", "U1"},
}

func (w *worker) contact(ctx context.Context, l *leaver, begin time.Time) {
	l.n++
	d := w.r.cfg.Today.AddDays(-(l.n % 28))
	if d.Before(l.opened) {
		d = l.opened
	}
	k := contacts[l.n%len(contacts)]
	cctx, cancel := w.call(ctx)
	defer cancel()
	_, err := w.cl.careleaver.RecordContact(cctx, &careleaverv1.RecordContactRequest{
		RequestId: w.requestID(), ChildId: l.id, ContactDate: d.String(),
		InTouch: k.inTouch, Activity: k.activ, Accommodation: k.accom})
	w.r.rpcs[rpcRecordContact].done(ctx, begin, err)
}

// read reads one record: a child, a placed child's placement, or a care
// leaver, in turn.
func (w *worker) read(ctx context.Context, begin time.Time) {
	w.reads++
	cctx, cancel := w.call(ctx)
	defer cancel()
	switch w.reads % 3 {
	case 1:
		if c := w.child(ctx, true); c != nil {
			_, err := w.cl.placement.GetCurrentPlacement(cctx, &placementv1.GetCurrentPlacementRequest{ChildId: c.id})
			w.r.rpcs[rpcGetCurrentPlacement].done(ctx, begin, err)
			return
		}
	case 2:
		if len(w.leavers) > 0 {
			l := w.leavers[w.reads%len(w.leavers)]
			_, err := w.cl.careleaver.GetCareLeaver(cctx, &careleaverv1.GetCareLeaverRequest{ChildId: l.id})
			w.r.rpcs[rpcGetCareLeaver].done(ctx, begin, err)
			return
		}
	}
	c := w.children[w.reads%len(w.children)]
	_, err := w.cl.caseload.GetChild(cctx, &caseloadv1.GetChildRequest{ChildId: c.id})
	w.r.rpcs[rpcGetChild].done(ctx, begin, err)
}

var errNoSnapshot = errors.New("the indicator stream sent no snapshot")
