package agent

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/view"
)

// viewFormPage names a view: a search being saved (the form refused), or a
// saved view being renamed.
type viewFormPage struct {
	Layout
	V      *view.View // nil: a new view
	Name   string
	Query  string
	Sort   string
	Shared bool
	Cancel string
	Errors map[string]string
}

// saveView stores the current search as a view; a refused name is asked
// again on a page of its own, with the error next to the field.
func (a *Agent) saveView(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := view.Input{Name: r.PostFormValue("name"), Query: r.PostFormValue("query"), Sort: r.PostFormValue("sort"),
		Shared: r.PostFormValue("shared") == "1"}
	v, err := a.Views.Create(r.Context(), rq.actor, in)
	if err != nil {
		errs := map[string]string{}
		if !fieldErrors(err, errs) {
			return err
		}
		// The sort comes with the search (the queue's column links): it
		// is said with the search, the field of this form that holds it.
		if m := errs["sort"]; m != "" {
			delete(errs, "sort")
			errs["query"] = strings.TrimSpace(errs["query"] + " Sort: " + m)
		}
		return a.tmpl.Render(w, http.StatusUnprocessableEntity, "view_form", viewFormPage{
			Layout: a.layout(w, r, rq, "Save this search as a view", ""), Name: in.Name, Query: in.Query, Sort: in.Sort,
			Shared: in.Shared, Cancel: "/tickets?q=" + url.QueryEscape(in.Query), Errors: errs})
	}
	a.site.Flash(w, fmt.Sprintf("View “%s” saved.", v.Name))
	http.Redirect(w, r, viewURL(v), http.StatusSeeOther)
	return nil
}

func viewURL(v *view.View) string { return "/tickets?view=v" + strconv.FormatInt(v.ID, 10) }

// pathView loads the view of the URL, if the agent may change it.
func (a *Agent) pathView(r *http.Request, rq *request) (*view.View, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	v, err := a.Views.Get(r.Context(), rq.actor, id)
	if err != nil {
		return nil, err
	}
	if v.Shared() && !rq.actor.IsAdmin() {
		return nil, fault.Forbidden("only admins change shared views")
	}
	return v, nil
}

// renameForm asks for a view's new name.
func (a *Agent) renameForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := a.pathView(r, rq)
	if err != nil {
		return err
	}
	return a.renderRename(w, r, rq, http.StatusOK, v, v.Name, map[string]string{})
}

func (a *Agent) renderRename(w http.ResponseWriter, r *http.Request, rq *request, status int, v *view.View, name string, errs map[string]string) error {
	return a.tmpl.Render(w, status, "view_form", viewFormPage{Layout: a.layout(w, r, rq, fmt.Sprintf("Rename the view “%s”", v.Name), viewKey(v)),
		V: v, Name: name, Query: v.Query, Sort: v.Sort, Cancel: viewURL(v), Errors: errs})
}

func viewKey(v *view.View) string { return "v" + strconv.FormatInt(v.ID, 10) }

// renameView renames a view; a name the agent already uses for another
// view is refused next to the field.
func (a *Agent) renameView(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := a.pathView(r, rq)
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	nv, err := a.Views.Rename(r.Context(), rq.actor, v.ID, name)
	if err != nil {
		errs := map[string]string{}
		if !fieldErrors(err, errs) {
			return err
		}
		return a.renderRename(w, r, rq, http.StatusUnprocessableEntity, v, name, errs)
	}
	a.site.Flash(w, fmt.Sprintf("View renamed to “%s”.", nv.Name))
	http.Redirect(w, r, viewURL(nv), http.StatusSeeOther)
	return nil
}

// deleteView deletes a view, once the agent confirmed.
func (a *Agent) deleteView(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := a.pathView(r, rq)
	if err != nil {
		return err
	}
	if ok, err := a.confirmed(w, r, rq, confirmation{Heading: fmt.Sprintf("Delete the view “%s”?", v.Name),
		Detail: deleteViewDetail(v), Button: "Delete view", Cancel: viewURL(v)}); !ok {
		return err
	}
	if err := a.Views.Delete(r.Context(), rq.actor, v.ID); err != nil {
		return err
	}
	a.site.Flash(w, "View deleted.")
	http.Redirect(w, r, "/tickets?view=open", http.StatusSeeOther)
	return nil
}

func deleteViewDetail(v *view.View) string {
	who := "You"
	if v.Shared() {
		who = "No agent"
	}
	return who + " will find it in the side bar no more. The tickets it lists are not changed. This cannot be undone."
}
