package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// FieldType is the kind of value a custom field holds.
type FieldType string

// The custom field types.
const (
	FieldText     FieldType = "text"
	FieldNumber   FieldType = "number"
	FieldDate     FieldType = "date"
	FieldSelect   FieldType = "select"
	FieldCheckbox FieldType = "checkbox"
)

// Valid reports whether t is a known field type.
func (t FieldType) Valid() bool {
	switch t {
	case FieldText, FieldNumber, FieldDate, FieldSelect, FieldCheckbox:
		return true
	}
	return false
}

// FieldDef defines a custom field. It applies to every ticket, or only to
// one type and/or one category.
type FieldDef struct {
	ID       int64
	Key      string
	Label    string
	Type     FieldType
	Options  []string
	Required bool
	// RequesterVisible shows the field to requesters: in the portal's form
	// (where they fill it, required or not) and on their ticket page.
	RequesterVisible bool
	TicketType       Type // "" = every type
	Category         *Ref // nil = every category
	Position         int
	Active           bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// MaxFieldText bounds a text custom field's value.
const MaxFieldText = 2000

var fieldKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Applies reports whether d is a field of tickets of type typ in category cat.
func (d *FieldDef) Applies(typ Type, cat int64) bool {
	if !d.Active {
		return false
	}
	if d.TicketType != "" && d.TicketType != typ {
		return false
	}
	return d.Category == nil || d.Category.ID == cat
}

// normalize checks v against the field's type and returns the stored form.
func (d *FieldDef) normalize(v any) (any, string) {
	switch d.Type {
	case FieldText:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if utf8.RuneCountInString(s) > MaxFieldText || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return nil, fmt.Sprintf("must be text of at most %d characters", MaxFieldText)
		}
		return s, ""
	case FieldNumber:
		var f float64
		switch n := v.(type) {
		case float64:
			f = n
		case json.Number:
			var err error
			if f, err = n.Float64(); err != nil {
				return nil, "must be a number"
			}
		case int:
			f = float64(n)
		case int64:
			f = float64(n)
		default:
			return nil, "must be a number"
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "must be a finite number"
		}
		return f, ""
	case FieldDate:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		return s, ""
	case FieldSelect:
		s, ok := v.(string)
		if !ok {
			return nil, "must be one of: " + strings.Join(d.Options, ", ")
		}
		for _, o := range d.Options {
			if o == s {
				return s, ""
			}
		}
		return nil, "must be one of: " + strings.Join(d.Options, ", ")
	case FieldCheckbox:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be true or false"
		}
		return b, ""
	}
	return nil, "has an unknown type"
}

// applyCustomFields merges patch into current (a nil value removes the
// key), validates every value and checks required fields for the ticket's
// type and category. Field errors are added to inv.
func applyCustomFields(inv *fault.Invalid, defs []*FieldDef, typ Type, cat int64, current, patch map[string]any, checkRequired bool) map[string]any {
	return applyFields(inv, defs, typ, cat, current, patch, checkRequired, false)
}

// applyFields is applyCustomFields; with requester set, only the fields
// shown to requesters may be set, and the required ones among them must.
func applyFields(inv *fault.Invalid, defs []*FieldDef, typ Type, cat int64, current, patch map[string]any, checkRequired, requester bool) map[string]any {
	byKey := map[string]*FieldDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	out := map[string]any{}
	for k, v := range current {
		out[k] = v
	}
	for k, v := range patch {
		field := "custom_fields." + k
		d, ok := byKey[k]
		if !ok || !d.Active || requester && !d.RequesterVisible {
			inv.Add(field, "is not a custom field")
			continue
		}
		if v == nil {
			delete(out, k)
			continue
		}
		if !d.Applies(typ, cat) {
			inv.Add(field, "does not apply to this ticket's type or category")
			continue
		}
		nv, msg := d.normalize(v)
		if msg != "" {
			inv.Add(field, "%s", msg)
			continue
		}
		out[k] = nv
	}
	if checkRequired {
		for _, d := range defs {
			if d.Required && d.Applies(typ, cat) && (!requester || d.RequesterVisible) {
				if v, ok := out[d.Key]; !ok || v == "" {
					inv.Add("custom_fields."+d.Key, "is required")
				}
			}
		}
	}
	return out
}

func scanFieldDef(row scanner) (*FieldDef, error) {
	var d FieldDef
	var opts string
	var catID int64
	var catName string
	var c, u int64
	if err := row.Scan(&d.ID, &d.Key, &d.Label, &d.Type, &opts, &d.Required, &d.TicketType, &catID, &catName,
		&d.Position, &d.Active, &c, &u, &d.RequesterVisible); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(opts), &d.Options); err != nil {
		return nil, err
	}
	if d.Options == nil {
		d.Options = []string{}
	}
	if catID != 0 {
		d.Category = &Ref{catID, catName}
	}
	d.CreatedAt, d.UpdatedAt = db.Time(c), db.Time(u)
	return &d, nil
}

// FieldDefs lists every custom field definition, in order: copies, which
// the caller may change.
func (s *Service) FieldDefs(ctx context.Context) ([]*FieldDef, error) {
	defs, err := s.cachedFieldDefs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*FieldDef, len(defs))
	for i, d := range defs {
		out[i] = d.clone()
	}
	return out, nil
}

func (s *Service) fieldDefs(ctx context.Context, q db.Queryer) ([]*FieldDef, error) {
	rows, err := q.QueryContext(ctx, s.q.Get("list-custom-fields"))
	if err != nil {
		return nil, fmt.Errorf("ticket: custom fields: %w", err)
	}
	return db.Collect(rows, scanFieldDef)
}

// FieldDef returns one definition.
func (s *Service) FieldDef(ctx context.Context, id int64) (*FieldDef, error) {
	d, err := scanFieldDef(s.db.R.QueryRowContext(ctx, s.q.Get("select-custom-field"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("custom field %d: %w", id, fault.ErrNotFound)
	}
	return d, err
}

// FieldDefInput creates or changes a definition; nil fields are kept.
// Key and Type are fixed once created.
type FieldDefInput struct {
	Key      *string
	Label    *string
	Type     *FieldType
	Options  *[]string
	Required *bool
	// RequesterVisible: see FieldDef.
	RequesterVisible *bool
	TicketType       *Type
	Category         *string // name; "" = every category
	Position         *int
	Active           *bool
}

func (s *Service) checkFieldDef(ctx context.Context, tx db.Queryer, inv *fault.Invalid, d *FieldDef, in FieldDefInput) {
	if in.Label != nil {
		d.Label = strings.TrimSpace(*in.Label)
	}
	if d.Label == "" {
		inv.Add("label", "is required")
	} else if utf8.RuneCountInString(d.Label) > 200 || hasControl(d.Label) {
		inv.Add("label", "must be at most 200 characters, without control characters")
	}
	if in.Options != nil {
		d.Options = []string{}
		seen := map[string]bool{}
		for i, o := range *in.Options {
			o = strings.TrimSpace(o)
			if o == "" || utf8.RuneCountInString(o) > 200 || seen[o] || hasControl(o) {
				inv.Add(fmt.Sprintf("options[%d]", i), "must be a distinct, non-empty value of at most 200 characters")
				continue
			}
			seen[o] = true
			d.Options = append(d.Options, o)
		}
	}
	if d.Type == FieldSelect && len(d.Options) == 0 {
		inv.Add("options", "a select field needs at least one option")
	}
	if d.Type != FieldSelect && len(d.Options) > 0 {
		inv.Add("options", "only select fields have options")
	}
	if in.Required != nil {
		d.Required = *in.Required
	}
	if in.RequesterVisible != nil {
		d.RequesterVisible = *in.RequesterVisible
	}
	if in.TicketType != nil {
		if *in.TicketType != "" && !in.TicketType.Valid() {
			inv.Add("ticket_type", "must be one of incident, request, problem, change, or empty")
		}
		d.TicketType = *in.TicketType
	}
	if in.Category != nil {
		if *in.Category == "" {
			d.Category = nil
		} else if c, err := s.categoryByName(ctx, tx, *in.Category); err != nil {
			inv.Add("category", "no category named %q", *in.Category)
		} else {
			d.Category = &Ref{c.ID, c.Name}
		}
	}
	if in.Position != nil {
		if *in.Position < 0 || *in.Position > 1_000_000 {
			inv.Add("position", "must be from 0 to 1000000")
		}
		d.Position = *in.Position
	}
	if in.Active != nil {
		d.Active = *in.Active
	}
}

// CreateFieldDef adds a custom field definition (admins only).
func (s *Service) CreateFieldDef(ctx context.Context, a *user.Actor, in FieldDefInput) (*FieldDef, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may define custom fields")
	}
	var id int64
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		inv := &fault.Invalid{}
		d := &FieldDef{Active: true}
		if in.Key == nil || !fieldKey.MatchString(*in.Key) {
			inv.Add("key", "must be 1-63 lowercase letters, digits or _ and start with a letter")
		} else {
			d.Key = *in.Key
			for _, other := range mustDefs(s.fieldDefs(ctx, tx)) {
				if other.Key == d.Key {
					inv.Add("key", "a custom field with this key already exists")
				}
			}
		}
		if in.Type == nil || !in.Type.Valid() {
			inv.Add("type", "must be one of text, number, date, select, checkbox")
		} else {
			d.Type = *in.Type
		}
		s.checkFieldDef(ctx, tx, inv, d, in)
		if err := inv.Err(); err != nil {
			return err
		}
		opts, _ := json.Marshal(d.Options)
		var cat int64
		if d.Category != nil {
			cat = d.Category.ID
		}
		if err := tx.QueryRowContext(ctx, s.q.Get("insert-custom-field"), d.Key, d.Label, string(d.Type), string(opts),
			d.Required, string(d.TicketType), nullID(cat), d.Position, d.Active, db.Now(), d.RequesterVisible).Scan(&id); err != nil {
			return err
		}
		return s.record(ctx, tx, a, EventCustomFieldCreated, "custom_field", id, map[string]any{"key": d.Key, "label": d.Label,
			"type": d.Type, "options": d.Options, "required": d.Required, "ticket_type": d.TicketType, "category": d.categoryName(),
			"position": d.Position, "active": d.Active, "requester_visible": d.RequesterVisible})
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			err = fault.Field("key", "a custom field with this key already exists") // lost a race with a concurrent create
		}
		return nil, fmt.Errorf("ticket: create custom field: %w", err)
	}
	return s.FieldDef(ctx, id)
}

func mustDefs(d []*FieldDef, _ error) []*FieldDef { return d }

// categoryName is the name of the category d is limited to, "" for all.
func (d *FieldDef) categoryName() string {
	if d.Category == nil {
		return ""
	}
	return d.Category.Name
}

// UpdateFieldDef changes a custom field definition (admins only).
func (s *Service) UpdateFieldDef(ctx context.Context, a *user.Actor, id int64, in FieldDefInput) (*FieldDef, error) {
	if !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may define custom fields")
	}
	err := s.db.WithTx(ctx, func(tx *db.Tx) error {
		d, err := scanFieldDef(tx.QueryRowContext(ctx, s.q.Get("select-custom-field"), id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("custom field %d: %w", id, fault.ErrNotFound)
		} else if err != nil {
			return err
		}
		before := *d
		inv := &fault.Invalid{}
		if in.Key != nil && *in.Key != d.Key {
			inv.Add("key", "cannot be changed")
		}
		if in.Type != nil && *in.Type != d.Type {
			inv.Add("type", "cannot be changed")
		}
		s.checkFieldDef(ctx, tx, inv, d, in)
		if err := inv.Err(); err != nil {
			return err
		}
		opts, _ := json.Marshal(d.Options)
		var cat int64
		if d.Category != nil {
			cat = d.Category.ID
		}
		if _, err := tx.ExecContext(ctx, s.q.Get("update-custom-field"), id, d.Label, string(opts), d.Required,
			string(d.TicketType), nullID(cat), d.Position, d.Active, db.Now(), d.RequesterVisible); err != nil {
			return err
		}
		c := event.Changes{}
		c.Note("label", before.Label, d.Label)
		c.Note("options", before.Options, d.Options)
		c.Note("required", before.Required, d.Required)
		c.Note("requester_visible", before.RequesterVisible, d.RequesterVisible)
		c.Note("ticket_type", before.TicketType, d.TicketType)
		c.Note("category", before.categoryName(), d.categoryName())
		c.Note("position", before.Position, d.Position)
		c.Note("active", before.Active, d.Active)
		if len(c) == 0 {
			return nil
		}
		return s.record(ctx, tx, a, EventCustomFieldUpdated, "custom_field", id, map[string]any{"key": d.Key, "changes": c})
	})
	if err != nil {
		return nil, fmt.Errorf("ticket: update custom field %d: %w", id, err)
	}
	return s.FieldDef(ctx, id)
}
