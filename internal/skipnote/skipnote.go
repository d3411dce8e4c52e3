// Package skipnote makes a test suite that cannot run here say so where a
// developer sees it. `go test ./...` shows a passing package as a single
// "ok" line and throws away what its tests printed — t.Skip messages and
// stderr included — so without PostgreSQL or Chromium installed every
// package looked fine while whole suites never ran.
//
// Skip skips the test and, once per test process (that is, per package) and
// suite, writes one line naming the package, the suite, why it skipped and
// how to run it. The line goes to the terminal (/dev/tty), which go test
// does not capture, or to stderr when there is no terminal (it then shows
// with -v, or when the package fails). A run that skipped a suite is not
// cached, so the line comes back on every run until the suite can run.
package skipnote

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	mu    sync.Mutex
	noted = map[string]bool{}
)

// Skip skips t: suite (such as "PostgreSQL tests") cannot run because of
// why, and enable says how to make it run.
func Skip(t testing.TB, suite, why, enable string) {
	t.Helper()
	Note(suite, why, enable)
	t.Skipf("%s skipped: %s; %s", suite, why, enable)
}

// Note writes the line for suite once per test process, without skipping
// anything.
func Note(suite, why, enable string) {
	mu.Lock()
	defer mu.Unlock()
	if noted[suite] {
		return
	}
	noted[suite] = true
	line := fmt.Sprintf("skipped in %s: %s (%s); %s\n", pkg(), suite, why, enable)
	var w io.Writer = os.Stderr
	if tty, err := terminal(); err == nil {
		defer tty.Close()
		w = tty
	}
	fmt.Fprint(w, line)
	keepOutOfCache()
}

// terminal opens the terminal go test runs in, and keepOutOfCache is
// uncache; skipnote's own tests replace them.
var (
	terminal       = func() (io.WriteCloser, error) { return os.OpenFile("/dev/tty", os.O_WRONLY, 0) }
	keepOutOfCache = uncache
)

// moduleRoot is the directory of the go.mod above the test's working
// directory (go test runs a test binary in its package's directory).
func moduleRoot() (root, wd string) {
	wd, err := os.Getwd()
	if err != nil {
		return "", ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, wd
		}
		if filepath.Dir(dir) == dir {
			return "", wd
		}
	}
}

// pkg names the package under test by its directory in the module.
func pkg() string {
	root, wd := moduleRoot()
	if rel, err := filepath.Rel(root, wd); root != "" && err == nil && rel != "." {
		return filepath.ToSlash(rel)
	}
	if wd == "" {
		return "this package"
	}
	return filepath.Base(wd)
}

// StampFile is written at the module root by a run that skipped a suite
// (it is in .gitignore).
const StampFile = ".go-test-skipped"

// uncache keeps go test from caching this run, so the line is not hidden
// behind "(cached)" next time. The go command does not cache a test run
// that read a file of the module dated "too recently" (its guard against
// coarse file times), and a file dated in the future always is; files
// outside the module it does not look at.
func uncache() {
	root, _ := moduleRoot()
	if root == "" {
		return
	}
	stamp := filepath.Join(root, StampFile)
	if err := os.WriteFile(stamp, []byte("A test run skipped a suite; see internal/skipnote. Safe to delete.\n"), 0o644); err != nil {
		return
	}
	future := time.Now().Add(365 * 24 * time.Hour)
	_ = os.Chtimes(stamp, future, future)
	if f, err := os.Open(stamp); err == nil {
		f.Close()
	}
}
