package agent

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
)

// quarantinePage lists mail held back for failing DMARC.
type quarantinePage struct {
	Layout
	Held []*mail.Held
}

func (a *Agent) quarantine(w http.ResponseWriter, r *http.Request, rq *request) error {
	if a.Importer == nil {
		return fault.ErrNotFound
	}
	held, err := a.Importer.Quarantined(r.Context())
	if err != nil {
		return err
	}
	p := quarantinePage{Held: held}
	p.Layout = a.layout(w, r, rq, "Quarantined mail", "quarantine")
	return a.tmpl.render(w, http.StatusOK, "quarantine", p)
}

// releaseHeld files a held message after an agent judged it genuine, and
// opens the ticket it became.
func (a *Agent) releaseHeld(w http.ResponseWriter, r *http.Request, rq *request) error {
	if a.Importer == nil {
		return fault.ErrNotFound
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	res, err := a.Importer.Release(r.Context(), id)
	if errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrConflict) {
		a.flash(w, "That message is no longer held; someone may have released it already.")
		http.Redirect(w, r, "/mail/quarantine", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if res.Ticket == 0 {
		a.flash(w, "Released, but not filed: "+res.Decision)
		http.Redirect(w, r, "/mail/quarantine", http.StatusSeeOther)
		return nil
	}
	n := strconv.FormatInt(res.Ticket, 10)
	a.flash(w, "Filed as #"+n)
	http.Redirect(w, r, "/tickets/"+n, http.StatusSeeOther)
	return nil
}
