package agent

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
)

// maxBulk bounds one bulk action.
const maxBulk = 200

// bulk applies one set of changes to every selected ticket. Each ticket is
// changed on its own through the service, so one refusal (a ticket that
// cannot be resolved, say) does not stop the others; refusals are listed.
func (a *Agent) bulk(w http.ResponseWriter, r *http.Request, rq *request) error {
	back := safeNext(r.PostFormValue("back"))
	var numbers []int64
	for _, v := range r.PostForm["n"] {
		if n, ok := ticket.ParseNumber(v); ok && !slices.Contains(numbers, n) {
			numbers = append(numbers, n)
		}
	}
	if len(numbers) == 0 {
		a.flash(w, "Select at least one ticket.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	if len(numbers) > maxBulk {
		return fault.Field("n", "at most %d tickets at once", maxBulk)
	}
	var failures []string
	fail := func(n int64, err error) {
		failures = append(failures, fmt.Sprintf("#%d: %s", n, reason(err)))
		if reason(err) == "not changed" {
			a.Log.ErrorContext(r.Context(), "bulk action failed", "ticket", n, "err", err)
		}
	}
	if into := strings.TrimSpace(r.PostFormValue("merge_into")); into != "" {
		target, ok := ticket.ParseNumber(into)
		if !ok {
			return a.bulkDone(w, r, back, 0, []string{"Merge: enter the number of the ticket to merge into."})
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
		return a.bulkDone(w, r, back, done, failures)
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
	return a.bulkDone(w, r, back, done, failures)
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

// bulkDone reports the outcome on the list the agent came from.
func (a *Agent) bulkDone(w http.ResponseWriter, r *http.Request, back string, done int, failures []string) error {
	a.flash(w, fmt.Sprintf("%d ticket(s) changed.", done))
	if len(failures) > 0 {
		u, _ := url.Parse(back)
		q := u.Query()
		q.Del("bulk_error")
		for i, f := range failures {
			if i == 10 {
				q.Add("bulk_error", fmt.Sprintf("…and %d more", len(failures)-10))
				break
			}
			q.Add("bulk_error", f)
		}
		u.RawQuery = q.Encode()
		back = u.String()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func bulkErrors(r *http.Request) []string {
	errs := r.URL.Query()["bulk_error"]
	if len(errs) > 11 {
		errs = errs[:11]
	}
	for i, e := range errs {
		if len(e) > 300 {
			errs[i] = e[:300]
		}
	}
	return errs
}
