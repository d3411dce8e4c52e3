package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
)

// fieldMark moves with every change of a custom field or of a category
// (a field names its category): the field cache's check.
type fieldMark [4]int64

// newFieldCache returns the cache of the custom field definitions, which
// every agent's read of a ticket or a list consults (MissingFields):
// dropped by their events and their categories', appended here or read by
// p from another instance.
func (s *Service) newFieldCache(p *event.Pump) *event.Cached[fieldMark, []*FieldDef] {
	return event.NewCached(s.events, p, changesFields,
		func(ctx context.Context, q db.Queryer) (fieldMark, error) {
			var m fieldMark
			if err := q.QueryRowContext(ctx, s.q.Get("custom-fields-mark")).Scan(&m[0], &m[1], &m[2], &m[3]); err != nil {
				return m, fmt.Errorf("ticket: custom fields: %w", err)
			}
			return m, nil
		},
		func(ctx context.Context, q db.Queryer, _ fieldMark) ([]*FieldDef, error) { return s.fieldDefs(ctx, q) })
}

// txDefsKey keeps a transaction's custom field definitions (txFieldDefs).
type txDefsKey struct{}

// txFieldDefs returns the custom field definitions as tx sees them, read
// once in it: a group's batch of creates shares one read (a query of every
// definition and its category, 5 % of SQLite's writer time under c=32
// creates). A change of a field or a category in tx drops them
// (forgetFieldDefs), as does a savepoint's rollback. Callers must not
// change them.
func (s *Service) txFieldDefs(ctx context.Context, tx *db.Tx) ([]*FieldDef, error) {
	if defs, ok := tx.Kept(txDefsKey{}).([]*FieldDef); ok {
		return defs, nil
	}
	defs, err := s.fieldDefs(ctx, tx)
	if err != nil {
		return nil, err
	}
	tx.Keep(txDefsKey{}, defs)
	return defs, nil
}

// forgetFieldDefs is the event log's OnAppend: a transaction that changes
// a field or a category reads the definitions again.
func forgetFieldDefs(tx *db.Tx, kind string) {
	if changesFields(kind) {
		tx.Forget(txDefsKey{})
	}
}

func changesFields(kind string) bool {
	return strings.HasPrefix(kind, "custom_field.") || strings.HasPrefix(kind, "category.")
}

// cachedFieldDefs returns every custom field definition from the cache;
// callers must not change them. Inside a transaction they are read in it
// instead: it may have written them, and the cache learns of that only
// when it commits.
func (s *Service) cachedFieldDefs(ctx context.Context) ([]*FieldDef, error) {
	if db.InTx(ctx) {
		return s.fieldDefs(ctx, s.db.R)
	}
	return s.fields.Get(ctx, s.db.R, false)
}

// clone returns a copy of d that shares nothing with it.
func (d *FieldDef) clone() *FieldDef {
	c := *d
	c.Options = slices.Clone(d.Options)
	if d.Category != nil {
		r := *d.Category
		c.Category = &r
	}
	return &c
}
