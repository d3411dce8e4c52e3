package skipnote

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type buffer struct{ bytes.Buffer }

func (*buffer) Close() error { return nil }

func TestNoteOncePerSuite(t *testing.T) {
	var out buffer
	uncached := 0
	oldTerminal, oldUncache := terminal, keepOutOfCache
	terminal = func() (io.WriteCloser, error) { return &out, nil }
	keepOutOfCache = func() { uncached++ }
	t.Cleanup(func() { terminal, keepOutOfCache = oldTerminal, oldUncache })
	Note("imaginary tests", "nothing imaginary here", "install imagination")
	Note("imaginary tests", "nothing imaginary here", "install imagination")
	Note("other tests", "no others", "make some")
	want := "skipped in internal/skipnote: imaginary tests (nothing imaginary here); install imagination\n" +
		"skipped in internal/skipnote: other tests (no others); make some\n"
	if out.String() != want {
		t.Fatalf("wrote %q, want %q", out.String(), want)
	}
	if uncached != 2 {
		t.Fatalf("kept out of the test cache %d times, want once per line", uncached)
	}
}

// TestGoTestShowsSkippedSuites runs `go test` on a package whose suite
// skips, in a terminal as a developer would, twice: both times the output
// names the skipped suite, once, and the second run is not "(cached)".
func TestGoTestShowsSkippedSuites(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test in a terminal")
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("needs script(1) from util-linux for a terminal")
	}
	root, _ := moduleRoot()
	for run := 1; run <= 2; run++ {
		cmd := exec.Command(script, "-qec", "go test ./internal/skipnote/testdata/skipper", "/dev/null")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out)
		}
		s := strings.ReplaceAll(string(out), "\r", "")
		line := "skipped in internal/skipnote/testdata/skipper: imaginary tests (nothing imaginary is installed); install imagination\n"
		if strings.Count(s, line) != 1 || !strings.Contains(s, "ok  \tgithub.com/docket/docket/internal/skipnote/testdata/skipper") {
			t.Fatalf("run %d of go test printed:\n%s\nwant the line %q once and the package ok", run, s, line)
		}
		if strings.Contains(s, "(cached)") {
			t.Fatalf("run %d was answered from the test cache, without the note:\n%s", run, s)
		}
	}
	st, err := os.Stat(filepath.Join(root, StampFile))
	if err != nil || !st.ModTime().After(time.Now().Add(time.Hour)) {
		t.Fatalf("no stamp dated in the future at the module root: %v", err)
	}
}
