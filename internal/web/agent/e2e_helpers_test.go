package agent_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/skipnote"
)

// The browser tests drive the workspace in headless Chromium. They run with
// `go test ./...` when a Chromium is installed (Debian: apt-get install
// chromium) and skip otherwise; DOCKET_TEST_CHROMIUM=require turns the skip
// into a failure (CI), DOCKET_TEST_CHROMIUM_PATH names the binary.

// chromiumPath finds a Chromium to drive, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	required := os.Getenv("DOCKET_TEST_CHROMIUM") == "require"
	if p := os.Getenv("DOCKET_TEST_CHROMIUM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("DOCKET_TEST_CHROMIUM_PATH: %v", err)
		}
		return p
	}
	if testing.Short() && !required {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found: install the Debian package `chromium` (or set DOCKET_TEST_CHROMIUM_PATH) to run the browser tests"
	if required {
		t.Fatal(msg + " (DOCKET_TEST_CHROMIUM=require)")
	}
	skipnote.Skip(t, "browser tests", "no Chromium found",
		"install the Debian package chromium or set DOCKET_TEST_CHROMIUM_PATH; DOCKET_TEST_CHROMIUM=require makes this a failure")
	return ""
}

// chrome is one headless Chromium process for a test. Its tabs are made in
// separate browser contexts, so each has its own cookies: one signed-in
// agent per tab.
type chrome struct {
	t   *testing.T
	ctx context.Context // the browser's context
}

// newChrome starts Chromium; it is closed when the test ends. Every action
// of the test must finish within limit.
func newChrome(t *testing.T, limit time.Duration) *chrome {
	t.Helper()
	path := chromiumPath(t)
	dir, err := os.MkdirTemp("", "docket-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 800),
	)
	// The deadline bounds the whole test, browser included: a hung page
	// fails the test instead of hanging `go test`.
	dctx, dcancel := context.WithTimeout(context.Background(), limit)
	actx, acancel := chromedp.NewExecAllocator(dctx, opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		defer ccancel()
		chromedp.Cancel(cctx)
		cancel()
		acancel()
		dcancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return &chrome{t: t, ctx: ctx}
}

// tab is one page of the browser with its own cookie jar, recording what
// the page writes to its console.
type tab struct {
	name string
	base string // the server's origin
	ctx  context.Context

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
	// leaveAsked counts the times the page asked before being left
	// (beforeunload, with unsent text): the tab says yes, so that a test
	// moving on never hangs on the question.
	leaveAsked int
}

// tab opens a new page in a new browser context (no shared cookies).
func (c *chrome) tab(name, base string) *tab {
	c.t.Helper()
	ctx, cancel := chromedp.NewContext(c.ctx, chromedp.WithNewBrowserContext())
	c.t.Cleanup(cancel)
	tb := &tab{name: name, base: base, ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m)
			tb.mu.Unlock()
		}
	}()
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			if ev.Type != page.DialogTypeBeforeunload {
				continue // other dialogs are the test's to answer
			}
			tb.mu.Lock()
			tb.leaveAsked++
			tb.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	if err := chromedp.Do(ctx); err != nil {
		c.t.Fatalf("%s: open tab: %v", name, err)
	}
	return tb
}

// askedToLeave is how often the page asked before being left.
func (tb *tab) askedToLeave() int {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return tb.leaveAsked
}

// do runs steps, failing the test with what went wrong and where.
func (tb *tab) do(t *testing.T, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.fail(t, what, err)
	}
}

func (tb *tab) fail(t *testing.T, what string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	t.Fatalf("%s: %s: %v (page %s)", tb.name, what, err, loc)
}

// eval evaluates a JavaScript expression.
func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.fail(t, "evaluate "+js, err)
	}
	return v
}

// waitJS polls until the expression is truthy, for at most 10 seconds. A
// navigation meanwhile (a form being submitted) restarts the poll on the new
// page.
func (tb *tab) waitJS(t *testing.T, what, js string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(time.Until(deadline)),
			chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		// A navigation shows as "navigated or closed", or, when it lands
		// between two polls, as a lost execution context.
		moved := strings.Contains(err.Error(), "navigated or closed") || strings.Contains(err.Error(), "Cannot find context")
		if !moved || time.Now().After(deadline) {
			tb.fail(t, "waiting for "+what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// open navigates to a path of the server and waits for sel.
func (tb *tab) open(t *testing.T, path, sel string) {
	t.Helper()
	tb.do(t, "open "+path, chromedp.Navigate(tb.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// location is the page's URL relative to the server.
func (tb *tab) location(t *testing.T) string {
	t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.fail(t, "location", err)
	}
	return strings.TrimPrefix(loc, tb.base)
}

func (tb *tab) text(t *testing.T, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.fail(t, "text of "+sel, err)
	}
	return s
}

// signIn signs in through the form and waits for the page after it.
func (tb *tab) signIn(t *testing.T, email, password, next, waitFor string) {
	t.Helper()
	path := "/login"
	if next != "" {
		path += "?next=" + strings.ReplaceAll(next, "?", "%3F")
	}
	tb.do(t, "sign in",
		chromedp.Navigate(tb.base+path),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#signin")),
		chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// sameOrigin fails the test when the page loaded anything from another
// host: the workspace must work offline, behind a firewall, with no CDN.
func (tb *tab) sameOrigin(t *testing.T) {
	t.Helper()
	urls := eval[[]string](t, tb, `[location.href].concat(performance.getEntriesByType("navigation").map(e => e.name),
		performance.getEntriesByType("resource").map(e => e.name))`)
	for _, u := range urls {
		if !strings.HasPrefix(u, tb.base+"/") {
			t.Errorf("%s: the page at %s requested %s, outside %s", tb.name, tb.location(t), u, tb.base)
		}
	}
}

// consoleErrors lists what the page reported as errors so far: uncaught
// exceptions, console.error calls and the browser's error log (failed
// requests among them). Entries that match one of allowed are expected.
func (tb *tab) consoleErrors(allowed ...string) []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
next:
	for _, m := range tb.console {
		if !m.IsException() && m.Type != chromedp.ConsoleError && m.Type != "assert" {
			continue
		}
		s := m.String()
		if m.URL != "" {
			s += " (" + m.URL + ")"
		}
		for _, a := range append(allowed, alwaysAllowed...) {
			if strings.Contains(s, a) {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// alwaysAllowed are console errors every page may have (none: the layout
// declares an empty icon, so the browser asks for no /favicon.ico).
var alwaysAllowed []string

// noConsoleErrors fails the test if the page reported errors.
func (tb *tab) noConsoleErrors(t *testing.T, allowed ...string) {
	t.Helper()
	// Let late messages (a failed fetch) arrive.
	time.Sleep(100 * time.Millisecond)
	for _, s := range tb.consoleErrors(allowed...) {
		t.Errorf("%s: console: %s", tb.name, s)
	}
}

// saveScreenshots writes what the tab shows to dir as base.png (the
// viewport) and base-full.png (the whole page).
func (tb *tab) saveScreenshots(t *testing.T, dir, base string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct {
		file string
		act  chromedp.Action[[]byte]
	}{{base + ".png", chromedp.CaptureScreenshot()}, {base + "-full.png", chromedp.FullScreenshot(100)}} {
		file := filepath.Join(dir, shot.file)
		png, err := chromedp.Run(tb.ctx, shot.act)
		if err != nil {
			t.Fatalf("screenshot %s: %v", file, err)
		}
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("saved %s", file)
	}
}
