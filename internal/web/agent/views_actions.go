package agent

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/view"
)

// saveView stores the current search as a view.
func (a *Agent) saveView(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := a.Views.Create(r.Context(), rq.actor, view.Input{Name: r.PostFormValue("name"), Query: r.PostFormValue("query"),
		Sort: r.PostFormValue("sort"), Shared: r.PostFormValue("shared") == "1"})
	if err != nil {
		errs := map[string]string{}
		if fieldErrors(err, errs) {
			for f, m := range errs {
				a.flash(w, "The view was not saved: "+f+" "+m)
				break
			}
			http.Redirect(w, r, "/tickets?q="+url.QueryEscape(r.PostFormValue("query")), http.StatusSeeOther)
			return nil
		}
		return err
	}
	a.flash(w, fmt.Sprintf("View “%s” saved.", v.Name))
	http.Redirect(w, r, "/tickets?view=v"+strconv.FormatInt(v.ID, 10), http.StatusSeeOther)
	return nil
}

func (a *Agent) deleteView(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return fault.ErrNotFound
	}
	if err := a.Views.Delete(r.Context(), rq.actor, id); err != nil {
		return err
	}
	a.flash(w, "View deleted.")
	http.Redirect(w, r, "/tickets?view=open", http.StatusSeeOther)
	return nil
}
