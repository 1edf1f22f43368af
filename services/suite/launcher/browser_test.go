package launcher_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	caseloadv1 "github.com/corporate-parenting/suite/pkg/gen/caseload/v1"
	placementv1 "github.com/corporate-parenting/suite/pkg/gen/placement/v1"
)

// chromiumPath finds the browser; the test FAILS without one (the page is
// part of the product; .ci/run installs Debian's chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium on PATH (apt-get install -y chromium, or set CP_CHROMIUM)")
	return ""
}

// The Board scorecard served by the real suite: the page shows the figures,
// a placement recorded through the placement service's gRPC API changes the
// page without a reload, and a screenshot is kept as an artifact.
func TestScorecardPageFollowsARealPlacement(t *testing.T) {
	chrome := chromiumPath(t)
	r := startSuite(t, t.TempDir())
	ctx := context.Background()
	caseload := caseloadv1.NewCaseloadServiceClient(dial(t, r.suite.Addr("caseload")))
	placement := placementv1.NewPlacementServiceClient(dial(t, r.suite.Addr("placement")))

	place := func(la, dob, start, typ, provider, urn string) {
		t.Helper()
		c, err := caseload.RegisterChild(ctx, &caseloadv1.RegisterChildRequest{
			RequestId: "reg-" + la, LaChildId: la, GivenName: "Synthetic", FamilyName: la,
			DateOfBirth: dob, Sex: "M", Ethnicity: "WBRI",
		})
		if err != nil {
			t.Fatalf("RegisterChild: %v", err)
		}
		if _, err := caseload.StartPeriodOfCare(ctx, &caseloadv1.StartPeriodOfCareRequest{
			RequestId: "start-" + la, ChildId: c.Child.ChildId, StartDate: start, LegalStatus: "C2", CategoryOfNeed: "N1",
		}); err != nil {
			t.Fatalf("StartPeriodOfCare: %v", err)
		}
		if _, err := placement.StartPlacement(ctx, &placementv1.StartPlacementRequest{
			RequestId: "pl-" + la, ChildId: c.Child.ChildId, StartDate: start,
			Details: &placementv1.PlacementDetails{PlacementType: typ, Provider: provider, Urn: urn, CarerId: "carer-" + la, PlacementLocalAuthority: "E08000026"},
		}); err != nil {
			t.Fatalf("StartPlacement: %v", err)
		}
	}
	place("P1", "2014-03-03", "2026-01-10", "U4", "PR1", "SC200001")

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.WindowSize(1280, 800), chromedp.Flag("disable-gpu", true))...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", chrome, err)
	}
	bctx, cancel := context.WithTimeout(browser, 60*time.Second)
	defer cancel()

	const cla = `document.querySelector('[data-key="cla_count/dfe/all"] .js-value').textContent.trim()`
	if err := chromedp.Do(bctx,
		chromedp.Navigate("http://"+r.suite.HTTPAddr("metrics")+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#status[data-state="live"]`)),
	); err != nil {
		t.Fatalf("opening the scorecard: %v", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](cla+` === "1"`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		got, _ := chromedp.Run(bctx, chromedp.Evaluate[string](cla))
		t.Fatalf("children looked after on the page: %q, want 1 (%v)", got, err)
	}
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`window.__sameLoad = "yes"`)); err != nil {
		t.Fatal(err)
	}

	// A second child placed in a children's home, through gRPC.
	place("P2", "2011-07-07", "2026-02-01", "K2", "PR4", "SC200002")

	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](cla+` === "2"`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the page did not show the new placement: %v", err)
	}
	homes, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`[data-key="placement_childrens_homes/dfe/all"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(homes, "1 of 2") {
		t.Errorf("children's homes card reads %q, want it to show 1 of 2", homes)
	}
	same, err := chromedp.Run(bctx, chromedp.Evaluate[string](`String(window.__sameLoad)`))
	if err != nil || same != "yes" {
		t.Errorf("the page reloaded (mark %q, %v): it must update in place", same, err)
	}

	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("CP_ARTIFACTS_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scorecard-suite.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
