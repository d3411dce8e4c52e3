package agent

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// reply posts a public reply or internal note, with attachments and an
// optional status change, from the ticket page's form.
func (a *Agent) reply(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := draft{Body: r.PostFormValue("body"), Internal: r.PostFormValue("kind") == "note", Status: r.PostFormValue("status"),
		Fields: map[string]string{"resolution": r.PostFormValue("resolution")}, Macro: formInt(r, "macro")}
	if err := a.keepDraft(ctx, rq, n, d); err != nil {
		return err
	}
	// Collision: the ticket changed since the page was loaded. Show what
	// changed and keep the draft; the agent re-sends knowingly.
	if r.PostFormValue("force") != "1" {
		t, err := a.Tickets.Get(ctx, rq.actor, n)
		if err != nil {
			return err
		}
		if v := formInt(r, "version"); v != 0 && v != t.Version {
			return a.rerender(w, r, rq, n, d, "reply", formInt(r, "seen"), nil)
		}
	}
	if strings.TrimSpace(d.Body) == "" && d.Macro == 0 {
		return a.rerender(w, r, rq, n, d, "", 0, map[string]string{"body": "Write a message before sending."})
	}
	ids, err := a.saveUploads(r, rq)
	if err != nil {
		var inv *fault.Invalid
		if errors.As(err, &inv) || errors.Is(err, fault.ErrTooLarge) {
			msg := "A file is larger than the limit of " + humanSize(a.MaxUploadBytes) + "."
			if inv != nil {
				msg = inv.Fields[0].Message
			}
			return a.rerender(w, r, rq, n, d, "", 0, map[string]string{"files": msg})
		}
		return err
	}
	ids = append(ids, r.PostForm["attachments"]...)
	in := ticket.NewReply{Body: d.Body, Internal: d.Internal, Attachments: ids, Channel: ticket.ChannelWeb, InTx: a.dropDraft(rq, n)}
	if d.Status != "" {
		in.Status = ticket.Status(d.Status)
		in.Resolution = ticket.Resolution(d.Fields["resolution"])
	}
	if d.Macro != 0 {
		return a.replyWithMacro(w, r, rq, n, d, in)
	}
	m, err := a.Tickets.Reply(ctx, rq.actor, n, in)
	if err != nil {
		errs := map[string]string{}
		if fieldErrors(err, errs) {
			return a.rerender(w, r, rq, n, d, "", 0, errs)
		}
		if errors.Is(err, fault.ErrConflict) {
			return a.rerender(w, r, rq, n, d, "", 0, map[string]string{"body": fault.Detail(err)})
		}
		return err
	}
	if d.Internal {
		a.site.Flash(w, "Note added.")
	} else {
		a.site.Flash(w, "Reply sent.")
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d#m-%s", m.TicketNumber, m.UID), http.StatusSeeOther)
	return nil
}

// saveUploads stores the files of a multipart form and returns their ids.
func (a *Agent) saveUploads(r *http.Request, rq *request) ([]string, error) {
	return web.SaveUploads(r, a.Attachments, rq.actor, a.MaxUploadBytes)
}

func refName(r *ticket.Ref) string {
	if r == nil {
		return ""
	}
	return r.Name
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// rerender shows the ticket page again with the agent's reply draft, field
// errors, or the changes that happened since they loaded it. The property
// panel shows the ticket as it is (rerenderPanel keeps its edits).
func (a *Agent) rerender(w http.ResponseWriter, r *http.Request, rq *request, n int64, d draft, conflict string, seen int64, errs map[string]string) error {
	p, err := a.loadTicketPage(w, r, rq, n)
	if err != nil {
		return err
	}
	if d.Body == "" {
		// Not a refused message: the composer keeps the stored draft.
		d.Body, d.Internal, d.Saved = p.Draft.Body, p.Draft.Internal, p.Draft.Saved
	}
	p.Draft = d
	if d.Macro != 0 {
		if p.Staged, err = a.Macros.Get(r.Context(), rq.actor, d.Macro); err != nil {
			p.Staged, p.Draft.Macro = nil, 0 // gone meanwhile: the page says so where it refused
		}
	}
	if errs != nil {
		p.Errors = errs
		placeTicketErrors(p, r, errs)
	}
	status := http.StatusUnprocessableEntity
	if conflict != "" {
		p.ConflictFor = conflict
		a.conflictSince(p, seen)
		status = http.StatusConflict
	}
	return a.tmpl.Render(w, status, "ticket", p)
}

// relate links this ticket to another, or merges it into another.
func (a *Agent) relate(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	other, ok := ticket.ParseNumber(r.PostFormValue("other"))
	typ := r.PostFormValue("type")
	if !ok {
		return a.rerender(w, r, rq, n, draft{}, "", 0, map[string]string{"ticket": "Enter a ticket number, like 1042."})
	}
	var msg string
	if typ == "merge" {
		if ok, err := a.confirmMerge(w, r, rq, n, other); !ok {
			return err
		}
		_, err = a.Tickets.Merge(r.Context(), rq.actor, n, other)
		msg = fmt.Sprintf("Merged into #%d.", other)
	} else {
		err = a.Tickets.AddLink(r.Context(), rq.actor, n, ticket.LinkType(typ), other)
		msg = fmt.Sprintf("Linked to #%d.", other)
	}
	if err != nil {
		errs := map[string]string{}
		if fieldErrors(err, errs) {
			return a.rerender(w, r, rq, n, draft{}, "", 0, errs)
		}
		if errors.Is(err, fault.ErrConflict) {
			return a.rerender(w, r, rq, n, draft{}, "", 0, map[string]string{"relate": fault.Detail(err)})
		}
		return err
	}
	a.site.Flash(w, msg)
	target := n
	if typ == "merge" {
		target = other
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d", target), http.StatusSeeOther)
	return nil
}

// unlink removes the link between this ticket and another.
func (a *Agent) unlink(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	other, ok := ticket.ParseNumber(r.PostFormValue("other"))
	if !ok {
		return a.rerender(w, r, rq, n, draft{}, "", 0, map[string]string{"relate": "Choose a linked ticket to unlink."})
	}
	if err := a.Tickets.RemoveLink(r.Context(), rq.actor, n, other); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return a.rerender(w, r, rq, n, draft{}, "", 0, map[string]string{"relate": fault.Detail(err)})
		}
		return err
	}
	a.site.Flash(w, fmt.Sprintf("Unlinked #%d.", other))
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
	return nil
}

// confirmMerge asks before merging ticket n into other, once both are
// tickets the agent may see.
func (a *Agent) confirmMerge(w http.ResponseWriter, r *http.Request, rq *request, n, other int64) (bool, error) {
	if r.PostFormValue("confirm") == "1" || other == n {
		return true, nil // a merge into itself is refused by Merge, with its reason
	}
	from, err := a.Tickets.Get(r.Context(), rq.actor, n)
	if err != nil {
		return false, err
	}
	into, err := a.Tickets.Get(r.Context(), rq.actor, other)
	if errors.Is(err, fault.ErrNotFound) {
		return false, a.rerender(w, r, rq, n, draft{}, "", 0, map[string]string{"into": fmt.Sprintf("There is no other ticket #%d you may merge into.", other)})
	}
	if err != nil {
		return false, err
	}
	return a.confirmed(w, r, rq, confirmation{Heading: fmt.Sprintf("Merge %s into %s?", from.Reference, into.Reference),
		Detail: fmt.Sprintf("The conversation of %s “%s” moves to %s “%s”, and %s is closed. A merge cannot be undone.",
			from.Reference, from.Subject, into.Reference, into.Subject, from.Reference),
		Button: "Merge", Cancel: fmt.Sprintf("/tickets/%d", n)})
}
