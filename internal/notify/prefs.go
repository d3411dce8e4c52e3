package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// The kinds of notification, as preferences name them. SLA notifications
// are stored with their target: "sla_breach_first_response".
const (
	KindMention    = "mention"     // mentioned in an internal note
	KindAssigned   = "assigned"    // a ticket was assigned to me
	KindTeam       = "team"        // an unassigned ticket arrived in a team of mine
	KindReply      = "reply"       // the requester wrote on a ticket assigned to me or that I follow
	KindSLAWarning = "sla_warning" // an SLA target of a ticket of mine is due soon
	KindSLABreach  = "sla_breach"  // an SLA target of a ticket of mine was breached
)

// Kinds lists every kind, in display order.
var Kinds = []string{KindMention, KindAssigned, KindTeam, KindReply, KindSLAWarning, KindSLABreach}

// KindLabels name the kinds for people.
var KindLabels = map[string]string{
	KindMention:    "Mentions in internal notes",
	KindAssigned:   "Tickets assigned to me",
	KindTeam:       "Unassigned tickets arriving in my teams",
	KindReply:      "Requester replies on tickets assigned to me or that I follow",
	KindSLAWarning: "SLA warnings on my tickets",
	KindSLABreach:  "SLA breaches on my tickets",
}

// The email choices.
const (
	EmailImmediately = "immediately"
	EmailDigest      = "digest"
	EmailNever       = "never"
)

// EmailChoices lists them in display order.
var EmailChoices = []string{EmailImmediately, EmailDigest, EmailNever}

// SplitKind splits a stored kind into its preference kind and target:
// "sla_breach_first_response" → "sla_breach", "first_response".
func SplitKind(kind string) (string, string) {
	for _, k := range []string{KindSLABreach, KindSLAWarning} {
		if t, ok := strings.CutPrefix(kind, k+"_"); ok {
			return k, t
		}
	}
	return kind, ""
}

// Preference is one person's choice for one kind.
type Preference struct {
	Kind  string `json:"kind"`
	InApp bool   `json:"in_app"`
	Email string `json:"email"`
}

// defaults are the choices of someone who made none: everything in the
// app; emailed at once what was emailed before there were preferences
// (mentions, assignments, replies, breaches), the rest never.
var defaults = map[string]Preference{
	KindMention:    {KindMention, true, EmailImmediately},
	KindAssigned:   {KindAssigned, true, EmailImmediately},
	KindTeam:       {KindTeam, true, EmailNever},
	KindReply:      {KindReply, true, EmailImmediately},
	KindSLAWarning: {KindSLAWarning, true, EmailNever},
	KindSLABreach:  {KindSLABreach, true, EmailImmediately},
}

// Preferences returns a's choices for every kind, in Kinds order.
func (s *Service) Preferences(ctx context.Context, a *user.Actor) ([]Preference, error) {
	if !a.IsPerson() || !a.IsAgent() {
		return nil, fault.Forbidden("only agents have notification preferences")
	}
	m, err := s.preferences(ctx, s.DB.R, a.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Preference, 0, len(Kinds))
	for _, k := range Kinds {
		out = append(out, m[k])
	}
	return out, nil
}

func (s *Service) preferences(ctx context.Context, q db.Queryer, userID int64) (map[string]Preference, error) {
	m := make(map[string]Preference, len(defaults))
	for k, p := range defaults {
		m[k] = p
	}
	rows, err := q.QueryContext(ctx, s.q.Get("get-preferences"), userID)
	if err != nil {
		return nil, fmt.Errorf("notify: preferences of user %d: %w", userID, err)
	}
	ps, err := db.Collect(rows, func(r db.Scanner) (Preference, error) {
		var p Preference
		err := r.Scan(&p.Kind, &p.InApp, &p.Email)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("notify: preferences of user %d: %w", userID, err)
	}
	for _, p := range ps {
		if _, ok := defaults[p.Kind]; ok {
			m[p.Kind] = p
		}
	}
	return m, nil
}

// PreferenceInput changes one kind; a nil field keeps its value.
type PreferenceInput struct {
	Kind  string
	InApp *bool
	Email *string
}

// SetPreferences saves a's choices for the kinds given, all or nothing: an
// unknown kind or email choice is a field error ("preferences[2].email")
// and nothing is saved. It returns every kind's choice after the change.
func (s *Service) SetPreferences(ctx context.Context, a *user.Actor, in []PreferenceInput) ([]Preference, error) {
	if !a.IsPerson() || !a.IsAgent() {
		return nil, fault.Forbidden("only agents have notification preferences")
	}
	cur, err := s.preferences(ctx, s.DB.R, a.ID)
	if err != nil {
		return nil, err
	}
	inv := &fault.Invalid{}
	seen := map[string]bool{}
	var set []Preference
	for i, p := range in {
		field := fmt.Sprintf("preferences[%d]", i)
		c, ok := cur[p.Kind]
		switch {
		case !ok:
			inv.Add(field+".kind", "must be one of %s", strings.Join(Kinds, ", "))
			continue
		case seen[p.Kind]:
			inv.Add(field+".kind", "%s is given twice", p.Kind)
			continue
		}
		seen[p.Kind] = true
		if p.InApp != nil {
			c.InApp = *p.InApp
		}
		if p.Email != nil {
			switch *p.Email {
			case EmailImmediately, EmailDigest, EmailNever:
				c.Email = *p.Email
			default:
				inv.Add(field+".email", "must be one of immediately, digest, never")
			}
		}
		set = append(set, c)
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	err = s.DB.WithTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		for _, p := range set {
			if _, err := tx.ExecContext(ctx, s.q.Get("set-preference"), a.ID, p.Kind, p.InApp, p.Email, now); err != nil {
				return fmt.Errorf("notify: save preference %s: %w", p.Kind, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Preferences(ctx, a)
}
