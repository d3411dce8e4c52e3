package agent

import (
	"errors"
	"fmt"
	"net/http"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

type ticketPage struct {
	Layout
	T        *ticket.Ticket
	PanelT   *ticket.Ticket // the ticket as the property panel shows it, with the agent's unsaved changes
	Messages []*ticket.Message
	Events   []historyEntry
	// HistoryBefore and HistoryAfter place the history in the conversation:
	// the entries before each message (by message ID), and after the last.
	HistoryBefore map[int64][]historyEntry
	HistoryAfter  []historyEntry
	Links         []ticket.Link
	MergedFrom    []int64
	Requester     *user.User
	Recent        []*ticket.Ticket // the requester's other open tickets
	MoreRecent    bool             // they have more than Recent
	LastEvent     int64
	Options       options
	Errors        map[string]string // the field errors of the refused form ErrorsIn (see FormErrors)
	ErrorsIn      string            // the id of the refused form
	Relate        relateForm        // the refused link or merge, as typed
	Draft         draft
	DraftToken    string            // keeps the composer's text should the session end (see signInAgain)
	Conflict      []historyEntry    // changes made since the agent loaded the page
	ConflictFor   string            // "reply" or "update"
	Clashes       []clash           // panel fields the agent and someone else both changed
	Orig          map[string]string // what each panel field started from, by form name
	MaxUpload     int64
	Macros        []*macro.Macro // the macros menu beside the composer
	Staged        *macro.Macro   // the macro that applies when the reply is sent
	Fields        []fieldInput
	Missing       []string                    // labels of the required fields still empty
	Deliveries    map[int64][]outbox.Delivery // emails of each message, by message ID
	SLA           *sla.TicketSLA              // the ticket's clocks; nil when no policy applies
	Satisfaction  *satisfaction.Rating        // the requester's rating; nil when none

	defs []*ticket.FieldDef // the custom field definitions
}

// draft keeps what the agent typed when a submission is refused, and the
// composer's stored draft.
type draft struct {
	Body     string
	Internal bool
	Saved    time.Time // when the composer's text was stored as a draft; zero: it was not
	Status   string
	Fields   map[string]string
	Macro    int64 // the staged macro (0: none)
}

type options struct {
	Statuses    []ticket.Status
	Resolutions []ticket.Resolution
	Types       []ticket.Type
	Priorities  []ticket.Priority
	Levels      []ticket.Level
	Categories  []string
	Teams       []string
	Agents      []user.Choice // active agents, then admins
}

func (a *Agent) options(r *http.Request) (options, error) {
	o := options{Statuses: ticket.Statuses, Resolutions: ticket.Resolutions, Types: ticket.Types,
		Priorities: []ticket.Priority{ticket.P1, ticket.P2, ticket.P3, ticket.P4}, Levels: []ticket.Level{ticket.High, ticket.Medium, ticket.Low}}
	cats, err := a.Tickets.Categories(r.Context(), 0, 500)
	if err != nil {
		return o, err
	}
	for _, c := range cats {
		if c.Active {
			o.Categories = append(o.Categories, c.Name)
		}
	}
	// Names and emails only: the menus are on every queue and ticket page.
	if o.Teams, err = a.Users.TeamNames(r.Context()); err != nil {
		return o, err
	}
	if o.Agents, err = a.Users.Assignees(r.Context()); err != nil {
		return o, err
	}
	return o, nil
}

// maxRecent is how many of the requester's other open tickets the ticket
// page lists.
const maxRecent = 5

// RequesterQuery is the search for the requester's open tickets.
func (p *ticketPage) RequesterQuery() string {
	return fmt.Sprintf("requester:%q status:new,open,pending,on_hold", p.T.Requester.Email)
}

func pathNumber(r *http.Request) (int64, error) {
	n, ok := ticket.ParseNumber(r.PathValue("number"))
	if !ok {
		return 0, fault.ErrNotFound
	}
	return n, nil
}

// loadTicketPage gathers everything the ticket page shows.
func (a *Agent) loadTicketPage(w http.ResponseWriter, r *http.Request, rq *request, number int64) (*ticketPage, error) {
	ctx := r.Context()
	t, err := a.Tickets.Get(ctx, rq.actor, number)
	if err != nil {
		return nil, err
	}
	p := &ticketPage{T: t, PanelT: t, Errors: map[string]string{}, Draft: draft{Fields: map[string]string{}}, MaxUpload: a.MaxUploadBytes}
	if err := a.loadDraft(ctx, rq, p); err != nil {
		return nil, err
	}
	if p.Messages, err = a.Tickets.Messages(ctx, rq.actor, number, 0, 500); err != nil {
		return nil, err
	}
	p.Deliveries = map[int64][]outbox.Delivery{}
	for _, m := range p.Messages {
		if a.Outbox == nil || m.Internal {
			continue
		}
		ds, err := a.Outbox.StatusForMessage(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for i := range ds {
			ds[i].To = plainAddresses(ds[i].To)
		}
		p.Deliveries[m.ID] = ds
	}
	events, err := a.Tickets.Events(ctx, rq.actor, number, 0, 1000)
	if err != nil {
		return nil, err
	}
	if len(events) > 0 {
		p.LastEvent = events[len(events)-1].ID
	}
	if p.Links, err = a.Tickets.Links(ctx, rq.actor, number); err != nil {
		return nil, err
	}
	if p.MergedFrom, err = a.Tickets.MergedFrom(ctx, rq.actor, number); err != nil {
		return nil, err
	}
	if p.Requester, err = a.Users.ByEmail(ctx, t.Requester.Email); err != nil && !errors.Is(err, fault.ErrNotFound) {
		return nil, err
	}
	// The requester's other open tickets, as far as the agent may see them.
	recent, _, err := a.Tickets.List(ctx, rq.actor, ticket.Filter{Requester: []string{t.Requester.Email},
		Status: []ticket.Status{ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusOnHold}, Limit: maxRecent + 2})
	if err != nil {
		return nil, err
	}
	for _, o := range recent {
		if o.Number == t.Number {
			continue
		}
		if len(p.Recent) == maxRecent {
			p.MoreRecent = true
			break
		}
		p.Recent = append(p.Recent, o)
	}
	if p.Options, err = a.options(r); err != nil {
		return nil, err
	}
	keepCurrent(&p.Options, t)
	if p.Macros, err = a.Macros.Usable(ctx, rq.actor); err != nil {
		return nil, err
	}
	if p.defs, err = a.Tickets.FieldDefs(ctx); err != nil {
		return nil, err
	}
	if a.SLA != nil {
		clocks, err := a.SLA.Of(ctx, rq.actor, []int64{t.ID}, time.Now())
		if err != nil {
			return nil, err
		}
		p.SLA = clocks[t.ID]
	}
	if a.Satisfaction != nil && t.Rated { // only a rated ticket has a rating to read
		if p.Satisfaction, err = a.Satisfaction.Get(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	p.Events = newHistoryNames(p).describeAll(events)
	p.HistoryBefore, p.HistoryAfter = interleave(p.Messages, p.Events)
	p.Fields = fieldInputs(p.defs, t.Type, refName(t.Category), t.CustomFields, nil)
	p.Orig = panelValues(t, p.defs)
	markMissing(p.Fields, t.MissingFields)
	p.Missing = missingLabels(p.Fields)
	p.Layout = a.layout(w, r, rq, t.Reference+" "+t.Subject, "")
	return p, nil
}

// plainAddresses shortens an address header to its bare addresses for the
// delivery line; a header that does not parse is shown as it is.
func plainAddresses(h string) string {
	as, err := netmail.ParseAddressList(h)
	if err != nil {
		return h
	}
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Address
	}
	return strings.Join(out, ", ")
}

func (a *Agent) ticketView(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	p, err := a.loadTicketPage(w, r, rq, n)
	if err != nil {
		return err
	}
	// Without JavaScript the macros menu submits here.
	if id, err := strconv.ParseInt(r.URL.Query().Get("macro"), 10, 64); err == nil {
		if err := a.stageMacro(r, rq, p, id); err != nil {
			return err
		}
	}
	return a.tmpl.Render(w, http.StatusOK, "ticket", p)
}

// conflictSince lists the history entries after seen, for the collision
// warning.
func (a *Agent) conflictSince(p *ticketPage, seen int64) {
	for _, e := range p.Events {
		if e.ID > seen {
			p.Conflict = append(p.Conflict, e)
		}
	}
}

func formInt(r *http.Request, name string) int64 {
	n, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return n
}

// TargetLabel names an SLA target: "First response".
func (ticketPage) TargetLabel(target string) string {
	l := sla.TargetLabel(target)
	return strings.ToUpper(l[:1]) + l[1:]
}

// Minutes words business minutes: "45 min", "2 h 05 min", "3 d 4 h".
func (ticketPage) Minutes(n int) string { return slaMinutes(n) }

func slaMinutes(n int) string {
	switch {
	case n < 60:
		return fmt.Sprintf("%d min", n)
	case n < 24*60:
		return fmt.Sprintf("%d h %02d min", n/60, n%60)
	}
	return fmt.Sprintf("%d d %d h", n/(24*60), n%(24*60)/60)
}
