package agent

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/canned"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

type cannedPage struct {
	Layout
	Responses []*canned.Response
	Edit      *canned.Response
	Form      map[string]string
	Errors    map[string]string
}

func (a *Agent) cannedList(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderCanned(w, r, rq, http.StatusOK, nil, map[string]string{}, map[string]string{})
}

func (a *Agent) renderCanned(w http.ResponseWriter, r *http.Request, rq *request, status int, edit *canned.Response, form, errs map[string]string) error {
	rs, err := a.Canned.List(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("edit"), 10, 64); err == nil && edit == nil {
		if edit, err = a.Canned.Get(r.Context(), rq.actor, id); err != nil {
			return err
		}
		form = map[string]string{"name": edit.Name, "body": edit.Body}
	}
	return a.tmpl.Render(w, status, "canned", cannedPage{Layout: a.layout(w, r, rq, "Canned responses", "canned"),
		Responses: rs, Edit: edit, Form: form, Errors: errs})
}

func (a *Agent) cannedSave(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := canned.Input{Name: r.PostFormValue("name"), Body: r.PostFormValue("body"), Shared: r.PostFormValue("shared") == "1"}
	var edit *canned.Response
	var err error
	if s := r.PostFormValue("id"); s != "" {
		id, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil {
			return fault.ErrNotFound
		}
		if edit, err = a.Canned.Get(r.Context(), rq.actor, id); err != nil {
			return err
		}
		_, err = a.Canned.Update(r.Context(), rq.actor, id, in)
	} else {
		_, err = a.Canned.Create(r.Context(), rq.actor, in)
	}
	if err != nil {
		errs := map[string]string{}
		if !fieldErrors(err, errs) {
			return err
		}
		return a.renderCanned(w, r, rq, http.StatusUnprocessableEntity, edit, map[string]string{"name": in.Name, "body": in.Body}, errs)
	}
	a.site.Flash(w, "Canned response saved.")
	http.Redirect(w, r, "/canned", http.StatusSeeOther)
	return nil
}

func (a *Agent) cannedDelete(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fault.ErrNotFound
	}
	c, err := a.Canned.Get(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if c.Shared() && !rq.actor.IsAdmin() {
		return fault.Forbidden("only admins change shared canned responses")
	}
	if ok, err := a.confirmed(w, r, rq, confirmation{Heading: fmt.Sprintf("Delete the canned response “%s”?", c.Name),
		Detail: "Its text is gone for good; replies that used it keep their words. This cannot be undone.",
		Button: "Delete canned response", Cancel: "/canned"}); !ok {
		return err
	}
	if err := a.Canned.Delete(r.Context(), rq.actor, id); err != nil {
		return err
	}
	a.site.Flash(w, "Canned response deleted.")
	http.Redirect(w, r, "/canned", http.StatusSeeOther)
	return nil
}

// cannedFill returns a response with its placeholders filled for a ticket
// (the reply picker inserts it into the draft).
func (a *Agent) cannedFill(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fault.ErrNotFound
	}
	n, ok := ticket.ParseNumber(r.URL.Query().Get("ticket"))
	if !ok {
		return fault.Field("ticket", "is required")
	}
	body, err := a.fillCanned(r, rq, id, n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]string{"body": body})
}

func (a *Agent) fillCanned(r *http.Request, rq *request, id, number int64) (string, error) {
	c, err := a.Canned.Get(r.Context(), rq.actor, id)
	if err != nil {
		return "", err
	}
	t, err := a.Tickets.Get(r.Context(), rq.actor, number)
	if err != nil {
		return "", err
	}
	me, err := a.Users.Get(r.Context(), rq.actor.ID)
	if err != nil {
		return "", err
	}
	name := t.Requester.Name
	if name == "" {
		name = t.Requester.Email
	}
	return canned.Fill(c.Body, map[string]string{"requester.name": name, "requester.email": t.Requester.Email,
		"ticket.number": t.Reference, "ticket.subject": t.Subject, "agent.name": me.Name, "agent.signature": me.Signature}), nil
}
