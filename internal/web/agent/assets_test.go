package agent

import (
	"io/fs"
	"strings"
	"testing"
)

// TestStylesheetsBalanceTheirBraces: a rule block left open swallows every
// rule after it (a merge once dropped the closing brace of an @media
// block, and the ticket page's overdue SLA clock stopped turning red).
func TestStylesheetsBalanceTheirBraces(t *testing.T) {
	err := fs.WalkDir(assetFiles, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".css") {
			return err
		}
		b, err := fs.ReadFile(assetFiles, path)
		if err != nil {
			return err
		}
		depth := 0
		for i, line := range strings.Split(string(b), "\n") {
			depth += strings.Count(line, "{") - strings.Count(line, "}")
			if depth < 0 {
				t.Fatalf("%s:%d: a closing brace with no block open", path, i+1)
			}
			if depth > 1 && strings.HasPrefix(line, "@media") {
				t.Errorf("%s:%d: an @media block inside another block (one left open?)", path, i+1)
			}
		}
		if depth != 0 {
			t.Errorf("%s: %d block(s) left open at the end", path, depth)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
