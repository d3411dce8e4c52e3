package agent

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// maxBulk bounds one bulk action.
const maxBulk = 200

// bulkFields are the bulk form's fields for the changes to make.
var bulkFields = []string{"assignee", "status", "resolution", "priority", "add_tag", "remove_tag", "merge_into", "macro"}

// bulkForm is the bulk form as the agent left it. A refused action shows
// the queue again with it, so no selection or chosen value is lost.
type bulkForm struct {
	Selected map[int64]bool
	All      bool              // every ticket matching the queue, not only those ticked
	Values   map[string]string // the chosen changes, by field
	Errors   []string
}

// Open reports whether the form has something to show.
func (b bulkForm) Open() bool { return len(b.Errors) > 0 }

// bulk applies one set of changes to every selected ticket, or to every
// ticket matching the queue. Each ticket is changed on its own through the
// service, so one refusal (a ticket that cannot be resolved, say) does not
// stop the others; refusals are listed on the queue, with the form as the
// agent left it.
func (a *Agent) bulk(w http.ResponseWriter, r *http.Request, rq *request) error {
	back := web.SafeNext(r.PostFormValue("back"))
	form := bulkForm{Selected: map[int64]bool{}, Values: map[string]string{}, All: r.PostFormValue("scope") == "all"}
	for _, k := range bulkFields {
		form.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	var numbers []int64
	for _, v := range r.PostForm["n"] {
		if n, ok := ticket.ParseNumber(v); ok && !slices.Contains(numbers, n) {
			numbers = append(numbers, n)
			form.Selected[n] = true
		}
	}
	refuse := func(msg string) error {
		form.Errors = []string{msg}
		return a.bulkDone(w, r, rq, back, form, 0)
	}
	if form.All {
		var msg string
		var err error
		if numbers, msg, err = a.allMatching(r, rq, back); err != nil {
			return err
		} else if msg != "" {
			return refuse(msg)
		}
	}
	if len(numbers) == 0 {
		return refuse("Select at least one ticket.")
	}
	if len(numbers) > maxBulk {
		return refuse(fmt.Sprintf("A bulk action changes at most %d tickets at once.", maxBulk))
	}
	var refused refusals
	fail := func(n int64, err error) {
		refused.add(reason(err), n)
		if reason(err) == "not changed" {
			a.Log.ErrorContext(r.Context(), "bulk action failed", "ticket", n, "err", err)
		}
	}
	if form.Values["macro"] != "" {
		return a.bulkMacro(w, r, rq, back, form, numbers)
	}
	if into := form.Values["merge_into"]; into != "" {
		target, ok := ticket.ParseNumber(into)
		if !ok {
			return refuse("Merge: enter the number of the ticket to merge into.")
		}
		if ok, err := a.confirmed(w, r, rq, confirmation{Heading: fmt.Sprintf("Merge %d tickets into #%d?", len(numbers), target),
			Detail: fmt.Sprintf("The conversations of the selected tickets move to #%d, and each of them is closed. A merge cannot be undone.", target),
			Button: "Merge", Cancel: back}); !ok {
			return err
		}
		done := 0
		for _, n := range numbers {
			if n == target {
				continue
			}
			if _, err := a.Tickets.Merge(r.Context(), rq.actor, n, target); err != nil {
				fail(n, err)
				continue
			}
			done++
		}
		form.Errors = refused.lines()
		return a.bulkDone(w, r, rq, back, form, done)
	}
	p := ticket.Patch{}
	if v := r.PostFormValue("assignee"); v != "" {
		switch v {
		case "me":
			v = rq.actor.Email
		case "none":
			v = ""
		}
		p.Assignee = &v
	}
	if v := r.PostFormValue("status"); v != "" {
		st := ticket.Status(v)
		p.Status = &st
		if res := r.PostFormValue("resolution"); res != "" {
			rs := ticket.Resolution(res)
			p.Resolution = &rs
		}
	}
	if v := r.PostFormValue("priority"); v != "" {
		p.Priority = &v
	}
	add, remove := strings.TrimSpace(r.PostFormValue("add_tag")), strings.TrimSpace(r.PostFormValue("remove_tag"))
	done := 0
	for _, n := range numbers {
		pp := p
		if add != "" || remove != "" {
			t, err := a.Tickets.Get(r.Context(), rq.actor, n)
			if err != nil {
				fail(n, err)
				continue
			}
			tags := slices.Clone(t.Tags)
			if add != "" {
				tags = append(tags, add)
			}
			if remove != "" {
				norm := ticket.NormalizeTags(&fault.Invalid{}, []string{remove})
				tags = slices.DeleteFunc(tags, func(s string) bool { return slices.Contains(norm, s) })
			}
			pp.Tags = &tags
		}
		if _, err := a.Tickets.Update(r.Context(), rq.actor, n, pp, 0); err != nil {
			fail(n, err)
			continue
		}
		done++
	}
	form.Errors = refused.lines()
	return a.bulkDone(w, r, rq, back, form, done)
}

// allMatching lists the tickets matching the queue at back, the same the
// queue lists; msg says why there are none to change.
func (a *Agent) allMatching(r *http.Request, rq *request, back string) (numbers []int64, msg string, err error) {
	u, _ := url.Parse(back)
	qs := u.Query()
	sel, err := a.selection(r.Context(), rq.actor, qs.Get("view"), strings.TrimSpace(qs.Get("q")))
	if err != nil {
		return nil, "", err
	}
	if sel.problem != "" {
		return nil, sel.problem, nil
	}
	n, err := a.Tickets.Count(r.Context(), rq.actor, sel.filter)
	if err != nil {
		return nil, problem(err), nil
	}
	if n > maxBulk {
		return nil, fmt.Sprintf("%d tickets match; a bulk action changes at most %d at once. Narrow the search first.", n, maxBulk), nil
	}
	f := sel.filter
	f.Limit = maxBulk
	ts, _, err := a.Tickets.List(r.Context(), rq.actor, f)
	if err != nil {
		return nil, problem(err), nil
	}
	for _, t := range ts {
		numbers = append(numbers, t.Number)
	}
	return numbers, "", nil
}

// refusals groups the tickets a bulk action could not change by why.
type refusals struct {
	reasons []string
	numbers map[string][]int64
}

func (r *refusals) add(why string, n int64) {
	if r.numbers == nil {
		r.numbers = map[string][]int64{}
	}
	if _, ok := r.numbers[why]; !ok {
		r.reasons = append(r.reasons, why)
	}
	r.numbers[why] = append(r.numbers[why], n)
}

// lines says, once per reason, which tickets it refused (ten at most).
func (r *refusals) lines() []string {
	var out []string
	for _, why := range r.reasons {
		ns := r.numbers[why]
		refs := make([]string, 0, 10)
		for _, n := range ns[:min(len(ns), 10)] {
			refs = append(refs, "#"+strconv.FormatInt(n, 10))
		}
		line := strings.ToUpper(why[:1]) + why[1:] + ": " + strings.Join(refs, ", ")
		if len(ns) > 10 {
			line += fmt.Sprintf(" and %d more", len(ns)-10)
		}
		out = append(out, line)
	}
	return out
}

// reason says in a few words why a ticket was not changed.
func reason(err error) string {
	var inv *fault.Invalid
	switch {
	case errors.As(err, &inv) && len(inv.Fields) > 0:
		return inv.Fields[0].Field + " " + inv.Fields[0].Message
	case errors.Is(err, fault.ErrNotFound):
		return "not found"
	case fault.Detail(err) != "":
		return fault.Detail(err)
	}
	return "not changed"
}

// bulkDone reports the outcome. When all went through, the agent goes
// back to the list they came from; a refusal shows that list again with
// the form as they left it and what was refused (nothing in the URL).
func (a *Agent) bulkDone(w http.ResponseWriter, r *http.Request, rq *request, back string, form bulkForm, done int) error {
	changed := fmt.Sprintf("%d ticket(s) changed.", done)
	u, err := url.Parse(back)
	if len(form.Errors) == 0 || err != nil || u.Path != "/tickets" {
		if len(form.Errors) > 0 {
			changed += " Refused: " + strings.Join(form.Errors, "; ")
		}
		a.site.Flash(w, changed)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	page, err := a.queuePage(w, r, rq, u, form)
	if err != nil {
		return err
	}
	if done > 0 {
		page.Flash = changed
	}
	return a.tmpl.Render(w, http.StatusUnprocessableEntity, "queue", page)
}
