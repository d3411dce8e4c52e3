package agent

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
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
		Fields: map[string]string{"resolution": r.PostFormValue("resolution")}}
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
	if strings.TrimSpace(d.Body) == "" {
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
		a.flash(w, "Note added.")
	} else {
		a.flash(w, "Reply sent.")
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d#m-%s", m.TicketNumber, m.UID), http.StatusSeeOther)
	return nil
}

// saveUploads stores the files of a multipart form and returns their ids.
func (a *Agent) saveUploads(r *http.Request, rq *request) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var ids []string
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > a.MaxUploadBytes {
			return nil, fault.Field("files", "%s is larger than %s", fh.Filename, humanSize(a.MaxUploadBytes))
		}
		id, err := a.saveUpload(r, rq, fh)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (a *Agent) saveUpload(r *http.Request, rq *request, fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	ct, err := sniff(f)
	if err != nil {
		return "", err
	}
	att, err := a.Attachments.Save(r.Context(), rq.actor, fh.Filename, ct, f)
	if err != nil {
		return "", err
	}
	return att.ID, nil
}

// sniff reads the content type from the first bytes of a seekable file and
// rewinds it; what the browser claimed is ignored.
func sniff(f io.ReadSeeker) (string, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(head[:n]))
	return ct, nil
}

// update applies the side panel's field changes.
func (a *Agent) update(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	form := map[string]string{}
	for _, k := range []string{"status", "resolution", "solution", "priority", "impact", "urgency", "type", "category", "team", "assignee", "tags", "subject"} {
		if vs, ok := r.PostForm[k]; ok && len(vs) > 0 {
			form[k] = vs[0]
		}
	}
	d := draft{Fields: form}
	p := ticket.Patch{}
	str := func(k string) *string {
		if v, ok := form[k]; ok {
			return &v
		}
		return nil
	}
	t, err := a.Tickets.Get(r.Context(), rq.actor, n)
	if err != nil {
		return err
	}
	// Only send what differs from what the page showed, so an untouched
	// field never overwrites someone else's change.
	if v, ok := form["status"]; ok && v != string(t.Status) {
		s := ticket.Status(v)
		p.Status = &s
	}
	if v, ok := form["resolution"]; ok && v != "" && (v != string(t.Resolution) || p.Status != nil) {
		res := ticket.Resolution(v)
		p.Resolution = &res
	}
	if v, ok := form["solution"]; ok && v != t.Solution && (p.Status != nil || p.Resolution != nil || t.Status == ticket.StatusResolved) {
		p.Solution = &v
	}
	if v, ok := form["priority"]; ok && v != t.Priority.String() {
		p.Priority = &v
	}
	if v, ok := form["impact"]; ok && v != string(t.Impact) {
		l := ticket.Level(v)
		p.Impact = &l
	}
	if v, ok := form["urgency"]; ok && v != string(t.Urgency) {
		l := ticket.Level(v)
		p.Urgency = &l
	}
	if v, ok := form["type"]; ok && v != string(t.Type) {
		ty := ticket.Type(v)
		p.Type = &ty
	}
	if v := str("category"); v != nil && *v != refName(t.Category) {
		p.Category = v
	}
	if v := str("team"); v != nil && *v != refName(t.Team) {
		p.Team = v
	}
	if v := str("assignee"); v != nil {
		cur := ""
		if t.Assignee != nil {
			cur = t.Assignee.Email
		}
		if *v == "me" {
			*v = rq.actor.Email
		}
		if !strings.EqualFold(*v, cur) {
			p.Assignee = v
		}
	}
	if v, ok := form["tags"]; ok {
		tags := splitTags(v)
		if strings.Join(tags, ",") != strings.Join(t.Tags, ",") {
			p.Tags = &tags
		}
	}
	if v := str("subject"); v != nil && *v != t.Subject {
		p.Subject = v
	}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	if cf := formFields(r, defs, t.CustomFields); len(cf) > 0 {
		p.CustomFields = cf
	}
	version := formInt(r, "version")
	if r.PostFormValue("force") == "1" {
		version = 0
	}
	if _, err := a.Tickets.Update(r.Context(), rq.actor, n, p, version); err != nil {
		if errors.Is(err, fault.ErrPrecondition) {
			return a.rerender(w, r, rq, n, d, "update", formInt(r, "seen"), nil)
		}
		errs := map[string]string{}
		if fieldErrors(err, errs) {
			return a.rerender(w, r, rq, n, d, "", 0, errs)
		}
		return err
	}
	a.flash(w, "Ticket updated.")
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
	return nil
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

// rerender shows the ticket page again with the agent's draft, field
// errors, or the changes that happened since they loaded it.
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
	if errs != nil {
		p.Errors = errs
	}
	showDraft(p.T, d.Fields)
	if defs, err := a.Tickets.FieldDefs(r.Context()); err == nil {
		values := p.T.CustomFields
		if r.PostForm != nil {
			values = map[string]any{}
			for k, v := range p.T.CustomFields {
				values[k] = v
			}
			for k, v := range formFields(r, defs, nil) {
				values[k] = v
			}
		}
		p.Fields = fieldInputs(defs, p.T.Type, refName(p.T.Category), values, errs)
	}
	status := http.StatusUnprocessableEntity
	if conflict != "" {
		p.ConflictFor = conflict
		a.conflictSince(p, seen)
		status = http.StatusConflict
	}
	return a.tmpl.render(w, status, "ticket", p)
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
	a.flash(w, msg)
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
	a.flash(w, fmt.Sprintf("Unlinked #%d.", other))
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d", n), http.StatusSeeOther)
	return nil
}

// showDraft puts the values an agent submitted back into the properties
// form of a re-shown page, so "Apply anyway" sends their change, not the
// current state. Only the copy shown is changed.
func showDraft(t *ticket.Ticket, f map[string]string) {
	if v, ok := f["status"]; ok && ticket.Status(v).Valid() {
		t.Status = ticket.Status(v)
	}
	if v, ok := f["resolution"]; ok {
		t.Resolution = ticket.Resolution(v)
	}
	if v, ok := f["solution"]; ok {
		t.Solution = v
	}
	if v, ok := f["priority"]; ok {
		if p, ok := ticket.ParsePriority(v); ok {
			t.Priority = p
		}
	}
	if v, ok := f["impact"]; ok {
		t.Impact = ticket.Level(v)
	}
	if v, ok := f["urgency"]; ok {
		t.Urgency = ticket.Level(v)
	}
	if v, ok := f["type"]; ok && ticket.Type(v).Valid() {
		t.Type = ticket.Type(v)
	}
	if v, ok := f["category"]; ok {
		t.Category = optName(v)
	}
	if v, ok := f["team"]; ok {
		t.Team = optName(v)
	}
	if v, ok := f["assignee"]; ok {
		t.Assignee = nil
		if v != "" {
			t.Assignee = &ticket.Person{Email: v}
		}
	}
	if v, ok := f["tags"]; ok {
		t.Tags = splitTags(v)
	}
}

func optName(v string) *ticket.Ref {
	if v == "" {
		return nil
	}
	return &ticket.Ref{Name: v}
}
