package agent

import (
	"net/http"
	"sort"
)

// confirmation describes an action that cannot be undone, for the page
// that asks first.
type confirmation struct {
	Heading string // the question: "Delete the view “Printers”?"
	Detail  string // what happens, and that it cannot be undone
	Button  string // the verb on the button: "Delete view"
	Cancel  string // where "Cancel" leads
}

// confirmPage repeats the refused form's fields with confirm=1, so the
// action works without JavaScript: the first POST asks, the second acts.
type confirmPage struct {
	Layout
	confirmation
	Action string
	Fields []confirmField
}

type confirmField struct{ Name, Value string }

// confirmed reports whether the posted form carries confirm=1. When it does
// not, it answers with the page that asks, and the handler returns what it
// returns. Call it after the checks that would refuse the action anyway
// (existence, permission), so nobody is asked to confirm what cannot
// happen.
func (a *Agent) confirmed(w http.ResponseWriter, r *http.Request, rq *request, c confirmation) (bool, error) {
	if r.PostFormValue("confirm") == "1" {
		return true, nil
	}
	p := confirmPage{Layout: a.layout(w, r, rq, c.Heading, ""), confirmation: c, Action: r.URL.Path}
	for name, vs := range r.PostForm {
		if name == "_csrf" || name == "confirm" {
			continue
		}
		for _, v := range vs {
			p.Fields = append(p.Fields, confirmField{name, v})
		}
	}
	sort.Slice(p.Fields, func(i, j int) bool { return p.Fields[i].Name < p.Fields[j].Name })
	return false, a.tmpl.Render(w, http.StatusOK, "confirm", p)
}
