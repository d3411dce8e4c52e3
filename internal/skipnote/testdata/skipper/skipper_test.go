// Package skipper is a test package whose one suite always skips, for
// skipnote's own test.
package skipper

import (
	"testing"

	"github.com/docket/docket/internal/skipnote"
)

func TestSkipsOne(t *testing.T) {
	skipnote.Skip(t, "imaginary tests", "nothing imaginary is installed", "install imagination")
}

func TestSkipsTwo(t *testing.T) {
	skipnote.Skip(t, "imaginary tests", "nothing imaginary is installed", "install imagination")
}

func TestRuns(t *testing.T) {}
