package agent

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
)

// followUp opens a follow-up ticket from a closed ticket's page: a closed
// ticket takes no more replies, so its page offers this instead of a
// composer that could only fail.
func (a *Agent) followUp(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := draft{Body: r.PostFormValue("body"), Fields: map[string]string{}}
	if err := a.keepDraft(ctx, rq, n, d); err != nil {
		return err
	}
	if strings.TrimSpace(d.Body) == "" {
		return a.rerender(w, r, rq, n, d, "", 0, map[string]string{"body": "Write what the follow-up is about."})
	}
	nt, err := a.Tickets.FollowUp(ctx, rq.actor, n, ticket.NewReply{Body: d.Body, InTx: a.dropDraft(rq, n)})
	if err != nil {
		errs := map[string]string{}
		switch {
		case fieldErrors(err, errs):
			// Only the text is the agent's to fix here; anything else is
			// said with it (see ticketForms).
		case errors.Is(err, fault.ErrConflict):
			// Not closed (any more): the page shows the composer, which
			// says so.
			errs["body"] = fault.Detail(err)
		default:
			return err
		}
		return a.rerender(w, r, rq, n, d, "", 0, errs)
	}
	a.site.Flash(w, fmt.Sprintf("Opened the follow-up %s of #%d.", nt.Reference, n))
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d", nt.Number), http.StatusSeeOther)
	return nil
}
