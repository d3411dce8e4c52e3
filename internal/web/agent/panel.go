package agent

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The ticket page's property panel. Next to each field the form carries the
// value the page showed (orig.<name>). A save applies only the fields whose
// submitted value differs from it, so an untouched field never overwrites a
// colleague's change, a deactivated assignee stays assigned and an unset
// checkbox is not written as false. A field the agent changed that someone
// else changed too since the page showed it is a collision: nothing is
// saved, and the page shows both values so the agent picks, field by field.

// panelProps are the ticket's own properties in the panel, by form name.
var panelProps = []struct{ name, label string }{
	{"status", "Status"}, {"resolution", "Resolution"}, {"solution", "Solution"}, {"assignee", "Assignee"},
	{"team", "Team"}, {"priority", "Priority"}, {"impact", "Impact"}, {"urgency", "Urgency"},
	{"type", "Type"}, {"category", "Category"}, {"tags", "Tags"},
}

// panelValues is what each field of the panel shows for t, as the form
// posts it (form name → value; a checkbox is "1" or "").
func panelValues(t *ticket.Ticket, defs []*ticket.FieldDef) map[string]string {
	v := map[string]string{
		"status": string(t.Status), "resolution": string(t.Resolution), "solution": t.Solution, "assignee": "",
		"team": refName(t.Team), "priority": t.Priority.String(), "impact": string(t.Impact), "urgency": string(t.Urgency),
		"type": string(t.Type), "category": refName(t.Category), "tags": strings.Join(t.Tags, ", "),
	}
	if t.Assignee != nil {
		v["assignee"] = t.Assignee.Email
	}
	for _, d := range defs {
		if d.Active {
			v["cf."+d.Key] = fieldText(t.CustomFields[d.Key])
		}
	}
	return v
}

// keepCurrent adds the ticket's own assignee and category to the choices
// when they are no longer offered (a deactivated agent, a retired
// category): the panel shows them as they are, and a save leaves them.
func keepCurrent(o *options, t *ticket.Ticket) {
	if a := t.Assignee; a != nil && !slices.ContainsFunc(o.Agents, func(u user.Choice) bool { return strings.EqualFold(u.Email, a.Email) }) {
		name := a.Name
		if name == "" {
			name = a.Email
		}
		o.Agents = append(o.Agents, user.Choice{Email: a.Email, Name: name + " (inactive)"})
	}
	if c := t.Category; c != nil && !slices.Contains(o.Categories, c.Name) {
		o.Categories = append(o.Categories, c.Name)
	}
}

// edit is one field as the panel posted it.
type edit struct {
	Name    string // form name: "priority", "cf.os"
	Value   string // as submitted
	Orig    string // as the page showed it
	HasOrig bool   // false for a client that does not send orig.<name>
}

// readEdits collects the panel fields a form posted; a field the form left
// out (JavaScript sends only changed ones) is not touched.
func readEdits(r *http.Request, defs []*ticket.FieldDef, me string) []edit {
	var out []edit
	add := func(name, value string) {
		e := edit{Name: name, Value: value}
		if vs := r.PostForm["orig."+name]; len(vs) > 0 {
			e.Orig, e.HasOrig = vs[0], true
		}
		out = append(out, e)
	}
	for _, f := range panelProps {
		if vs := r.PostForm[f.name]; len(vs) > 0 {
			v := vs[0]
			if f.name == "assignee" && v == "me" {
				v = me
			}
			add(f.name, v)
		}
	}
	for _, d := range defs {
		if !d.Active {
			continue
		}
		name := "cf." + d.Key
		if d.Type == ticket.FieldCheckbox {
			// An unticked box posts nothing; cf_present says it was there.
			if _, ok := r.PostForm["cf_present."+d.Key]; ok {
				add(name, map[bool]string{true: "1"}[r.PostFormValue(name) == "1"])
			}
		} else if vs := r.PostForm[name]; len(vs) > 0 {
			add(name, vs[0])
		}
	}
	return out
}

// sameValue compares two values of a field as the form shows them:
// browsers send CRLF line ends, tags are a list, e-mail addresses ignore
// case.
func sameValue(name, a, b string) bool {
	norm := func(v string) string {
		v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
		switch name {
		case "tags":
			return strings.Join(splitTags(v), ",")
		case "assignee":
			return strings.ToLower(v)
		}
		return v
	}
	return norm(a) == norm(b)
}

// sortEdits splits the posted fields into the changes to apply and the
// collisions, against the ticket's values now. A field equal to what the
// page showed is untouched; one equal to the value now needs nothing. A
// changed field that someone else changed too (its value now is neither
// what the page showed nor the agent's) collides; without orig.<name> a
// stale version stands for that. keep.<name>=theirs drops the agent's
// value of a collided field.
func sortEdits(r *http.Request, edits []edit, now map[string]string, stale bool) (apply, clash []edit) {
	for _, e := range edits {
		if r.PostFormValue("keep."+e.Name) == "theirs" {
			continue
		}
		cur, shown := now[e.Name], e.Orig
		if !e.HasOrig {
			shown = cur
		}
		if sameValue(e.Name, e.Value, shown) || sameValue(e.Name, e.Value, cur) {
			continue
		}
		if e.HasOrig && !sameValue(e.Name, cur, e.Orig) || !e.HasOrig && stale {
			clash = append(clash, e)
			continue
		}
		apply = append(apply, e)
	}
	return apply, clash
}

// patchOf turns the changed fields into a patch of t.
func patchOf(changes []edit, defs []*ticket.FieldDef, t *ticket.Ticket) ticket.Patch {
	p := ticket.Patch{}
	for _, e := range changes {
		v := e.Value
		switch e.Name {
		case "status":
			p.Status = ptr(ticket.Status(v))
		case "resolution":
			p.Resolution = ptr(ticket.Resolution(v))
		case "solution":
			p.Solution = ptr(v)
		case "priority":
			p.Priority = ptr(v)
		case "impact":
			p.Impact = ptr(ticket.Level(v))
		case "urgency":
			p.Urgency = ptr(ticket.Level(v))
		case "type":
			p.Type = ptr(ticket.Type(v))
		case "category":
			p.Category = ptr(v)
		case "team":
			p.Team = ptr(v)
		case "assignee":
			p.Assignee = ptr(v)
		case "tags":
			p.Tags = ptr(splitTags(v))
		default:
			key := strings.TrimPrefix(e.Name, "cf.")
			if i := slices.IndexFunc(defs, func(d *ticket.FieldDef) bool { return d.Key == key }); i >= 0 {
				if p.CustomFields == nil {
					p.CustomFields = map[string]any{}
				}
				p.CustomFields[key] = fieldValue(defs[i], v)
			}
		}
	}
	// Reopening clears the resolution: emptying the field with it is no
	// separate change.
	if p.Resolution != nil && *p.Resolution == "" {
		target := t.Status
		if p.Status != nil {
			target = *p.Status
		}
		if target.Active() {
			p.Resolution = nil
		}
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// update applies the panel's changed fields.
func (a *Agent) update(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	defs, err := a.Tickets.FieldDefs(ctx)
	if err != nil {
		return err
	}
	edits := readEdits(r, defs, rq.actor.Email)
	version := formInt(r, "version")
	if r.PostFormValue("force") == "1" {
		version = 0
	}
	for attempt := 0; ; attempt++ {
		t, err := a.Tickets.Get(ctx, rq.actor, n)
		if err != nil {
			return err
		}
		apply, clash := sortEdits(r, edits, panelValues(t, defs), version != 0 && version != t.Version)
		if len(clash) > 0 {
			return a.rerenderPanel(w, r, rq, n, edits, clash, true, nil)
		}
		if len(apply) == 0 {
			a.site.Flash(w, "Nothing to save: no property was changed.")
			http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
			return nil
		}
		// The version just read: a write in between is sorted out again.
		_, err = a.Tickets.Update(ctx, rq.actor, n, patchOf(apply, defs, t), t.Version)
		if errors.Is(err, fault.ErrPrecondition) {
			if attempt < 3 {
				continue
			}
			return a.rerenderPanel(w, r, rq, n, edits, nil, true, nil)
		}
		if err != nil {
			errs := map[string]string{}
			if fieldErrors(err, errs) {
				return a.rerenderPanel(w, r, rq, n, edits, nil, false, errs)
			}
			return err
		}
		a.site.Flash(w, "Ticket updated.")
		http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
		return nil
	}
}

// clash is a field the agent and someone else both changed, as the
// conflict box shows it.
type clash struct {
	Name, Label   string
	Theirs, Yours string // as shown
	TheirsValue   string // as the form posts it
	YoursValue    string
}

// rerenderPanel shows the ticket page again with the agent's changed fields
// in the panel: after field errors (422) each keeps the value the agent
// started from, so a colleague's change to it is still noticed; after a
// collision (409) every field starts from the ticket as it is now, and the
// conflict box lists what changed and the collided fields to choose from.
// Fields the agent did not change show the ticket as it is now, so applying
// again never re-applies them.
func (a *Agent) rerenderPanel(w http.ResponseWriter, r *http.Request, rq *request, n int64, edits, clashes []edit, conflict bool, errs map[string]string) error {
	p, err := a.loadTicketPage(w, r, rq, n)
	if err != nil {
		return err
	}
	now := p.Orig
	p.Orig = map[string]string{}
	for k, v := range now {
		p.Orig[k] = v
	}
	edited := map[string]string{}
	for _, e := range edits {
		base := e.Orig
		if !e.HasOrig {
			base = now[e.Name]
		}
		if r.PostFormValue("keep."+e.Name) == "theirs" || sameValue(e.Name, e.Value, base) {
			continue
		}
		edited[e.Name] = e.Value
		if !conflict && e.HasOrig {
			p.Orig[e.Name] = e.Orig
		}
	}
	if errs != nil {
		p.Errors, p.ErrorsIn = errs, "props"
	}
	shown := *p.T
	showDraft(&shown, edited)
	p.PanelT = &shown
	values := map[string]any{}
	for k, v := range p.T.CustomFields {
		values[k] = v
	}
	for _, d := range p.defs {
		if v, ok := edited["cf."+d.Key]; ok {
			values[d.Key] = fieldValue(d, v)
		}
	}
	p.Fields = fieldInputs(p.defs, shown.Type, refName(shown.Category), values, errs)
	if !conflict {
		return a.tmpl.Render(w, http.StatusUnprocessableEntity, "ticket", p)
	}
	p.ConflictFor = "update"
	a.conflictSince(p, formInt(r, "seen"))
	for _, e := range clashes {
		p.Clashes = append(p.Clashes, clash{Name: e.Name, Label: p.fieldLabel(e.Name), Theirs: p.display(e.Name, now[e.Name]),
			Yours: p.display(e.Name, e.Value), TheirsValue: now[e.Name], YoursValue: e.Value})
	}
	return a.tmpl.Render(w, http.StatusConflict, "ticket", p)
}

// fieldLabel names a panel field.
func (p *ticketPage) fieldLabel(name string) string {
	for _, f := range panelProps {
		if f.name == name {
			return f.label
		}
	}
	for _, d := range p.defs {
		if "cf."+d.Key == name {
			return d.Label
		}
	}
	return name
}

// display shows a panel value as the panel's choices name it.
func (p *ticketPage) display(name, v string) string {
	v = strings.TrimSpace(v)
	for _, d := range p.defs {
		if "cf."+d.Key == name && d.Type == ticket.FieldCheckbox {
			return map[bool]string{true: "Yes", false: "No"}[v == "1"]
		}
	}
	switch {
	case name == "assignee":
		if v == "" {
			return "Unassigned"
		}
		for _, u := range p.Options.Agents {
			if strings.EqualFold(u.Email, v) && u.Name != "" {
				return u.Name
			}
		}
		return v
	case v == "":
		return "—"
	case name == "priority":
		if pr, ok := ticket.ParsePriority(v); ok {
			return pr.String() + " · " + pr.Label()
		}
	case slices.Contains([]string{"status", "resolution", "type", "impact", "urgency"}, name):
		return humanLabel(v)
	}
	return v
}

// showDraft puts the values an agent changed back into the properties
// form of a re-shown page. Only the copy shown is changed.
func showDraft(t *ticket.Ticket, f map[string]string) {
	if v, ok := f["status"]; ok && ticket.Status(v).Valid() {
		t.Status = ticket.Status(v)
	}
	if v, ok := f["resolution"]; ok {
		t.Resolution = ticket.Resolution(v)
	}
	if v, ok := f["solution"]; ok {
		t.Solution = v
	}
	if v, ok := f["priority"]; ok {
		if p, ok := ticket.ParsePriority(v); ok {
			t.Priority = p
		}
	}
	if v, ok := f["impact"]; ok {
		t.Impact = ticket.Level(v)
	}
	if v, ok := f["urgency"]; ok {
		t.Urgency = ticket.Level(v)
	}
	if v, ok := f["type"]; ok && ticket.Type(v).Valid() {
		t.Type = ticket.Type(v)
	}
	if v, ok := f["category"]; ok {
		t.Category = optName(v)
	}
	if v, ok := f["team"]; ok {
		t.Team = optName(v)
	}
	if v, ok := f["assignee"]; ok {
		t.Assignee = nil
		if v != "" {
			t.Assignee = &ticket.Person{Email: v}
		}
	}
	if v, ok := f["tags"]; ok {
		t.Tags = splitTags(v)
	}
}

func optName(v string) *ticket.Ref {
	if v == "" {
		return nil
	}
	return &ticket.Ref{Name: v}
}
