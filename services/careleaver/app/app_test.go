package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/corporate-parenting/suite/pkg/clock"
	"github.com/corporate-parenting/suite/pkg/events"
	careleaverv1 "github.com/corporate-parenting/suite/pkg/gen/careleaver/v1"
	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	"github.com/corporate-parenting/suite/pkg/service"
	"github.com/corporate-parenting/suite/pkg/testutil"

	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
	"github.com/corporate-parenting/suite/services/careleaver/internal/testenv"
)

// These tests run the whole service as it ships: the real caseload service
// over gRPC, an embedded JetStream, the outbox relay, the CASELOAD consumer
// and the birthday clock on an injected clock.

const wait = 15 * time.Second

type harness struct {
	t      testing.TB
	env    *testenv.Env
	clk    *clock.Settable
	dir    string
	js     jetstream.JetStream
	app    *App
	client careleaverv1.CareLeaverServiceClient
	stop   func()
}

func newHarness(t testing.TB, today string) *harness {
	t.Helper()
	env := testenv.Start(t, clock.MustParseDate(today))
	clk := clock.NewSettable(time.Time{})
	clk.SetDate(clock.MustParseDate(today))
	nc, err := env.NATS.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, env: env, clk: clk, dir: t.TempDir(), js: js}
	h.start()
	t.Cleanup(func() { h.stopApp() })
	return h
}

// start opens and runs the service on the harness's file and clock.
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, Config{
		Service: service.Config{
			GRPCAddr: "127.0.0.1:0",
			DataDir:  h.dir,
			NATSURL:  h.env.NATS.ClientURL(),
			Logger:   testenv.Logger(h.t).With("service", "careleaver"),
			Clock:    h.clk,
		},
		CaseloadAddr:     h.env.CaseloadAddr,
		BirthdayInterval: time.Hour, // tests tick it themselves
	})
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	conn, err := grpc.NewClient(a.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		h.t.Fatal(err)
	}
	h.app, h.client = a, careleaverv1.NewCareLeaverServiceClient(conn)
	var once atomic.Bool
	h.stop = func() {
		if once.Swap(true) {
			return
		}
		_ = conn.Close()
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("careleaver stopped: %v", err)
		}
	}
}

func (h *harness) stopApp() { h.stop() }

func (h *harness) restart() {
	h.t.Helper()
	h.stopApp()
	h.start()
}

// tick moves the service's clock to day and runs a birthday-clock pass.
func (h *harness) tick(day string) {
	h.t.Helper()
	h.clk.SetDate(clock.MustParseDate(day))
	if err := h.app.TickBirthdays(context.Background()); err != nil {
		h.t.Fatal(err)
	}
}

type streamEvent struct {
	seq     uint64
	subject string
	ev      *careleaverv1.CareLeaverEvent
}

// published reads the CARELEAVER stream as metrics would see it.
func (h *harness) published() ([]streamEvent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := h.js.Stream(ctx, events.StreamCareleaver)
	if err != nil {
		return nil, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []streamEvent
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			return nil, err
		}
		ev := &careleaverv1.CareLeaverEvent{}
		if err := proto.Unmarshal(m.Data, ev); err != nil {
			return nil, err
		}
		if id := m.Header.Get(jetstream.MsgIDHeader); id != ev.GetEventId() {
			return nil, fmt.Errorf("seq %d: Nats-Msg-Id %q, event_id %q", seq, id, ev.GetEventId())
		}
		out = append(out, streamEvent{seq, m.Subject, ev})
	}
	return out, nil
}

// eventsOf is published() for one child, summarised, waiting until there
// are want of them (and failing if more appear).
func (h *harness) eventsOf(childID string, want int) []string {
	h.t.Helper()
	var got []string
	testutil.CheckFor(h.t, wait, 20*time.Millisecond, func() error {
		all, err := h.published()
		if err != nil {
			return err
		}
		got = got[:0]
		for _, e := range all {
			if e.ev.GetChildId() != childID {
				continue
			}
			s := e.subject + " " + e.ev.GetEffectiveDate() + " " + e.ev.GetAgeBand()
			if c := e.ev.GetAgeBandChanged(); c != nil {
				s += " from " + c.GetPreviousAgeBand()
			}
			if c := e.ev.GetClosed(); c != nil {
				s += " " + c.GetReason().String()
			}
			got = append(got, s)
		}
		if len(got) != want {
			return fmt.Errorf("%d events for %s, want %d: %q", len(got), childID, want, got)
		}
		return nil
	})
	return got
}

func (h *harness) careLeaver(childID, asAt string) (*careleaverv1.CareLeaver, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := h.client.GetCareLeaver(ctx, &careleaverv1.GetCareLeaverRequest{ChildId: childID, AsAtDate: asAt})
	return resp.GetCareLeaver(), err
}

// waitApplied waits until the CASELOAD consumer has handled stream
// sequence seq.
func (h *harness) waitApplied(seq uint64) {
	h.t.Helper()
	testutil.CheckFor(h.t, wait, 10*time.Millisecond, func() error {
		got, err := events.AppliedSeq(h.app.rt.DB(), ConsumerDurable)
		if err != nil {
			return err
		}
		if got < seq {
			return fmt.Errorf("consumer at %d, want %d", got, seq)
		}
		return nil
	})
}

func (h *harness) listAll() []string {
	h.t.Helper()
	resp, err := h.client.ListCareLeavers(context.Background(), &careleaverv1.ListCareLeaversRequest{PageSize: 500})
	if err != nil {
		h.t.Fatal(err)
	}
	var ids []string
	for _, c := range resp.GetCareLeavers() {
		ids = append(ids, c.GetChildId())
	}
	return ids
}

// TestRecordOpensFromCaseloadOnce is the first "done when": a
// 17-year-old's period of care ends in the real caseload service, and a
// care-leaver record appears with no call to this service, once, even when
// caseload's event is delivered again — re-published with a new
// Nats-Msg-Id (outside JetStream's duplicate window) and redelivered from
// the start of the stream after the durable consumer is reset.
func TestRecordOpensFromCaseloadOnce(t *testing.T) {
	h := newHarness(t, "2026-06-01")
	id, end := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2009-03-10", Start: "2023-05-01", End: "2026-04-20", ReasonCeased: "E4A"})
	if err := testenv.Eligible(end); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, wait, 20*time.Millisecond, func() error {
		_, err := h.careLeaver(id, "")
		return err
	})
	cl, _ := h.careLeaver(id, "")
	if !cl.GetOpen() || cl.GetOpenedDate() != "2026-04-20" || cl.GetAgeBand() != "17_18" || cl.GetReasonCareCeased() != "E4A" ||
		cl.GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_RELEVANT || cl.GetMonthOfBirth() != "2009-03" {
		t.Fatalf("record %v", cl)
	}
	want := []string{"careleaver.registered 2026-04-20 17_18"}
	if got := h.eventsOf(id, 1); !slices.Equal(got, want) {
		t.Fatalf("events %q", got)
	}

	// 1. The same message published again under a new Nats-Msg-Id: JetStream
	// stores it as a new message and the consumer's event-id check cannot
	// know it; the domain recognises the period already applied.
	ctx := context.Background()
	caseload, err := h.js.Stream(ctx, events.StreamCaseload)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := caseload.GetLastMsgForSubject(ctx, "caseload.period.ended")
	if err != nil {
		t.Fatal(err)
	}
	again := nats.NewMsg(orig.Subject)
	again.Data = orig.Data
	for k, v := range orig.Header {
		again.Header[k] = v
	}
	again.Header.Set(jetstream.MsgIDHeader, uuid.NewString())
	ack, err := h.js.PublishMsg(ctx, again)
	if err != nil || ack.Duplicate {
		t.Fatalf("re-publish: %v %+v", err, ack)
	}
	h.waitApplied(ack.Sequence)

	// 2. The durable reset: deleted and created again delivering everything
	// from the first message, while the service is down.
	h.stopApp()
	if err := h.js.DeleteConsumer(ctx, events.StreamCaseload, ConsumerDurable); err != nil {
		t.Fatal(err)
	}
	if _, err := h.js.CreateOrUpdateConsumer(ctx, events.StreamCaseload, jetstream.ConsumerConfig{
		Durable: ConsumerDurable, AckPolicy: jetstream.AckExplicitPolicy, DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubjects: caseloadSubjects, MaxDeliver: -1,
	}); err != nil {
		t.Fatal(err)
	}
	h.start()
	testutil.CheckFor(t, wait, 20*time.Millisecond, func() error {
		info, err := h.js.Consumer(ctx, events.StreamCaseload, ConsumerDurable)
		if err != nil {
			return err
		}
		if i := info.CachedInfo(); i != nil {
			if fresh, err := info.Info(ctx); err == nil && fresh.NumPending == 0 && fresh.NumAckPending == 0 && fresh.AckFloor.Stream >= ack.Sequence {
				return nil
			}
		}
		return errors.New("consumer has not caught up after the reset")
	})

	if got := h.listAll(); !slices.Equal(got, []string{id}) {
		t.Fatalf("records %v, want just %s", got, id)
	}
	// The registered event exists once on the stream (and nothing waits in
	// the outbox to add another).
	if got := h.eventsOf(id, 1); !slices.Equal(got, want) {
		t.Fatalf("events %q", got)
	}
	if n, err := h.app.rt.Relay().Depth(); err != nil || n != 0 {
		t.Fatalf("outbox depth %d %v", n, err)
	}
	if dead, err := events.DeadLetters(h.app.rt.DB(), ConsumerDurable); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters %v %v", dead, err)
	}
}

// TestThroughTheBandsToTwentyFive is the third "done when": a
// 16-year-old relevant child's record opens with no band, and the service
// itself moves them into 17_18, 19_21 and 22_25 and closes the record on
// the 25th birthday, each event once and dated the birthday, across
// restarts and a stretch of days the service was down.
func TestThroughTheBandsToTwentyFive(t *testing.T) {
	h := newHarness(t, "2026-06-01")
	id, end := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2010-01-15", Start: "2024-06-01", End: "2026-05-01", ReasonCeased: "E13"})
	if err := testenv.Eligible(end); err != nil {
		t.Fatal(err)
	}
	h.eventsOf(id, 1)
	if cl, _ := h.careLeaver(id, ""); cl.GetAgeBand() != "" || cl.GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_RELEVANT {
		t.Fatalf("a 16-year-old: %v", cl)
	}
	h.tick("2027-01-14")
	h.eventsOf(id, 1)
	h.tick("2027-01-15") // 17
	h.eventsOf(id, 2)
	h.tick("2027-01-15") // the same day again
	h.restart()          // and after a restart
	h.tick("2027-01-15")
	h.tick("2029-01-15") // 19
	h.eventsOf(id, 3)

	// Down from before the 22nd birthday until after it: the pass the
	// service runs when it starts catches up, dated the birthday.
	h.stopApp()
	h.clk.SetDate(clock.MustParseDate("2032-02-10"))
	h.start()
	h.eventsOf(id, 4)
	if cl, _ := h.careLeaver(id, ""); cl.GetAgeBand() != "22_25" || !cl.GetOpen() {
		t.Fatalf("at 22: %v", cl)
	}

	h.tick("2035-01-14") // the last day at 24
	h.eventsOf(id, 4)
	h.tick("2035-01-15") // 25
	got := h.eventsOf(id, 5)
	want := []string{
		"careleaver.registered 2026-05-01 ",
		"careleaver.age_band.changed 2027-01-15 17_18 from ",
		"careleaver.age_band.changed 2029-01-15 19_21 from 17_18",
		"careleaver.age_band.changed 2032-01-15 22_25 from 19_21",
		"careleaver.closed 2035-01-15 22_25 CLOSING_REASON_REACHED_25",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
	cl, err := h.careLeaver(id, "")
	if err != nil {
		t.Fatal(err)
	}
	if cl.GetOpen() || cl.GetClosedDate() != "2035-01-15" || cl.GetClosingReason() != careleaverv1.ClosingReason_CLOSING_REASON_REACHED_25 {
		t.Fatalf("at 25: %v", cl)
	}
	if cl, _ := h.careLeaver(id, "2035-01-14"); !cl.GetOpen() || cl.GetCategory() != careleaverv1.CareLeaverCategory_CARE_LEAVER_CATEGORY_FORMER_RELEVANT {
		t.Fatalf("the day before: %v", cl)
	}
	h.restart()
	h.tick("2035-02-01")
	h.eventsOf(id, 5)
	if got := h.listAll(); len(got) != 0 {
		t.Fatalf("open records after 25: %v", got)
	}
}

// TestReturnToCare: a care leaver who comes back into care has the record
// closed RETURNED_TO_CARE by caseload's period.started; leaving care again
// reopens it.
func TestReturnToCare(t *testing.T) {
	h := newHarness(t, "2026-06-01")
	id, _ := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2009-03-10", Start: "2023-05-01", End: "2026-03-01", ReasonCeased: "E4A"})
	h.eventsOf(id, 2)
	h.env.StartCare(t, id, "2026-04-01")
	h.eventsOf(id, 3)
	cl, err := h.careLeaver(id, "")
	if err != nil || cl.GetOpen() || cl.GetClosingReason() != careleaverv1.ClosingReason_CLOSING_REASON_RETURNED_TO_CARE || cl.GetClosedDate() != "2026-04-01" {
		t.Fatalf("after returning to care: %v %v", cl, err)
	}
	h.env.EndCare(t, id, "2026-05-15", "E4A")
	got := h.eventsOf(id, 4)
	want := []string{
		// Opened at 16 and 17 by the time the event was applied: the band
		// change is published at once, dated the birthday.
		"careleaver.registered 2026-03-01 ",
		"careleaver.age_band.changed 2026-03-10 17_18 from ",
		"careleaver.closed 2026-04-01 17_18 CLOSING_REASON_RETURNED_TO_CARE",
		"careleaver.registered 2026-05-15 17_18",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q", got)
	}
	if cl, _ := h.careLeaver(id, ""); !cl.GetOpen() || cl.GetOpenedDate() != "2026-05-15" {
		t.Fatalf("after leaving care again: %v", cl)
	}
}

// TestDateOfBirthCorrected: caseload corrects a care leaver's date of birth;
// the service hears of it (caseload.child.updated, which never carries the
// date), fetches the new date, publishes the age band it now gives, and
// its birthday clock keeps to the new date, down to the day.
func TestDateOfBirthCorrected(t *testing.T) {
	h := newHarness(t, "2026-06-01")
	id, _ := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2010-01-15", Start: "2024-06-01", End: "2026-05-01", ReasonCeased: "E13"})
	h.eventsOf(id, 1)
	if cl, _ := h.careLeaver(id, ""); cl.GetAgeBand() != "" {
		t.Fatalf("a 16-year-old: %v", cl)
	}
	correct := func(dob string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := h.env.Caseload.UpdateChild(ctx, &caseloadv1.UpdateChildRequest{
			RequestId: "dob-" + dob, ChildId: id, DateOfBirth: dob}); err != nil {
			t.Fatalf("UpdateChild: %v", err)
		}
	}
	correct("2009-01-15") // a year older: 17 today
	h.eventsOf(id, 2)
	if cl, _ := h.careLeaver(id, ""); cl.GetAgeBand() != "17_18" || !cl.GetOpen() {
		t.Fatalf("after the correction: %v", cl)
	}
	all, err := h.published()
	if err != nil {
		t.Fatal(err)
	}
	if last := all[len(all)-1].ev; last.GetMonthOfBirth() != "2009-01" {
		t.Fatalf("the band change carries month of birth %q, want 2009-01", last.GetMonthOfBirth())
	}

	// Five days later in the same month: no code changes, but the 19th
	// birthday moves with it.
	correct("2009-01-20")
	var seq uint64
	testutil.CheckFor(t, wait, 10*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := h.js.Stream(ctx, events.StreamCaseload)
		if err != nil {
			return err
		}
		m, err := st.GetLastMsgForSubject(ctx, "caseload.child.updated")
		if err != nil {
			return err
		}
		var ev caseloadv1.CaseloadEvent
		if err := proto.Unmarshal(m.Data, &ev); err != nil {
			return err
		}
		if u := ev.GetChildUpdated(); !u.GetDateOfBirthCorrected() || u.GetPreviousMonthOfBirth() != "" {
			return errors.New("the correction within the month is not in the stream yet")
		}
		seq = m.Sequence
		return nil
	})
	h.waitApplied(seq)
	h.tick("2028-01-15")
	h.eventsOf(id, 2)
	h.tick("2028-01-20")
	got := h.eventsOf(id, 3)
	want := []string{
		"careleaver.registered 2026-05-01 ",
		// Dated the correction: the band last published began later than
		// the 17th birthday the new date gives.
		"careleaver.age_band.changed 2026-06-01 17_18 from ",
		"careleaver.age_band.changed 2028-01-20 19_21 from 17_18",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n%q\nwant\n%q", got, want)
	}
}

// TestCaseloadUnreachable: when caseload cannot be reached to give the date
// of birth, the event is retried (not set aside as a dead letter) and the
// record opens once caseload is back.
func TestCaseloadUnreachable(t *testing.T) {
	h := newHarness(t, "2026-06-01")
	h.stopApp()
	id, _ := h.env.RecordLeaver(t, testenv.Leaver{DOB: "2008-12-01", Start: "2022-01-01", End: "2026-02-01", ReasonCeased: "E4A"})
	// Caseload's relay has published the end before caseload goes away.
	testutil.CheckFor(t, wait, 20*time.Millisecond, func() error {
		st, err := h.js.Stream(context.Background(), events.StreamCaseload)
		if err != nil {
			return err
		}
		_, err = st.GetLastMsgForSubject(context.Background(), "caseload.period.ended")
		return err
	})
	h.env.StopCaseload()
	h.start()
	// The consumer has the event and keeps failing to open the record.
	testutil.CheckFor(t, wait, 20*time.Millisecond, func() error {
		info, err := h.js.Consumer(context.Background(), events.StreamCaseload, ConsumerDurable)
		if err != nil {
			return err
		}
		if info.CachedInfo().Delivered.Stream == 0 {
			return errors.New("nothing delivered yet")
		}
		return nil
	})
	if _, err := h.careLeaver(id, ""); err == nil {
		t.Fatal("a record opened without a date of birth")
	}
	h.env.RestartCaseload(t)
	testutil.CheckFor(t, wait, 20*time.Millisecond, func() error {
		_, err := h.careLeaver(id, "")
		return err
	})
	h.eventsOf(id, 1)
	if dead, err := events.DeadLetters(h.app.rt.DB(), ConsumerDurable); err != nil || len(dead) != 0 {
		t.Fatalf("dead letters %v %v", dead, err)
	}
}

func TestConfig(t *testing.T) {
	if _, err := New(context.Background(), Config{BirthdayWindow: careleaver.BirthdayWindow{MonthsBefore: 13, MonthsAfter: 1}}); err == nil {
		t.Fatal("a window of 13 months accepted")
	}
	if _, err := New(context.Background(), Config{Service: service.Config{DataDir: t.TempDir()}}); err == nil {
		t.Fatal("no caseload address accepted")
	}
}
