package portal

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/markup"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// pageSize is how many tickets the list shows at once.
const pageSize = 25

// listPage is "My tickets".
type listPage struct {
	Layout
	Tickets []*ticket.Ticket
	Status  string // "", "open" or "resolved"
	Query   string
	Error   string
	Next    string // the next page's URL, if any
}

// statusFilter maps the list's tabs to statuses.
var statusFilter = map[string][]ticket.Status{
	"open":     {ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusOnHold},
	"resolved": {ticket.StatusResolved, ticket.StatusClosed},
}

// tickets lists the tickets the person may see as a requester: their own,
// those they follow, and their organization's where it shares them.
func (p *Portal) tickets(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	page := listPage{Status: q.Get("status"), Query: strings.TrimSpace(q.Get("q"))}
	f := ticket.Filter{Status: statusFilter[page.Status], Cursor: q.Get("cursor"), Limit: pageSize, Sort: "-updated_at"}
	if _, ok := statusFilter[page.Status]; !ok {
		page.Status = ""
	}
	if page.Query != "" {
		text, err := search.Parse(page.Query)
		if err != nil {
			page.Error = "The search could not be read: " + err.Error()
		}
		f.Text = text
	}
	if page.Error == "" {
		ts, next, err := p.Tickets.List(r.Context(), rq.actor, f)
		var inv *fault.Invalid
		if errors.As(err, &inv) {
			page.Error = "The search could not be read."
		} else if err != nil {
			return err
		}
		page.Tickets = ts
		if next != "" {
			v := url.Values{"cursor": {next}}
			if page.Status != "" {
				v.Set("status", page.Status)
			}
			if page.Query != "" {
				v.Set("q", page.Query)
			}
			page.Next = "/portal/tickets?" + v.Encode()
		}
	}
	page.Layout = p.layout(w, r, rq, "My requests")
	return p.tmpl.Render(w, http.StatusOK, "tickets", page)
}

// ticketPage is one ticket's public conversation.
type ticketPage struct {
	Layout
	T          *ticket.Ticket
	Messages   []*ticket.Message
	Mine       bool // the person is the ticket's requester
	Reopenable bool
	Fields     []shownField // the custom fields requesters see, filled in
	Errors     map[string]string
	Body       string
	Rating     *ratingForm // the requester's rating of the help, when ratings are on
}

func (p *Portal) number(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("number"), 10, 64)
	if err != nil || n <= 0 {
		return 0, fault.ErrNotFound
	}
	return n, nil
}

func (p *Portal) ticket(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := p.number(r)
	if err != nil {
		return err
	}
	return p.renderTicket(w, r, rq, n, http.StatusOK, "", nil)
}

// renderTicket shows ticket n with the form's body and errors.
func (p *Portal) renderTicket(w http.ResponseWriter, r *http.Request, rq *request, n int64, status int, body string, errs map[string]string) error {
	t, err := p.Tickets.Get(r.Context(), rq.actor, n)
	if err != nil {
		return err
	}
	// Messages returns a requester the public conversation only.
	msgs, err := p.Tickets.Messages(r.Context(), rq.actor, n, 0, ticket.MaxLimit)
	if err != nil {
		return err
	}
	set, err := p.Auth.PortalSettings(r.Context())
	if err != nil {
		return err
	}
	defs, err := p.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	var fields []shownField
	for _, d := range defs {
		if v, ok := t.CustomFields[d.Key]; ok && d.RequesterVisible && d.Active {
			fields = append(fields, shownField{Label: d.Label, Value: fieldText(v)})
		}
	}
	page := ticketPage{T: t, Messages: msgs, Fields: fields, Mine: t.Requester.ID == rq.actor.ID, Errors: errs, Body: body,
		Reopenable: t.Reopenable(reopenWindow(set.ReopenDays), time.Now())}
	page.Layout = p.layout(w, r, rq, t.Reference+" "+t.Subject)
	if page.Mine {
		if page.Rating, err = p.ratingFor(r.Context(), r, t, "", errs); err != nil {
			return err
		}
		if page.Rating != nil {
			page.Rating.Action, page.Rating.CSRF = "/portal/tickets/"+itoa(t.Number)+"/rating", page.CSRF
		}
	}
	return p.tmpl.Render(w, status, "ticket", page)
}

// shownField is a custom field's label and value as the requester reads it.
type shownField struct{ Label, Value string }

func fieldText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return x
	}
	return ""
}

func reopenWindow(days int) time.Duration { return time.Duration(days) * 24 * time.Hour }

// reply adds the person's reply, with files, to the conversation.
func (p *Portal) reply(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := p.number(r)
	if err != nil {
		return err
	}
	if _, err := p.Tickets.Get(r.Context(), rq.actor, n); err != nil {
		return err // not theirs: 404 before any file is stored
	}
	body := r.PostFormValue("body")
	ids, err := web.SaveUploads(r, p.Attachments, rq.actor, p.MaxUploadBytes)
	if err == nil {
		var m *ticket.Message
		m, err = p.Tickets.Reply(r.Context(), rq.actor, n, ticket.NewReply{Body: body, Channel: ticket.ChannelPortal, Attachments: ids})
		if err == nil {
			p.site.Flash(w, "Your reply was added.")
			http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(m.TicketNumber, 10)+"#m-"+m.UID, http.StatusSeeOther)
			return nil
		}
	}
	errs := map[string]string{}
	if !fieldErrors(err, errs) {
		if !errors.Is(err, fault.ErrConflict) {
			return err
		}
		errs["body"] = fault.Detail(err)
	}
	return p.renderTicket(w, r, rq, n, http.StatusUnprocessableEntity, body, errs)
}

// resolve is the requester's "my problem is solved".
func (p *Portal) resolve(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := p.number(r)
	if err != nil {
		return err
	}
	if _, err := p.Tickets.MarkResolved(r.Context(), rq.actor, n); err != nil {
		if !errors.Is(err, fault.ErrConflict) {
			return err
		}
		p.site.Flash(w, fault.Detail(err))
	} else {
		p.site.Flash(w, "Marked resolved. Thank you!")
	}
	http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(n, 10), http.StatusSeeOther)
	return nil
}

// reopen continues a resolved ticket: reopened within the window, else in
// a follow-up ticket.
func (p *Portal) reopen(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := p.number(r)
	if err != nil {
		return err
	}
	set, err := p.Auth.PortalSettings(r.Context())
	if err != nil {
		return err
	}
	body := r.PostFormValue("body")
	t, err := p.Tickets.Reopen(r.Context(), rq.actor, n, ticket.NewReply{Body: body, Channel: ticket.ChannelPortal},
		reopenWindow(set.ReopenDays))
	if err != nil {
		errs := map[string]string{}
		if !fieldErrors(err, errs) {
			if !errors.Is(err, fault.ErrConflict) {
				return err
			}
			errs["body"] = fault.Detail(err)
		}
		return p.renderTicket(w, r, rq, n, http.StatusUnprocessableEntity, body, errs)
	}
	if t.Number == n {
		p.site.Flash(w, "Your request is open again.")
	} else {
		p.site.Flash(w, "We opened "+t.Reference+" to follow up on "+"#"+strconv.FormatInt(n, 10)+".")
	}
	http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(t.Number, 10), http.StatusSeeOther)
	return nil
}

// download serves an attachment of a message the person may see.
func (p *Portal) download(w http.ResponseWriter, r *http.Request, rq *request) error {
	att, f, err := p.Attachments.Open(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	web.ServeAttachment(w, r, att.Filename, att.ContentType, att.SafeInline(), att.Size, att.CreatedAt, f)
	return nil
}

// preview renders Markdown exactly as the message will show, sanitized.
func (p *Portal) preview(w http.ResponseWriter, r *http.Request, rq *request) error {
	body := r.PostFormValue("body")
	if len(body) > ticket.MaxBody {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The message is too long."}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := io.WriteString(w, markup.Markdown(body))
	return err
}
