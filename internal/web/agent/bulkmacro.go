package agent

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/macro"
)

// bulkMacro applies the chosen macro to each of numbers, one transaction
// per ticket: a ticket where an action fails is left as it was and listed
// with the reason, the others change. Its reply text is not sent: that is
// for the composer of one ticket. A macro goes alone: other bulk changes
// chosen with it are refused, so no ticket gets half of them.
func (a *Agent) bulkMacro(w http.ResponseWriter, r *http.Request, rq *request, back string, form bulkForm, numbers []int64) error {
	for _, k := range bulkFields {
		if k != "macro" && form.Values[k] != "" {
			form.Errors = []string{"Apply a macro on its own: clear the other changes, or apply them first."}
			return a.bulkDone(w, r, rq, back, form, 0)
		}
	}
	id, err := strconv.ParseInt(form.Values["macro"], 10, 64)
	var m *macro.Macro
	if err == nil {
		m, err = a.Macros.Get(r.Context(), rq.actor, id)
	}
	if err != nil {
		form.Errors = []string{"That macro is gone; choose another."}
		return a.bulkDone(w, r, rq, back, form, 0)
	}
	var refused refusals
	done := 0
	for _, n := range numbers {
		if _, err := a.Macros.Apply(r.Context(), rq.actor, n, m.ID, 0, nil); err != nil {
			refused.add(reason(err), n)
			if reason(err) == "not changed" {
				a.Log.ErrorContext(r.Context(), "bulk macro failed", "ticket", n, "macro", m.ID, "err", err)
			}
			continue
		}
		done++
	}
	form.Errors = refused.lines()
	for i, line := range form.Errors {
		form.Errors[i] = fmt.Sprintf("Macro “%s” refused — %s", m.Name, line)
	}
	return a.bulkDone(w, r, rq, back, form, done)
}
