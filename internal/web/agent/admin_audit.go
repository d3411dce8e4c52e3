package agent

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/webhook"
)

// auditPageSize is how many entries a page of the audit log shows: fewer
// than other lists, as each entry can be long.
const auditPageSize = 50

// auditKinds are offered in the kind filter: a prefix per subject, then
// every admin event kind.
var auditKinds = append([]string{"user.", "team.", "organization.", "category.", "custom_field.", "mailbox.", "mail.",
	"template.", "token.", "webhook.", "sla_policy."}, webhook.AdminKinds...)

type adminAuditPage struct {
	adminFrame
	// The filter as submitted: who (the actor), what (the kind), from and
	// until (dates), and whether ticket events are included.
	Who, What, From, Until string
	Tickets                bool
	Errors                 map[string]string
	Entries                []auditRow
	Kinds                  []string
	Actors                 []string // emails and actor types for the actor filter
	NextURL, FirstURL      string
}

// auditRow is one entry as the page shows it.
type auditRow struct {
	ID   int64
	At   time.Time
	What string // "Team member added"
	// Who made the change: a person's name and email, or one of Docket's
	// own actors and its type.
	Who, WhoDetail string
	WhoURL         string
	Subject        string // "Team Networks"
	SubjectURL     string
	Fields         []auditField
}

// auditField is one line of an entry's details: a value, or a change from
// Old to New.
type auditField struct {
	Name     string
	Value    auditValue
	Old, New auditValue
	Change   bool
}

// auditValue is a payload value as text. A long or multi-line value shows
// Short and unfolds to Text.
type auditValue struct {
	Text, Short string
	Empty       bool
}

// adminAudit lists the audit log, newest first, filtered by actor, kind
// and dates (whole days in UTC, as the page shows times), a page at a time.
func (a *Agent) adminAudit(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	p := adminAuditPage{Who: strings.TrimSpace(q.Get("actor")), What: strings.TrimSpace(q.Get("kind")), From: q.Get("from"),
		Until: q.Get("until"), Tickets: q.Get("include") == "tickets", Errors: map[string]string{}, Kinds: auditKinds}
	f := audit.Filter{Actor: p.Who, Kind: p.What, IncludeTickets: p.Tickets, Limit: auditPageSize}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if p.From != "" {
		d, err := time.Parse(time.DateOnly, p.From)
		if err != nil {
			p.Errors["from"] = "Enter a date such as 2026-01-31."
		}
		f.Since = d
	}
	if p.Until != "" {
		d, err := time.Parse(time.DateOnly, p.Until)
		if err != nil {
			p.Errors["until"] = "Enter a date such as 2026-01-31."
		}
		f.Until = d.AddDate(0, 0, 1) // the whole day
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		entries, next, err := a.Audit.List(r.Context(), rq.actor, f)
		if err != nil {
			if !fieldErrors(err, p.Errors) {
				return err
			}
			status = http.StatusUnprocessableEntity
		}
		for _, e := range entries {
			p.Entries = append(p.Entries, toAuditRow(e))
		}
		if next != 0 {
			p.NextURL = auditPageURL(r, strconv.FormatInt(next, 10))
		}
		if f.Before != 0 {
			p.FirstURL = auditPageURL(r, "")
		}
	}
	agents, err := a.agentUsers(r.Context())
	if err != nil {
		return err
	}
	for _, u := range agents {
		p.Actors = append(p.Actors, u.Email)
	}
	p.Actors = append(p.Actors, event.ActorSystem, event.ActorMail, event.ActorRule, event.ActorSLA)
	p.adminFrame = a.adminFrame(w, r, rq, "Audit log", "audit")
	return a.tmpl.Render(w, status, "admin_audit", p)
}

// auditPageURL is this page with the same filter, before the entry id
// (the first page when before is "").
func auditPageURL(r *http.Request, before string) string {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		q[k] = v
	}
	q.Del("before")
	if before != "" {
		q.Set("before", before)
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

// kindLabel makes a kind readable: "team.member_added" is "Team member
// added".
func kindLabel(kind string) string {
	s := strings.NewReplacer(".", " ", "_", " ").Replace(kind)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// auditSubjectNames are the payload keys naming each kind of subject, in
// order of preference; "name" for the others. Membership events name the
// team as "team" (their "email" is the member's).
var auditSubjectNames = map[string][]string{"user": {"email"}, "mailbox": {"address"}, "template": {"key"},
	"custom_field": {"key"}, "team": {"team", "name"}, "webhook": {"url"}}

// auditSubjectPages are where each kind of subject is administered.
var auditSubjectPages = map[string]string{"user": "/admin/users/", "team": "/admin/teams/", "organization": "/admin/organizations/",
	"category": "/admin/categories/", "custom_field": "/admin/fields/", "mailbox": "/admin/mailboxes/",
	"webhook": "/admin/webhooks/", "sla_policy": "/admin/sla-policies/"}

func toAuditRow(e audit.Entry) auditRow {
	row := auditRow{ID: e.ID, At: e.At, What: kindLabel(e.Kind), Who: e.Actor.Name}
	if e.Actor.Type == event.ActorUser {
		row.WhoDetail = e.Actor.Email
		row.WhoURL = "/admin/users/" + strconv.FormatInt(e.Actor.ID, 10)
	} else {
		row.WhoDetail = kindLabel(e.Actor.Type)
	}
	payload := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(e.Payload))
	dec.UseNumber()
	_ = dec.Decode(&payload) // a payload that is not an object shows no details

	// The subject, named by what its payload says it is; that value is
	// not repeated in the details.
	row.Subject = kindLabel(e.SubjectType)
	name := ""
	names, ok := auditSubjectNames[e.SubjectType]
	if !ok {
		names = []string{"name"}
	}
	for _, k := range names {
		if s, ok := payload[k].(string); ok && s != "" {
			name = s
			delete(payload, k)
			break
		}
	}
	switch {
	case e.SubjectType == "ticket" && e.TicketNumber != 0:
		row.Subject += " #" + strconv.FormatInt(e.TicketNumber, 10)
		row.SubjectURL = "/tickets/" + strconv.FormatInt(e.TicketNumber, 10)
	case name != "":
		row.Subject += " " + name
	case e.SubjectID != 0:
		row.Subject += " " + strconv.FormatInt(e.SubjectID, 10)
	}
	if page, ok := auditSubjectPages[e.SubjectType]; ok && e.SubjectID != 0 && !strings.HasSuffix(e.Kind, ".deleted") {
		row.SubjectURL = page + strconv.FormatInt(e.SubjectID, 10)
	}
	if e.SubjectType == "template" && name != "" {
		row.SubjectURL = "/admin/templates/" + url.PathEscape(name)
	}
	if e.SubjectType == "token" {
		row.SubjectURL = "/admin/tokens"
	}

	// The details: the changes first, then the other values.
	if c, ok := payload["changes"].(map[string]any); ok {
		for _, k := range sortedKeys(c) {
			d, _ := c[k].(map[string]any)
			row.Fields = append(row.Fields, auditField{Name: fieldLabel(k), Change: true, Old: auditText(d["old"]), New: auditText(d["new"])})
		}
		delete(payload, "changes")
	}
	// Values that are not changes are what was created or removed: empty
	// settings would only lengthen the list.
	for _, k := range sortedKeys(payload) {
		if v := auditText(payload[k]); !v.Empty {
			row.Fields = append(row.Fields, auditField{Name: fieldLabel(k), Value: v})
		}
	}
	return row
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fieldLabel makes a payload key readable: "inbound.after_import" is
// "inbound after import".
func fieldLabel(k string) string { return strings.NewReplacer(".", " ", "_", " ").Replace(k) }

// auditText formats a payload value for people: yes/no, lists with
// commas, "empty" for nothing.
func auditText(v any) auditValue {
	var s string
	switch x := v.(type) {
	case nil:
		return auditValue{Text: "none", Empty: true}
	case string:
		if x == "" {
			return auditValue{Text: "empty", Empty: true}
		}
		s = x
	case bool:
		s = "no"
		if x {
			s = "yes"
		}
	case []any:
		if len(x) == 0 {
			return auditValue{Text: "none", Empty: true}
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = auditText(e).Text
		}
		s = strings.Join(parts, ", ")
	case json.Number:
		s = x.String()
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	out := auditValue{Text: s}
	if line, _, multi := strings.Cut(s, "\n"); multi || utf8.RuneCountInString(s) > 80 {
		if r := []rune(line); len(r) > 60 {
			line = string(r[:60])
		}
		out.Short = strings.TrimSpace(line) + " …"
	}
	return out
}
