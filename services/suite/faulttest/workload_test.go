package faulttest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/corporate-parenting/suite/pkg/clock"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	metricsv1 "github.com/corporate-parenting/suite/pkg/gen/metrics/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
	"github.com/corporate-parenting/suite/pkg/testutil/figures"

	"github.com/corporate-parenting/suite/services/suite/procs"
)

// councilLA is placement's default council (Coventry): placements there
// are inside the boundary.
const councilLA = "E08000026"

// Limits of one write: an attempt's deadline, and how long a write that
// keeps failing Unavailable is retried before the test counts it failed.
const (
	attemptTimeout = 30 * time.Second
	giveUpAfter    = 90 * time.Second
)

type clients struct {
	cl caseloadv1.CaseloadServiceClient
	pl placementv1.PlacementServiceClient
	cr careleaverv1.CareLeaverServiceClient
	mx metricsv1.MetricsServiceClient
}

// dialAll connects to the four services. The reconnect back-off is capped
// at half a second so a restarted service is found again at once (gRPC's
// default grows to two minutes).
func dialAll(t *testing.T, s *procs.Suite) clients {
	t.Helper()
	dial := func(name string) *grpc.ClientConn {
		conn, err := grpc.NewClient(s.Addr(name),
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 500 * time.Millisecond},
				MinConnectTimeout: 2 * time.Second,
			}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	return clients{
		cl: caseloadv1.NewCaseloadServiceClient(dial("caseload")),
		pl: placementv1.NewPlacementServiceClient(dial("placement")),
		cr: careleaverv1.NewCareLeaverServiceClient(dial("careleaver")),
		mx: metricsv1.NewMetricsServiceClient(dial("metrics")),
	}
}

// home is where a child is placed.
type home struct{ typ, provider, urn, carer, la string }

// homes: foster care (U4–U6) and children's homes (K2), inside and outside
// the council's boundary.
var homes = []home{
	{"U4", "PR1", "SC062441", "FOSTER-1", councilLA},
	{"U5", "PR4", "SC412875", "FOSTER-2", councilLA},
	{"U6", "PR1", "SC062441", "FOSTER-3", "E08000025"},
	{"K2", "PR1", "SC035219", "CH-ALLESLEY", councilLA},
	{"K2", "PR4", "SC452670", "CH-ARDEN", "E10000031"},
}

func (h home) foster() bool { return strings.HasPrefix(h.typ, "U") }

func (h home) details() *placementv1.PlacementDetails {
	return &placementv1.PlacementDetails{PlacementType: h.typ, Provider: h.provider, Urn: h.urn, CarerId: h.carer, PlacementLocalAuthority: h.la}
}

type placementRec struct {
	date clock.Date
	home home
}

// child is a child the load registered: ledger entries are added only
// when the write returned OK.
type child struct {
	la         string
	id         string
	dob        clock.Date
	start      clock.Date // period of care started (zero until OK)
	placements []placementRec
}

type contactRec struct {
	date    clock.Date
	inTouch string
}

// leaver is a care leaver made before the load; the load records contacts.
type leaver struct {
	id       string
	opened   clock.Date
	contacts []contactRec
}

// event is one write's outcome at a moment: OK, or an error code.
type event struct {
	at   time.Time
	op   string
	code codes.Code
	err  string
}

// ledger is the load's record of what the services were told and said.
type ledger struct {
	mu       sync.Mutex
	children []*child
	leavers  []*leaver
	events   []event
}

func (l *ledger) record(op string, err error) {
	e := event{at: time.Now(), op: op, code: status.Code(err)}
	if err != nil {
		e.err = err.Error()
	}
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

// summary counts OK writes and errors by operation and code.
func (l *ledger) summary() (ok int, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := map[string]int{}
	for _, e := range l.events {
		if e.code == codes.OK {
			ok++
		}
		n[e.op+" "+e.code.String()]++
	}
	var keys []string
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d ", k, n[k])
	}
	return ok, strings.TrimSpace(b.String())
}

// unexpected lists the errors other than Unavailable (first 20).
func (l *ledger) unexpected() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		if e.code != codes.OK && e.code != codes.Unavailable && len(out) < 20 {
			out = append(out, fmt.Sprintf("%s: %s: %s", e.at.Format("15:04:05.000"), e.op, e.err))
		}
	}
	return out
}

// between returns the events in [from, to).
func (l *ledger) between(from, to time.Time) []event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []event
	for _, e := range l.events {
		if !e.at.Before(from) && e.at.Before(to) {
			out = append(out, e)
		}
	}
	return out
}

// write makes one write: retried with the same request id (the fn closes
// over it) while it fails Unavailable, every attempt's outcome recorded.
func (l *ledger) write(ctx context.Context, op string, fn func(context.Context) error) error {
	first := time.Now()
	wait := 25 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := fn(actx)
		cancel()
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		l.record(op, err)
		if err == nil {
			return nil
		}
		if status.Code(err) != codes.Unavailable {
			return fmt.Errorf("%s: %w", op, err)
		}
		if time.Since(first) > giveUpAfter {
			l.record(op+" gave up", status.Errorf(codes.Internal, "still Unavailable after %v: %v", giveUpAfter, err))
			return fmt.Errorf("%s: still Unavailable after %v: %w", op, giveUpAfter, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 500*time.Millisecond)
	}
}

// load is the concurrent writers.
type load struct {
	c       clients
	l       *ledger
	today   clock.Date
	tag     string // makes request ids and council ids unique to the run
	workers int
	pause   time.Duration // between one worker's writes
	seed    uint64
}

// setupLeavers makes n care leavers before any fault: each child is
// registered, looked after from 14, placed, and leaves care at 17, so the
// careleaver service opens a record from caseload's event. It waits for
// every record.
func (ld *load) setupLeavers(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, n)
	leavers := make([]*leaver, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			leavers[i], errs[i] = ld.makeLeaver(ctx, i)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("making care leavers before the faults: %v", err)
	}
	ld.l.leavers = leavers
}

// retrySetup retries fn for up to a minute whatever the error: caseload
// checks the end of a period against its copy of the placements, fed by
// the PLACEMENT stream, so it may refuse until that event arrives.
func retrySetup(ctx context.Context, what string, fn func(context.Context) error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := fn(actx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %w", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (ld *load) makeLeaver(ctx context.Context, i int) (*leaver, error) {
	la := fmt.Sprintf("%sL%03d", ld.tag, i)
	dob := ld.today.AddYears(-17).AddDays(-60 - i)
	start := dob.AddYears(14).AddDays(30)
	end := ld.today.AddDays(-40)
	rid := func(s string) string { return ld.tag + "/" + la + "/" + s }
	var id string
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{"RegisterChild", func(ctx context.Context) error {
			r, err := ld.c.cl.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: rid("reg"), LaChildId: la, GivenName: "Synthetic",
				FamilyName: "Leaver", DateOfBirth: dob.String(), Sex: "F", Ethnicity: "WBRI"})
			id = r.GetChild().GetChildId()
			return err
		}},
		{"StartPeriodOfCare", func(ctx context.Context) error {
			_, err := ld.c.cl.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: rid("start"), ChildId: id,
				StartDate: start.String(), LegalStatus: "C2", CategoryOfNeed: "N1"})
			return err
		}},
		{"StartPlacement", func(ctx context.Context) error {
			_, err := ld.c.pl.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: rid("pl"), ChildId: id,
				StartDate: start.String(), Details: homes[0].details()})
			return err
		}},
		{"EndPlacement", func(ctx context.Context) error {
			_, err := ld.c.pl.EndPlacement(ctx, &placementv1.EndPlacementRequest{RequestId: rid("plend"), ChildId: id, EndDate: end.String()})
			return err
		}},
		{"EndPeriodOfCare", func(ctx context.Context) error {
			r, err := ld.c.cl.EndPeriodOfCare(ctx, &caseloadv1.EndPeriodOfCareRequest{RequestId: rid("end"), ChildId: id,
				EndDate: end.String(), ReasonCeased: "E8"})
			if err == nil && r.GetLeavingCareStatus() != caseloadv1.LeavingCareStatus_LEAVING_CARE_STATUS_ELIGIBLE {
				return fmt.Errorf("leaves care %v, want eligible", r.GetLeavingCareStatus())
			}
			return err
		}},
	}
	for _, s := range steps {
		if err := retrySetup(ctx, la+" "+s.what, s.fn); err != nil {
			return nil, err
		}
	}
	var opened clock.Date
	err := retrySetup(ctx, la+" GetCareLeaver", func(ctx context.Context) error {
		r, err := ld.c.cr.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: id})
		if err != nil {
			return err
		}
		opened, err = clock.ParseDate(r.GetCareLeaver().GetOpenedDate())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &leaver{id: id, opened: opened}, nil
}

// run writes until stop is closed, then waits for every worker's last
// write (retries included) to finish.
func (ld *load) run(ctx context.Context, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for w := range ld.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &worker{ld: ld, id: w, rng: rand.New(rand.NewPCG(ld.seed, uint64(w)))}
			for i, lv := range ld.l.leavers {
				if i%ld.workers == w {
					wk.leavers = append(wk.leavers, lv)
				}
			}
			for {
				select {
				case <-stop:
					return
				default:
				}
				wk.step(ctx)
				select {
				case <-stop:
					return
				case <-time.After(ld.pause):
				}
			}
		}()
	}
	wg.Wait()
}

// worker owns its children and care leavers: no two workers write for
// the same child, so each child's writes are in date order.
type worker struct {
	ld       *load
	id       int
	rng      *rand.Rand
	n        int
	children []*child
	leavers  []*leaver
	broken   map[*child]bool
}

const (
	maxPlacements = 8
	maxContacts   = 30
)

func (w *worker) step(ctx context.Context) {
	var unplaced, movable []*child
	for _, c := range w.children {
		switch {
		case w.broken[c] || c.start.IsZero():
		case len(c.placements) == 0:
			unplaced = append(unplaced, c)
		case len(c.placements) < maxPlacements:
			movable = append(movable, c)
		}
	}
	var contactable []*leaver
	for _, lv := range w.leavers {
		if len(lv.contacts) < maxContacts {
			contactable = append(contactable, lv)
		}
	}
	r := w.rng.Float64()
	switch {
	case len(unplaced) > 0 && r < 0.35:
		w.place(ctx, unplaced[w.rng.IntN(len(unplaced))])
	case len(movable) > 0 && r < 0.6:
		w.move(ctx, movable[w.rng.IntN(len(movable))])
	case len(contactable) > 0 && r < 0.8:
		w.contact(ctx, contactable[w.rng.IntN(len(contactable))])
	default:
		w.newChild(ctx)
	}
}

func (w *worker) fail(c *child) {
	if w.broken == nil {
		w.broken = map[*child]bool{}
	}
	w.broken[c] = true
}

func (w *worker) rid(c *child, what string) string { return w.ld.tag + "/" + c.la + "/" + what }

// newChild registers a child and starts a period of care (legal status
// C2), two writes.
func (w *worker) newChild(ctx context.Context) {
	ld := w.ld
	w.n++
	c := &child{la: fmt.Sprintf("%sW%02dC%04d", ld.tag, w.id, w.n)}
	c.dob = ld.today.AddYears(-3 - w.rng.IntN(12)).AddDays(-w.rng.IntN(300))
	start := ld.today.AddDays(-150 - w.rng.IntN(100))
	err := ld.l.write(ctx, "RegisterChild", func(ctx context.Context) error {
		r, err := ld.c.cl.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{RequestId: w.rid(c, "reg"), LaChildId: c.la,
			GivenName: "Synthetic", FamilyName: "Fault", DateOfBirth: c.dob.String(), Sex: "M", Ethnicity: "WBRI"})
		if err == nil {
			c.id = r.GetChild().GetChildId()
		}
		return err
	})
	if err != nil {
		return
	}
	ld.l.mu.Lock()
	ld.l.children = append(ld.l.children, c)
	ld.l.mu.Unlock()
	w.children = append(w.children, c)
	err = ld.l.write(ctx, "StartPeriodOfCare", func(ctx context.Context) error {
		_, err := ld.c.cl.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{RequestId: w.rid(c, "start"), ChildId: c.id,
			StartDate: start.String(), LegalStatus: "C2", CategoryOfNeed: "N1"})
		return err
	})
	if err != nil {
		w.fail(c)
		return
	}
	ld.l.mu.Lock()
	c.start = start
	ld.l.mu.Unlock()
}

func (w *worker) place(ctx context.Context, c *child) {
	ld := w.ld
	h := homes[w.rng.IntN(len(homes))]
	err := ld.l.write(ctx, "StartPlacement", func(ctx context.Context) error {
		_, err := ld.c.pl.StartPlacement(ctx, &placementv1.StartPlacementRequest{RequestId: w.rid(c, "pl0"), ChildId: c.id,
			StartDate: c.start.String(), Details: h.details()})
		return err
	})
	if err != nil {
		w.fail(c)
		return
	}
	ld.l.mu.Lock()
	c.placements = append(c.placements, placementRec{date: c.start, home: h})
	ld.l.mu.Unlock()
}

func (w *worker) move(ctx context.Context, c *child) {
	ld := w.ld
	last := c.placements[len(c.placements)-1]
	h := homes[w.rng.IntN(len(homes))]
	for h == last.home {
		h = homes[w.rng.IntN(len(homes))]
	}
	date := last.date.AddDays(1 + w.rng.IntN(3))
	n := len(c.placements)
	err := ld.l.write(ctx, "ChangePlacement", func(ctx context.Context) error {
		_, err := ld.c.pl.ChangePlacement(ctx, &placementv1.ChangePlacementRequest{RequestId: w.rid(c, fmt.Sprintf("pl%d", n)), ChildId: c.id,
			ChangeDate: date.String(), ReasonForChange: "CARPL", Details: h.details()})
		return err
	})
	if err != nil {
		w.fail(c)
		return
	}
	ld.l.mu.Lock()
	c.placements = append(c.placements, placementRec{date: date, home: h})
	ld.l.mu.Unlock()
}

func (w *worker) contact(ctx context.Context, lv *leaver) {
	ld := w.ld
	date := lv.opened.AddDays(len(lv.contacts))
	inTouch := "YES"
	if w.rng.IntN(4) == 0 {
		inTouch = "NO"
	}
	n := len(lv.contacts)
	err := ld.l.write(ctx, "RecordContact", func(ctx context.Context) error {
		_, err := ld.c.cr.RecordContact(ctx, &careleaverv1.RecordContactRequest{RequestId: fmt.Sprintf("%s/%s/contact%d", ld.tag, lv.id, n),
			ChildId: lv.id, ContactDate: date.String(), InTouch: inTouch, Activity: "F2", Accommodation: "U1"})
		return err
	})
	if err != nil {
		// Stop writing for this leaver: the ledger can no longer say
		// what the record holds.
		ld.l.mu.Lock()
		lv.contacts = append(lv.contacts, make([]contactRec, maxContacts)...)
		ld.l.mu.Unlock()
		return
	}
	ld.l.mu.Lock()
	lv.contacts = append(lv.contacts, contactRec{date: date, inTouch: inTouch})
	ld.l.mu.Unlock()
}

// expected is what the metrics must say once every OK write's events are
// counted exactly once: figure "id/variant/band" -> numerator/denominator.
func (l *ledger) expected() map[string][2]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var cla, foster, homesN, inside, inTouch int64
	for _, c := range l.children {
		if c.start.IsZero() {
			continue
		}
		cla++
		if n := len(c.placements); n > 0 {
			h := c.placements[n-1].home
			if h.foster() {
				foster++
			} else {
				homesN++
			}
			if h.la == councilLA {
				inside++
			}
		}
	}
	leavers := int64(len(l.leavers))
	for _, lv := range l.leavers {
		var last *contactRec
		for i := range lv.contacts {
			if !lv.contacts[i].date.IsZero() {
				last = &lv.contacts[i]
			}
		}
		if last != nil && last.inTouch == "YES" {
			inTouch++
		}
	}
	return map[string][2]int64{
		"cla_count/dfe/all":                 {cla, 0},
		"placement_foster/dfe/all":          {foster, cla},
		"placement_childrens_homes/dfe/all": {homesN, cla},
		"placed_inside_boundary/dfe/all":    {inside, cla},
		"care_leaver_count/dfe/all":         {leavers, 0},
		"care_leavers_in_touch/dfe/all":     {inTouch, leavers},
	}
}

// indicatorsMatch compares the metrics' live figures with want.
func indicatorsMatch(ctx context.Context, mx metricsv1.MetricsServiceClient, want map[string][2]int64) error {
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return figures.Match(actx, mx, want)
}

// reconcile asks metrics to recount from the source services.
func reconcile(ctx context.Context, mx metricsv1.MetricsServiceClient) error {
	actx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	_, err := figures.Reconcile(actx, mx)
	return err
}

// verifyWrites reads every OK write back from its service.
func (l *ledger) verifyWrites(ctx context.Context, c clients) []string {
	l.mu.Lock()
	children := slices.Clone(l.children)
	leavers := slices.Clone(l.leavers)
	l.mu.Unlock()
	var bad []string
	add := func(format string, args ...any) {
		if len(bad) < 30 {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}
	for _, ch := range children {
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		got, err := c.cl.GetChild(actx, &caseloadv1.GetChildRequest{ChildId: ch.id})
		cancel()
		switch {
		case err != nil:
			add("caseload: child %s (%s) registered OK: %v", ch.la, ch.id, err)
			continue
		case got.GetChild().GetLaChildId() != ch.la || got.GetChild().GetDateOfBirth() != ch.dob.String():
			add("caseload: child %s: got %s born %s", ch.la, got.GetChild().GetLaChildId(), got.GetChild().GetDateOfBirth())
		case !ch.start.IsZero() && got.GetChild().GetCurrentPeriod().GetStartDate() != ch.start.String():
			add("caseload: child %s: period of care started OK on %s, current period %v", ch.la, ch.start, got.GetChild().GetCurrentPeriod())
		}
		actx, cancel = context.WithTimeout(ctx, 10*time.Second)
		hist, err := c.pl.ListPlacementHistory(actx, &placementv1.ListPlacementHistoryRequest{ChildId: ch.id})
		cancel()
		if err != nil && !(status.Code(err) == codes.NotFound && len(ch.placements) == 0) {
			add("placement: history of %s: %v", ch.la, err)
			continue
		}
		var have, want []string
		for _, p := range hist.GetPlacements() {
			have = append(have, p.GetStartDate()+" "+p.GetPlacementType()+" "+p.GetUrn()+" "+p.GetCarerId())
		}
		for _, p := range ch.placements {
			want = append(want, p.date.String()+" "+p.home.typ+" "+p.home.urn+" "+p.home.carer)
		}
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			add("placement: child %s: service holds %q, the OK writes were %q", ch.la, have, want)
		}
	}
	for _, lv := range leavers {
		var have []string
		token := ""
		for {
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			r, err := c.cr.ListContacts(actx, &careleaverv1.ListContactsRequest{ChildId: lv.id, PageSize: 100, PageToken: token})
			cancel()
			if err != nil {
				add("careleaver: contacts of %s: %v", lv.id, err)
				break
			}
			for _, ct := range r.GetContacts() {
				have = append(have, ct.GetContactDate()+" "+ct.GetInTouch())
			}
			if token = r.GetNextPageToken(); token == "" {
				break
			}
		}
		var want []string
		for _, ct := range lv.contacts {
			if !ct.date.IsZero() {
				want = append(want, ct.date.String()+" "+ct.inTouch)
			}
		}
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			add("careleaver: %s: service holds %d contacts %q, the OK writes were %d %q", lv.id, len(have), have, len(want), want)
		}
	}
	return bad
}
