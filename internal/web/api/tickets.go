package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type personJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type ticketJSON struct {
	Number       int64          `json:"number"`
	Reference    string         `json:"reference"`
	ID           string         `json:"id"`
	Subject      string         `json:"subject"`
	Type         ticket.Type    `json:"type"`
	Status       ticket.Status  `json:"status"`
	Resolution   *string        `json:"resolution"`
	Solution     *string        `json:"solution"`
	Priority     string         `json:"priority"`
	Impact       *string        `json:"impact"`
	Urgency      *string        `json:"urgency"`
	Category     *string        `json:"category"`
	Tags         []string       `json:"tags"`
	Requester    personJSON     `json:"requester"`
	Organization *string        `json:"organization"`
	Assignee     *personJSON    `json:"assignee"`
	Team         *string        `json:"team"`
	Channel      ticket.Channel `json:"channel"`
	CustomFields map[string]any `json:"custom_fields"`
	// MissingFields are the required custom fields still empty, for agents.
	MissingFields   *[]string    `json:"missing_fields,omitempty"`
	Followers       []personJSON `json:"followers,omitempty"`
	MergedInto      *int64       `json:"merged_into"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	FirstResponseAt *time.Time   `json:"first_response_at"`
	ResolvedAt      *time.Time   `json:"resolved_at"`
	ClosedAt        *time.Time   `json:"closed_at"`
	DueAt           *time.Time   `json:"due_at"`
	SLA             slaJSON      `json:"sla"`
	Satisfaction    any          `json:"satisfaction"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toTicketJSON(t *ticket.Ticket) ticketJSON {
	j := ticketJSON{
		Number: t.Number, Reference: t.Reference, ID: t.UID, Subject: t.Subject, Type: t.Type, Status: t.Status,
		Resolution: strPtr(string(t.Resolution)), Solution: strPtr(t.Solution), Priority: t.Priority.String(),
		Impact: strPtr(string(t.Impact)), Urgency: strPtr(string(t.Urgency)), Tags: t.Tags,
		Requester: personJSON{t.Requester.Email, t.Requester.Name}, Channel: t.Channel, CustomFields: t.CustomFields,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, FirstResponseAt: t.FirstResponseAt, ResolvedAt: t.ResolvedAt,
		ClosedAt: t.ClosedAt, DueAt: t.DueAt, SLA: slaJSON{Targets: []targetJSON{}},
	}
	if t.Category != nil {
		j.Category = &t.Category.Name
	}
	if t.Team != nil {
		j.Team = &t.Team.Name
	}
	if t.Organization != nil {
		j.Organization = &t.Organization.Name
	}
	if t.Assignee != nil {
		j.Assignee = &personJSON{t.Assignee.Email, t.Assignee.Name}
	}
	if t.MergedInto != 0 {
		j.MergedInto = &t.MergedInto
	}
	if t.MissingFields != nil {
		j.MissingFields = &t.MissingFields
	}
	for _, f := range t.Followers {
		j.Followers = append(j.Followers, personJSON{f.Email, f.Name})
	}
	return j
}

func (a *API) writeTicket(w http.ResponseWriter, r *http.Request, actor *user.Actor, status int, t *ticket.Ticket) error {
	w.Header().Set("ETag", t.ETag())
	j := toTicketJSON(t)
	if err := a.withSLA(r, actor, []*ticket.Ticket{t}, []*ticketJSON{&j}); err != nil {
		return err
	}
	if err := a.withSatisfaction(r, []*ticket.Ticket{t}, []*ticketJSON{&j}); err != nil {
		return err
	}
	return writeTicketJSON(w, status, &j)
}

type contactInput struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type createTicketInput struct {
	Subject      string         `json:"subject"`
	Body         string         `json:"body"`
	Format       string         `json:"format"`
	Requester    *contactInput  `json:"requester"`
	Type         string         `json:"type"`
	Priority     string         `json:"priority"`
	Impact       string         `json:"impact"`
	Urgency      string         `json:"urgency"`
	Category     string         `json:"category"`
	Tags         []string       `json:"tags"`
	Team         string         `json:"team"`
	Assignee     string         `json:"assignee"`
	CustomFields map[string]any `json:"custom_fields"`
	Channel      string         `json:"channel"`
	Followers    []string       `json:"followers"`
	Attachments  []string       `json:"attachments"`
	Author       string         `json:"author"` // "" (the requester), "me" or an email
}

func (a *API) createTicket(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	var in createTicketInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	nt := ticket.NewTicket{Subject: in.Subject, Body: in.Body, Format: ticket.Format(in.Format), Type: ticket.Type(in.Type),
		Priority: in.Priority, Impact: ticket.Level(in.Impact), Urgency: ticket.Level(in.Urgency), Category: in.Category,
		Tags: in.Tags, Team: in.Team, Assignee: in.Assignee, CustomFields: in.CustomFields, Channel: ticket.Channel(in.Channel),
		Followers: in.Followers, Attachments: in.Attachments, Author: in.Author}
	if strings.EqualFold(strings.TrimSpace(in.Author), "me") {
		nt.Author = actor.Email
	}
	if in.Requester != nil {
		nt.Requester = &ticket.Contact{Email: in.Requester.Email, Name: in.Requester.Name}
	} else if actor.IsAgent() {
		return fault.Field("requester", "is required")
	}
	t, err := a.Tickets.Create(r.Context(), actor, nt)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(t.Number, 10))
	return a.writeTicket(w, r, actor, http.StatusCreated, t)
}

func (a *API) getTicket(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	t, err := a.Tickets.Get(r.Context(), actor, n)
	if err != nil {
		return err
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == t.ETag() {
		w.Header().Set("ETag", t.ETag())
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return a.writeTicket(w, r, actor, http.StatusOK, t)
}

// splitValues reads a repeatable, comma-separated query parameter.
func splitValues(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// filterParams are the list parameters that are keys of the search language.
var filterParams = []string{"status", "type", "priority", "assignee", "team", "requester", "tag", "category", "organization"}

var listParams = map[string]bool{"status": true, "type": true, "priority": true, "assignee": true, "team": true,
	"requester": true, "tag": true, "category": true, "organization": true, "q": true, "sort": true, "limit": true,
	"cursor": true, "created_after": true, "created_before": true, "updated_after": true, "updated_before": true}

func (a *API) listTickets(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	inv := &fault.Invalid{}
	for k := range r.URL.Query() {
		if !listParams[k] {
			inv.Add(k, "is not a known parameter")
		}
	}
	// The list parameters and the query go through the same translation;
	// a key in q narrows the parameters further (its status replaces).
	now := time.Now()
	f := ticket.Filter{Sort: r.URL.Query().Get("sort"), Cursor: r.URL.Query().Get("cursor")}
	addErr := func(err error) {
		var fe *fault.Invalid
		if errors.As(err, &fe) {
			inv.Fields = append(inv.Fields, fe.Fields...)
		}
	}
	for _, key := range filterParams {
		if vs := splitValues(r, key); len(vs) > 0 {
			addErr(f.ApplyParam(key, vs, now))
		}
	}
	for name, dst := range map[string]**time.Time{"created_after": &f.CreatedAfter, "created_before": &f.CreatedBefore,
		"updated_after": &f.UpdatedAfter, "updated_before": &f.UpdatedBefore} {
		if v := r.URL.Query().Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				inv.Add(name, "must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
			}
			*dst = &t
		}
	}
	addErr(f.ApplySearch(r.URL.Query().Get("q"), now))
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > ticket.MaxLimit {
			inv.Add("limit", "must be a number from 1 to %d", ticket.MaxLimit)
		}
		f.Limit = n
	}
	if err := inv.Err(); err != nil {
		return err
	}
	ts, next, err := a.Tickets.List(r.Context(), actor, f)
	if err != nil {
		return err
	}
	out := list[ticketJSON]{Items: make([]ticketJSON, len(ts))}
	js := make([]*ticketJSON, len(ts))
	for i, t := range ts {
		out.Items[i] = toTicketJSON(t)
		js[i] = &out.Items[i]
	}
	if err := a.withSLA(r, actor, ts, js); err != nil {
		return err
	}
	if err := a.withSatisfaction(r, ts, js); err != nil {
		return err
	}
	if next != "" {
		out.NextCursor = &next
	}
	return writeTicketList(w, out.Items, out.NextCursor)
}

type patchTicketInput struct {
	Status       *string        `json:"status"`
	Resolution   *string        `json:"resolution"`
	Solution     *string        `json:"solution"`
	Priority     *string        `json:"priority"`
	Impact       *string        `json:"impact"`
	Urgency      *string        `json:"urgency"`
	Type         *string        `json:"type"`
	Category     *string        `json:"category"`
	Tags         *[]string      `json:"tags"`
	Team         *string        `json:"team"`
	Assignee     *string        `json:"assignee"`
	CustomFields map[string]any `json:"custom_fields"`
	Subject      *string        `json:"subject"`
	Followers    *[]string      `json:"followers"`
}

func (a *API) patchTicket(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	var in patchTicketInput
	body, err := a.decode(w, r, &in)
	if err != nil {
		return err
	}
	ifVersion, err := ifMatch(r)
	if err != nil {
		return err
	}
	nulls := present(body)
	empty := ""
	clearable := func(p **string, key string) {
		if isNull, ok := nulls[key]; ok && isNull {
			*p = &empty
		}
	}
	clearable(&in.Category, "category")
	clearable(&in.Team, "team")
	clearable(&in.Assignee, "assignee")
	clearable(&in.Impact, "impact")
	clearable(&in.Urgency, "urgency")
	inv := &fault.Invalid{}
	for _, key := range []string{"status", "priority", "type", "subject", "resolution", "solution", "tags", "followers"} {
		if isNull, ok := nulls[key]; ok && isNull {
			inv.Add(key, "cannot be null")
		}
	}
	if err := inv.Err(); err != nil {
		return err
	}
	p := ticket.Patch{Solution: in.Solution, Priority: in.Priority, Category: in.Category, Tags: in.Tags, Team: in.Team,
		Assignee: in.Assignee, CustomFields: in.CustomFields, Subject: in.Subject, Followers: in.Followers}
	if in.Status != nil {
		s := ticket.Status(*in.Status)
		p.Status = &s
	}
	if in.Resolution != nil {
		s := ticket.Resolution(*in.Resolution)
		p.Resolution = &s
	}
	if in.Impact != nil {
		s := ticket.Level(*in.Impact)
		p.Impact = &s
	}
	if in.Urgency != nil {
		s := ticket.Level(*in.Urgency)
		p.Urgency = &s
	}
	if in.Type != nil {
		s := ticket.Type(*in.Type)
		p.Type = &s
	}
	if in.Assignee != nil && strings.EqualFold(*in.Assignee, "me") {
		p.Assignee = &actor.Email
	}
	t, err := a.Tickets.Update(r.Context(), actor, n, p, ifVersion)
	if err != nil {
		return err
	}
	return a.writeTicket(w, r, actor, http.StatusOK, t)
}

func (a *API) mergeTicket(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	var in struct {
		Into *int64 `json:"into"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Into == nil {
		return fault.Field("into", "is required")
	}
	t, err := a.Tickets.Merge(r.Context(), actor, n, *in.Into)
	if err != nil {
		return err
	}
	return a.writeTicket(w, r, actor, http.StatusOK, t)
}

type linkJSON struct {
	Type    ticket.LinkType `json:"type"`
	Ticket  int64           `json:"ticket"`
	Subject string          `json:"subject"`
	Status  ticket.Status   `json:"status"`
}

func (a *API) links(w http.ResponseWriter, r *http.Request, actor *user.Actor, status int) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	ls, err := a.Tickets.Links(r.Context(), actor, n)
	if err != nil {
		return err
	}
	out := list[linkJSON]{Items: make([]linkJSON, len(ls))}
	for i, l := range ls {
		out.Items[i] = linkJSON{l.Type, l.Number, l.Subject, l.Status}
	}
	return web.JSON(w, status, out)
}

func (a *API) listLinks(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	return a.links(w, r, actor, http.StatusOK)
}

func (a *API) removeLink(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	other, ok := ticket.ParseNumber(r.PathValue("other"))
	if !ok {
		return fault.Field("other", "must be a ticket number")
	}
	if err := a.Tickets.RemoveLink(r.Context(), actor, n, other); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addLink(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	var in struct {
		Type   string `json:"type"`
		Ticket *int64 `json:"ticket"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Ticket == nil {
		return fault.Field("ticket", "is required")
	}
	if err := a.Tickets.AddLink(r.Context(), actor, n, ticket.LinkType(in.Type), *in.Ticket); err != nil {
		return err
	}
	return a.links(w, r, actor, http.StatusCreated)
}
