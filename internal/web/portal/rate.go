package portal

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// Satisfaction ratings. A resolution mail links to /portal/rate/{token}
// once per score. Mail scanners open every link of a message, so opening
// one records nothing: the page shows the form with that score chosen, and
// the rating is recorded when the requester presses Send (a POST carrying
// the token, which is the credential: no session, no CSRF token). The page
// does not submit itself either: a scanner that runs scripts would then
// rate with every score in turn. The same form sits on the portal's ticket
// page for the signed-in requester.

// scoreOption is one choice of the form.
type scoreOption struct {
	satisfaction.Score
	Checked bool
}

// ratingForm is the rating part of a page: the form, or why there is none.
type ratingForm struct {
	Action  string
	CSRF    string // the ticket page's; empty on the token page
	Scores  []scoreOption
	Comment string
	Errors  map[string]string
	Rating  *satisfaction.Rating
	Open    bool   // the requester may rate (or change the rating) now
	Note    string // why not, when !Open
	Until   time.Time
}

// ratingFor builds the rating part of ticket t's page for its requester
// a: chosen preselects a score; the form's own values, when it was posted
// and refused, come back as typed. Nil when ratings are off.
func (p *Portal) ratingFor(ctx context.Context, r *http.Request, t *ticket.Ticket, chosen string, errs map[string]string) (*ratingForm, error) {
	set, err := p.Satisfaction.Settings(ctx)
	if err != nil || !set.Enabled {
		return nil, err
	}
	rating, err := p.Satisfaction.Get(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	f := &ratingForm{Rating: rating, Errors: errs, Open: true}
	if rating != nil {
		f.Comment, f.Until = rating.Comment, rating.ChangeableUntil()
		if chosen == "" && rating.Scale == set.Scale {
			chosen = rating.Score
		}
	}
	if r.Method == http.MethodPost && (r.PostForm.Has("score") || r.PostForm.Has("comment")) {
		chosen, f.Comment = r.PostFormValue("score"), r.PostFormValue("comment")
	}
	switch {
	case t.Status != ticket.StatusResolved && t.Status != ticket.StatusClosed:
		f.Open, f.Note = false, "This request is open again: you can rate the help once it is resolved."
	case rating != nil && !rating.Changeable(time.Now()):
		f.Open, f.Note = false, "Ratings can be changed for 7 days; this one can no longer be changed."
	}
	for _, sc := range set.Scale.Scores() {
		f.Scores = append(f.Scores, scoreOption{Score: sc, Checked: sc.Value == chosen})
	}
	return f, nil
}

type ratePage struct {
	Layout
	T      *ticket.Ticket
	Form   *ratingForm
	Status int
}

// rateForm shows the rating page of a link from a resolution mail, the
// link's score chosen. It records nothing.
func (p *Portal) rateForm(w http.ResponseWriter, r *http.Request) error {
	t, _, err := p.Satisfaction.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return p.renderRate(w, r, t, http.StatusOK, r.URL.Query().Get("score"), nil)
}

func (p *Portal) renderRate(w http.ResponseWriter, r *http.Request, t *ticket.Ticket, status int, chosen string, errs map[string]string) error {
	f, err := p.ratingFor(r.Context(), r, t, chosen, errs)
	if err != nil {
		return err
	}
	if f == nil {
		return web.Errorf(http.StatusNotFound, "Satisfaction ratings are turned off.")
	}
	f.Action = "/portal/rate/" + url.PathEscape(r.PathValue("token"))
	page := ratePage{Layout: Layout{Title: "Rate the help", Flash: p.site.TakeFlash(w, r)}, T: t, Form: f}
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	w.Header().Set("Cache-Control", "no-store")
	return p.tmpl.Render(w, status, "rate", page)
}

// rate records the rating sent from the page of a rating link.
func (p *Portal) rate(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	t, a, err := p.Satisfaction.ByToken(r.Context(), token)
	if err != nil {
		return err
	}
	if status, errs, err := p.record(w, r, a, t); err != nil {
		return err
	} else if errs != nil {
		return p.renderRate(w, r, t, status, "", errs)
	}
	http.Redirect(w, r, "/portal/rate/"+url.PathEscape(token), http.StatusSeeOther)
	return nil
}

// rateTicket records the rating sent from the portal's ticket page.
func (p *Portal) rateTicket(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := p.number(r)
	if err != nil {
		return err
	}
	t, err := p.Tickets.Get(r.Context(), rq.actor, n)
	if err != nil {
		return err
	}
	if status, errs, err := p.record(w, r, rq.actor, t); err != nil {
		return err
	} else if errs != nil {
		return p.renderTicket(w, r, rq, n, status, "", errs)
	}
	http.Redirect(w, r, "/portal/tickets/"+strconv.FormatInt(n, 10)+"#rating", http.StatusSeeOther)
	return nil
}

// record rates t as a with the posted form and flashes the thanks; a
// refusal comes back as the status and the errors to show with the form.
func (p *Portal) record(w http.ResponseWriter, r *http.Request, a *user.Actor, t *ticket.Ticket) (int, map[string]string, error) {
	comment := r.PostFormValue("comment")
	_, err := p.Satisfaction.Rate(r.Context(), a, t.ID, satisfaction.Input{Score: r.PostFormValue("score"), Comment: &comment})
	errs := map[string]string{}
	switch {
	case err == nil:
		p.site.Flash(w, "Thank you for rating the help.")
		return 0, nil, nil
	case fieldErrors(err, errs):
		return http.StatusUnprocessableEntity, errs, nil
	case errors.Is(err, fault.ErrConflict), errors.Is(err, fault.ErrForbidden):
		errs["rating"] = fault.Detail(err)
		return web.ProblemFor(err).Status, errs, nil
	}
	return 0, nil, err
}
