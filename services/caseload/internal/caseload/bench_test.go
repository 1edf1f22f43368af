package caseload_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corporate-parenting/suite/services/caseload/internal/caseload"
)

// BenchmarkDurableRegister is the write path without gRPC: 64 goroutines
// register children through the domain and the store, each write fsynced
// (group commit) with its outbox row before it returns.
//
//	go test -run '^$' -bench DurableRegister -benchtime 20000x ./internal/caseload/
func BenchmarkDurableRegister(b *testing.B) {
	f := newFixture(b)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 64 {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				err := f.write(func(tx caseload.MilestoneTx) error {
					_, err := f.svc.Register(tx, caseload.Registration{LAChildID: fmt.Sprint("LA-", n), GivenName: "B",
						FamilyName: "M", DOB: d("2012-01-02"), Sex: "M", Ethnicity: "WBRI"})
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "writes/s")
}

// BenchmarkLegalCategoryOn is the in-memory legal category of a child with
// three periods of care.
func BenchmarkLegalCategoryOn(b *testing.B) {
	c := &caseload.Child{DOB: d("2008-09-10")}
	for i, start := range []string{"2018-01-01", "2020-01-01", "2022-03-01"} {
		p := caseload.Period{ID: fmt.Sprint("p", i), Start: d(start), CategoryOfNeed: "N1",
			Spells: []caseload.Spell{{LegalStatus: "C1", Start: d(start)}, {LegalStatus: "C2", Start: d(start).AddDays(40)}}}
		if i < 2 {
			p.End, p.ReasonCeased = d(start).AddDays(300), "E4A"
		}
		c.Periods = append(c.Periods, p)
	}
	on := d("2025-01-01")
	b.ReportAllocs()
	for b.Loop() {
		if cat := caseload.LegalCategoryOn(c, on); cat.LeavingCare != caseload.Eligible {
			b.Fatal(cat)
		}
	}
}
