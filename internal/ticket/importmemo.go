package ticket

import (
	"context"
	"sync"
)

// An Importer's transaction writes its tickets and nothing else (Write runs
// alone in it), so what a write hook reads of the desk around them — whether
// any SLA policy applies, say — is the same for every ticket of the batch.
// Remember lets a hook read it once per Write instead of once per ticket
// and message: the outgoing mail hook, before, listed the mailboxes 390,000
// times for 100,000 seeded tickets, 2.2 of the writer's 21 seconds (the
// mailboxes are now kept by any transaction, mailbox.ListKept, which
// forgets them when one changes). Outside an import Remember reads every
// time: a service write's transaction may share its commit with other
// writes (db.WithTx), one of which could change what was read.

// importMemo is what hooks remembered during one Importer.Write.
type importMemo struct {
	mu   sync.Mutex
	vals map[any]any
}

type importMemoKey struct{}

// withImportMemo returns ctx carrying a new memo for one Write.
func withImportMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, importMemoKey{}, &importMemo{vals: map[any]any{}})
}

// Remember returns read's value: during an Importer's Write the value read
// first under key (a comparable type of the caller's own), else read's.
// read's value must not be changed by its callers.
func Remember[T any](ctx context.Context, key any, read func() (T, error)) (T, error) {
	m, _ := ctx.Value(importMemoKey{}).(*importMemo)
	if m == nil {
		return read()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.vals[key]; ok {
		return v.(T), nil
	}
	v, err := read()
	if err == nil {
		m.vals[key] = v
	}
	return v, err
}

// Importing reports whether ctx is an Importer's Write's: the tickets it
// writes are all new, created by this Write and by nothing else, and no
// create hook (BeforeCreate) has run on them.
func Importing(ctx context.Context) bool {
	_, ok := ctx.Value(importMemoKey{}).(*importMemo)
	return ok
}
