package ticket

import (
	"context"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// bindsRequired reports whether required custom fields bind a's writes.
// They are a rule of the agents' forms and the API as agents use it: a
// requester's mail, the portal and Docket's own actors (the mail importer,
// rules) never fail on them. Such a ticket is filed all the same and shows
// which required fields are still empty (MissingFields, missing:required).
func bindsRequired(a *user.Actor) bool { return a.IsAgent() && a.IsPerson() }

// missing returns the keys of the required fields in defs that apply to t
// and have no value, in the fields' order.
func (t *Ticket) missing(defs []*FieldDef) []string {
	out := []string{}
	for _, d := range defs {
		if !d.Required || !d.Applies(t.Type, refID(t.Category)) {
			continue
		}
		if v, ok := t.CustomFields[d.Key]; !ok || v == nil || v == "" {
			out = append(out, d.Key)
		}
	}
	return out
}

// fillMissing sets MissingFields on ts for an agent who is a person: what
// they see on the ticket page and in the API. Others get nil. The
// definitions come from the field cache: no statement while it is fresh.
func (s *Service) fillMissing(ctx context.Context, a *user.Actor, ts ...*Ticket) error {
	if !bindsRequired(a) || len(ts) == 0 {
		return nil
	}
	defs, err := s.cachedFieldDefs(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		t.MissingFields = t.missing(defs)
	}
	return nil
}

// missingCondition is the SQL that keeps tickets with a required, active
// custom field that applies to them (by type and category) and is unset or
// empty — the same rule as Ticket.missing. Field keys are [a-z0-9_] only,
// so they are safe in a JSON path.
func (s *Service) missingCondition() string {
	value := "COALESCE(json_extract(t.custom_fields, '$.' || f.key), '')"
	if s.db.Dialect == db.Postgres {
		value = "COALESCE(t.custom_fields::jsonb ->> f.key, '')"
	}
	return "EXISTS (SELECT 1 FROM custom_fields f WHERE f.required = TRUE AND f.active = TRUE" +
		" AND (f.ticket_type = '' OR f.ticket_type = t.type) AND (f.category_id IS NULL OR f.category_id = t.category_id)" +
		" AND " + value + " = '')"
}

// MissingValues are the values the missing: term takes.
var MissingValues = []string{"required"}
