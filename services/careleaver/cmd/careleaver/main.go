// Command careleaver runs the care-leaver service: care leavers up to 25,
// their personal advisers, pathway plans, keeping-in-touch contacts and the
// Local Offer, over gRPC, with its events on NATS JetStream. Records open by
// themselves when the caseload service reports that an eligible young
// person's care ended.
//
// Every flag falls back to an environment variable (CP_CARELEAVER_<FLAG>;
// for the NATS URL also CP_NATS_URL, for the caseload address also
// CP_CASELOAD_ADDR); run with -h for the list.
package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	// The council's zone, Europe/London, in a FROM scratch image.
	_ "time/tzdata"

	"github.com/corporate-parenting/suite/pkg/service"

	"github.com/corporate-parenting/suite/services/careleaver/app"
	"github.com/corporate-parenting/suite/services/careleaver/internal/careleaver"
)

func main() {
	service.Main(app.Name, func(ctx context.Context, args []string, stderr io.Writer) error {
		return run(ctx, args, stderr, nil)
	})
}

// run parses args and runs the service until ctx ends (service.Command).
// started, if not nil, is called with the opened App before it serves
// (tests learn its address).
func run(ctx context.Context, args []string, stderr io.Writer, started func(*app.App)) error {
	return service.Command(ctx, args, func(args []string) (app.Config, *service.Flags, error) { return parse(args, stderr) }, app.New, started)
}

// parse reads the flags and environment into the service's Config.
func parse(args []string, stderr io.Writer) (app.Config, *service.Flags, error) {
	f := service.NewFlags(app.Name, service.FlagDefaults{GRPCAddr: "127.0.0.1:7103", HTTPAddr: "127.0.0.1:7193", Stream: "CARELEAVER"}, stderr)
	fs := f.FlagSet()
	caseloadAddr := fs.String("caseload-addr", "127.0.0.1:7101", "the caseload service's gRPC address", "CP_CASELOAD_ADDR")
	caseloadTimeout := fs.Duration("caseload-timeout", 2*time.Second, "deadline of each call to caseload, retries included")
	window := windowFlag(careleaver.DefaultBirthdayWindow)
	fs.Var(&window, "birthday-window", "months before,after the latest birthday in which a contact is the birthday contact")
	birthdays := fs.Duration("birthday-interval", app.DefaultBirthdayInterval, "how often the birthday clock looks for a new day")
	batchDelay := fs.Duration("batch-delay", app.DefaultMaxBatchDelay, "bbolt group-commit delay")
	batchSize := fs.Int("batch-size", app.DefaultMaxBatchSize, "bbolt group-commit size")
	svc, err := f.Parse(args, "caseload-addr", "birthday-window")
	if err != nil {
		return app.Config{}, f, err
	}
	return app.Config{
		Service:          svc,
		CaseloadAddr:     *caseloadAddr,
		CaseloadTimeout:  *caseloadTimeout,
		BirthdayWindow:   careleaver.BirthdayWindow(window),
		BirthdayInterval: *birthdays,
		MaxBatchDelay:    *batchDelay,
		MaxBatchSize:     *batchSize,
	}, f, nil
}

// windowFlag is the -birthday-window flag: "BEFORE,AFTER" in months, e.g.
// "3,1" for three months before to one month after the birthday.
type windowFlag careleaver.BirthdayWindow

func (w *windowFlag) String() string { return fmt.Sprintf("%d,%d", w.MonthsBefore, w.MonthsAfter) }

func (w *windowFlag) Set(s string) error {
	before, after, ok := strings.Cut(s, ",")
	b, err1 := strconv.Atoi(strings.TrimSpace(before))
	a, err2 := strconv.Atoi(strings.TrimSpace(after))
	v := careleaver.BirthdayWindow{MonthsBefore: b, MonthsAfter: a}
	if !ok || err1 != nil || err2 != nil || !v.Valid() {
		return fmt.Errorf("want MONTHS_BEFORE,MONTHS_AFTER, each 0 to %d", careleaver.MaxWindowMonths)
	}
	*w = windowFlag(v)
	return nil
}
