package ticket

import (
	"context"
	"errors"
	"testing"
)

// TestRememberReadsOncePerImport: a hook's read is remembered for one
// Importer.Write and never outside one, and a failed read is not kept.
func TestRememberReadsOncePerImport(t *testing.T) {
	type key struct{}
	reads := 0
	read := func() (int, error) { reads++; return reads, nil }
	ctx := context.Background()
	for range 3 {
		if _, err := Remember(ctx, key{}, read); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 3 {
		t.Errorf("outside an import: %d reads for 3 calls, want 3", reads)
	}
	reads = 0
	imp := withImportMemo(ctx)
	fail := errors.New("no")
	if _, err := Remember(imp, key{}, func() (int, error) { return 0, fail }); !errors.Is(err, fail) {
		t.Fatalf("a failed read: %v", err)
	}
	for range 3 {
		if v, err := Remember(imp, key{}, read); err != nil || v != 1 {
			t.Fatalf("in an import: %d, %v; want the first read, 1", v, err)
		}
	}
	if v, _ := Remember(withImportMemo(ctx), key{}, read); v != 2 {
		t.Errorf("the next import's first call gave %d, want a new read (2)", v)
	}
}
