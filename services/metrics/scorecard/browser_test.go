package scorecard

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findChromium returns the headless browser the browser test drives. It
// FAILS (never skips) when there is none: the page is part of the product.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CP_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the scorecard's browser test needs Chromium and none was found on PATH " +
		"(looked for chromium, chromium-browser, google-chrome, headless-shell; or set CP_CHROMIUM). " +
		"On Debian: apt-get install -y chromium")
	return ""
}

// artifactsDir is where the test's screenshots go: $CP_ARTIFACTS_DIR, else a
// temporary directory.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CP_ARTIFACTS_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func saveArtifact(t *testing.T, dir, name string, png []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestBrowserShowsLiveFigures opens the page in headless Chromium, reads the
// figures off the page, pushes a change through the metrics (test double's)
// Watch stream and sees the page change without a reload.
func TestBrowserShowsLiveFigures(t *testing.T) {
	chrome := findChromium(t)
	dir := artifactsDir(t)

	f := newFakeMetrics()
	_, ts := startScorecard(t, f.start(t), Options{})

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox, // CI containers run as root
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browserCtx); err != nil { // start the browser with no deadline
		t.Fatalf("starting %s: %v", chrome, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second) // a guard; a run takes ~5–10 s
	defer cancel()

	const (
		fosterValue  = `[data-key="placement_foster/dfe/all"] .js-value`
		fosterCounts = `[data-key="placement_foster/dfe/all"] .js-counts`
		claValue     = `[data-key="cla_count/dfe/all"] .js-value`
		eetLocal     = `[data-key="care_leavers_eet/local/all"]`
		eetDfE       = `[data-key="care_leavers_eet/dfe/all"]`
	)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#card-placement_foster`)),
		// The script has connected to /events and the upstream stream is up.
		chromedp.WaitVisible(chromedp.CSS(`#status[data-state="live"]`)),
	); err != nil {
		t.Fatalf("opening the page: %v", err)
	}

	// Figures as a Board member reads them.
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "as at 31 March 2026") {
		t.Errorf("title %q", title)
	}
	if got := text("h1"); !strings.Contains(got, "Corporate Parenting Board scorecard") || !strings.Contains(got, "31 March 2026") {
		t.Errorf("heading %q", got)
	}
	if got := text(claValue); got != "662" {
		t.Errorf("children looked after %q, want 662", got)
	}
	if got, counts := text(fosterValue), text(fosterCounts); got != "75.8%" || counts != "502 of 662" {
		t.Errorf("foster care %q %q, want 75.8%% and 502 of 662", got, counts)
	}
	if got := text(eetLocal); !strings.Contains(got, "of those in touch") || !strings.Contains(got, "62.2%") || !strings.Contains(got, "171 of 275") {
		t.Errorf("EET (local) reads %q", got)
	}
	if got := text(eetDfE); !strings.Contains(got, "of all care leavers (DfE definition)") || !strings.Contains(got, "59.0%") {
		t.Errorf("EET (DfE) reads %q", got)
	}
	if got := text(`#card-placement_foster .compare`); !strings.Contains(got, "12 months ago") || !strings.Contains(got, "England, 2025") {
		t.Errorf("foster comparisons read %q", got)
	}

	// Mark this page load: a reload would lose the mark.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__sameLoad = "yes"`)); err != nil {
		t.Fatal(err)
	}

	seq := f.push(fosterChange()...)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector('[data-key="placement_foster/dfe/all"] .js-value').textContent === "75.9%"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the page did not show the change: %v", err)
	}
	if got, counts := text(fosterValue), text(fosterCounts); got != "75.9%" || counts != "503 of 663" {
		t.Errorf("after the change: foster %q %q, want 75.9%% and 503 of 663", got, counts)
	}
	if got := text(claValue); got != "663" {
		t.Errorf("after the change: children looked after %q, want 663", got)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		String(window.__sameLoad),
		document.body.dataset.sequence,
		String(document.getElementById('card-placement_foster').classList.contains('updated')),
		String(document.getElementById('card-placement_for_adoption').classList.contains('updated')),
		document.getElementById('announcer').textContent
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if state[0] != "yes" {
		t.Error("the page reloaded to show the change")
	}
	if state[1] != formatUint(seq) {
		t.Errorf("page sequence %s, want %d", state[1], seq)
	}
	if state[2] != "true" || state[3] != "false" {
		t.Errorf("highlight: changed card %s, unchanged card %s", state[2], state[3])
	}
	if !strings.Contains(state[4], "Placed in foster care is now 75.9%, 503 of 663") {
		t.Errorf("announcement %q", state[4])
	}

	// Screenshots: the view as it updates (1280×800), then the whole page
	// once settled, then a narrow screen.
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, dir, "scorecard-updating.png", shot)
	// Settle the highlight rather than wait out its 2.8 s.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll('.card.updated').forEach(function (c) { c.classList.remove('updated'); })`)); err != nil {
		t.Fatal(err)
	}
	full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, dir, "scorecard.png", full)

	// The age bands open from their card.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#card-care_leavers_eet details.bands summary`))); err != nil {
		t.Fatal(err)
	}
	if got := text(`#card-care_leavers_eet details.bands table`); !strings.Contains(got, "Aged 19–21") || !strings.Contains(got, "England, 2025: 54%") {
		t.Errorf("EET by age reads %q", got)
	}
	card, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`#card-care_leavers_eet`)))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, dir, "scorecard-by-age.png", card)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	narrow, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, dir, "scorecard-narrow.png", narrow)
}

func formatUint(n uint64) string {
	return strconv.FormatUint(n, 10)
}
