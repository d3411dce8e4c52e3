package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
)

// stageMacro puts macro id's reply text, filled for the page's ticket,
// into the composer after what is there, and stages the macro: its
// actions apply when the reply is sent (as Zendesk's macros do).
func (a *Agent) stageMacro(r *http.Request, rq *request, p *ticketPage, id int64) error {
	m, body, err := a.Macros.FillFor(r.Context(), rq.actor, id, p.T.Number)
	if err != nil {
		return err
	}
	if body != "" {
		// After the stored draft, which is not the composer's text as it
		// stands any more until it is saved again.
		if d := strings.TrimRight(p.Draft.Body, "\n"); d != "" {
			body = d + "\n\n" + body
		}
		p.Draft.Body, p.Draft.Saved = body, time.Time{}
	}
	p.Staged, p.Draft.Macro = m, m.ID
	return nil
}

// StagedActions says what the staged macro's actions will do.
func (p *ticketPage) StagedActions() []string {
	if p.Staged == nil {
		return nil
	}
	return macro.Describe(p.Staged.Actions)
}

// sendWithMacro applies the staged macro d.Macro and sends the reply in
// in (when there is one) in one transaction: when an action or the reply
// fails, neither happens. It answers the message sent (nil without a
// reply).
func (a *Agent) sendWithMacro(ctx context.Context, rq *request, n int64, d draft, in ticket.NewReply) (*macro.Applied, *ticket.Message, error) {
	var m *ticket.Message
	var with func(ctx context.Context) error
	if strings.TrimSpace(d.Body) != "" {
		with = func(ctx context.Context) error {
			var err error
			m, err = a.Tickets.Reply(ctx, rq.actor, n, in)
			return err
		}
	}
	applied, err := a.Macros.Apply(ctx, rq.actor, n, d.Macro, 0, with)
	return applied, m, err
}

// macroRefused words why a staged macro did not apply, for the composer.
func macroRefused(err error) (string, bool) {
	var inv *fault.Invalid
	switch {
	case errors.As(err, &inv) && len(inv.Fields) > 0:
		f := inv.Fields[0]
		return fmt.Sprintf("The macro changed nothing: %s %s.", f.Field, f.Message), true
	case errors.Is(err, fault.ErrConflict), errors.Is(err, fault.ErrForbidden):
		return "The macro changed nothing: " + fault.Detail(err) + ".", true
	case errors.Is(err, fault.ErrNotFound):
		return "That macro is gone; nothing was changed.", true
	}
	return "", false
}

// replyWithMacro answers the reply form when a macro is staged: the
// macro's actions and the reply (if any) in one transaction, or the page
// again with the reason and nothing changed.
func (a *Agent) replyWithMacro(w http.ResponseWriter, r *http.Request, rq *request, n int64, d draft, in ticket.NewReply) error {
	applied, m, err := a.sendWithMacro(r.Context(), rq, n, d, in)
	if err != nil {
		errs := map[string]string{}
		if msg, ok := macroRefused(err); ok {
			errs["macro"] = msg
			return a.rerender(w, r, rq, n, d, "", 0, errs)
		}
		return err
	}
	if m == nil {
		a.site.Flash(w, fmt.Sprintf("Applied the macro “%s”.", applied.Macro.Name))
		http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
		return nil
	}
	what := "reply sent"
	if d.Internal {
		what = "note added"
	}
	a.site.Flash(w, fmt.Sprintf("Applied the macro “%s”; %s.", applied.Macro.Name, what))
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d#m-%s", m.TicketNumber, m.UID), http.StatusSeeOther)
	return nil
}
