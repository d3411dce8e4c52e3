package agent

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// inboundPage is "Mail not filed": every message Docket did not file on
// arrival — quarantined, rejected, unreadable, bounces of nothing it sent —
// with the reason, the raw message, and what an agent can do with it.
type inboundPage struct {
	Layout
	State   string
	Tabs    []inboundTab
	Items   []*mail.Inbound
	NextURL string
	// Errors and Values of a refused action, by message id and field.
	Errors map[int64]map[string]string
	Values map[int64]map[string]string
}

type inboundTab struct {
	Key, Label, URL string
	Active          bool
}

var inboundTabs = []struct{ key, label string }{
	{mail.StateWaiting, "Waiting"}, {mail.StateQuarantined, "Quarantined"}, {mail.StateRejected, "Rejected"},
	{mail.StateBounce, "Bounces"}, {mail.StateFiled, "Filed"}, {mail.StateDiscarded, "Discarded"}, {mail.StateAll, "All"},
}

const inboundPageSize = 50

func (a *Agent) inbound(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderInbound(w, r, rq, http.StatusOK, nil, nil)
}

func (a *Agent) renderInbound(w http.ResponseWriter, r *http.Request, rq *request, status int, errs, vals map[int64]map[string]string) error {
	if a.Importer == nil {
		return fault.ErrNotFound
	}
	state := r.URL.Query().Get("state")
	if state == "" {
		state = mail.StateWaiting
	}
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	items, err := a.Importer.ListInbound(r.Context(), rq.actor, mail.InboundFilter{State: state, Before: before, Limit: inboundPageSize + 1})
	if err != nil {
		return err
	}
	p := inboundPage{State: state, Items: items, Errors: errs, Values: vals}
	if len(items) > inboundPageSize {
		p.Items = items[:inboundPageSize]
		p.NextURL = inboundURL(state, p.Items[inboundPageSize-1].ID)
	}
	for _, t := range inboundTabs {
		p.Tabs = append(p.Tabs, inboundTab{Key: t.key, Label: t.label, URL: inboundURL(t.key, 0), Active: t.key == state})
	}
	p.Layout = a.layout(w, r, rq, "Mail not filed", "inbound")
	return a.tmpl.Render(w, status, "inbound", p)
}

func inboundURL(state string, before int64) string {
	v := url.Values{}
	if state != mail.StateWaiting {
		v.Set("state", state)
	}
	if before > 0 {
		v.Set("before", strconv.FormatInt(before, 10))
	}
	if len(v) == 0 {
		return "/mail/inbound"
	}
	return "/mail/inbound?" + v.Encode()
}

// inboundRaw downloads a message as it was received, never shown inline.
func (a *Agent) inboundRaw(w http.ResponseWriter, r *http.Request, rq *request) error {
	if a.Importer == nil {
		return fault.ErrNotFound
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, raw, err := a.Importer.InboundRaw(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	web.ServeRawMessage(w, "inbound-"+strconv.FormatInt(m.ID, 10)+".eml", raw)
	return nil
}

// inboundAction carries out an agent's decision on a waiting message: the
// ticket it became opens; a refusal shows on the list, at the message.
func (a *Agent) inboundAction(do func(r *http.Request, rq *request, id int64) (*mail.Result, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if a.Importer == nil {
			return fault.ErrNotFound
		}
		id, err := pathID(r)
		if err != nil {
			return err
		}
		res, err := do(r, rq, id)
		var inv *fault.Invalid
		switch {
		case errors.As(err, &inv):
			errs := map[string]string{}
			for _, f := range inv.Fields {
				errs[f.Field] = f.Message
			}
			vals := map[string]string{"requester": r.PostFormValue("requester"), "ticket": r.PostFormValue("ticket")}
			return a.renderInbound(w, r, rq, http.StatusUnprocessableEntity, map[int64]map[string]string{id: errs},
				map[int64]map[string]string{id: vals})
		case errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrConflict):
			a.site.Flash(w, "That message no longer waits for a decision; someone may have dealt with it already.")
			http.Redirect(w, r, "/mail/inbound", http.StatusSeeOther)
			return nil
		case err != nil:
			return err
		case res == nil || res.Ticket == 0:
			msg := "Discarded."
			if res != nil {
				msg = "Not filed: " + res.Decision
			}
			a.site.Flash(w, msg)
			http.Redirect(w, r, "/mail/inbound", http.StatusSeeOther)
			return nil
		}
		n := strconv.FormatInt(res.Ticket, 10)
		a.site.Flash(w, "Filed on #"+n)
		http.Redirect(w, r, "/tickets/"+n, http.StatusSeeOther)
		return nil
	}
}

func (a *Agent) fileInbound(r *http.Request, rq *request, id int64) (*mail.Result, error) {
	return a.Importer.File(r.Context(), rq.actor, id, r.PostFormValue("requester"))
}

func (a *Agent) attachInbound(r *http.Request, rq *request, id int64) (*mail.Result, error) {
	n, ok := ticket.ParseNumber(r.PostFormValue("ticket"))
	if !ok {
		return nil, fault.Field("ticket", "must be a ticket number, such as 1042 or #1042")
	}
	return a.Importer.Attach(r.Context(), rq.actor, id, n)
}

func (a *Agent) discardInbound(r *http.Request, rq *request, id int64) (*mail.Result, error) {
	_, err := a.Importer.Discard(r.Context(), rq.actor, id)
	return nil, err
}

func (a *Agent) releaseHeld(r *http.Request, rq *request, id int64) (*mail.Result, error) {
	return a.Importer.Release(r.Context(), rq.actor, id)
}
