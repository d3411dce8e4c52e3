package agent

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// endedFormLimit bounds what is read of a form posted without a live
// session: a message's text and the composer's other fields, never files.
const endedFormLimit = 2*ticket.MaxBody + 64<<10

// signInAgain answers a request whose session has ended. Scripts (live
// updates, autosave, presence) get a 401 to show. A form posted from a
// page is never answered with a bare error: the agent is sent to sign in
// and back to the page, and text posted from a ticket's composer is kept
// first as their draft of that ticket, through the draft token the
// composer carries (the session that could say who they are is gone).
func (a *Agent) signInAgain(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost || web.WantsJSON(r) || r.Header.Get("X-CSRF-Token") != "" {
		return &web.StatusError{Status: http.StatusUnauthorized, Detail: "Your session has ended; sign in again."}
	}
	if err := a.site.CheckOrigin(r); err != nil {
		return err
	}
	form, err := endedForm(w, r)
	if err != nil {
		return err
	}
	next, kept := "/", false
	if n, ok := ticket.ParseNumber(r.PathValue("number")); ok {
		next = fmt.Sprintf("/tickets/%d", n)
		if body := form.Get("body"); strings.TrimSpace(body) != "" && form.Get("discard") != "1" {
			kind := draftKindOf(form.Get("kind"))
			if _, err := a.Drafts.SaveWithToken(r.Context(), form.Get("draft_token"), n, kind, body); err != nil {
				if web.ProblemFor(err).Status >= 500 {
					a.Log.ErrorContext(r.Context(), "keep a draft after the session ended", "request_id", web.RequestID(r.Context()),
						"path", r.URL.Path, "err", err)
				}
				// The text cannot be kept as anyone's draft: show it, so
				// it can be copied, rather than drop it.
				return a.tmpl.Render(w, http.StatusUnauthorized, "ended", endedPage{Layout: Layout{Title: "Session ended"},
					Next: next, Body: body})
			}
			kept = true
		}
	} else if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && r.Host != "" {
		next = web.SafeNext(ref.RequestURI())
	}
	msg := "Your session has ended; sign in again to continue."
	if kept {
		msg = "Your session ended before your message was sent: nothing was sent, and your text is kept as a draft. Sign in again to send it."
	}
	a.site.Flash(w, msg)
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	return nil
}

// endedForm reads the fields of a form posted without a live session: at
// most endedFormLimit bytes, and a multipart form's files are skipped,
// never stored. The composer puts its text before its files, so the text
// is read even when files follow past the limit.
func endedForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, endedFormLimit)
	tooLarge := &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The form is too large."}
	unreadable := &web.StatusError{Status: http.StatusBadRequest, Detail: "The form could not be read."}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		var mbe *http.MaxBytesError
		if err := r.ParseForm(); errors.As(err, &mbe) {
			return nil, tooLarge
		} else if err != nil {
			return nil, unreadable
		}
		return r.PostForm, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, unreadable
	}
	form := url.Values{}
	for {
		p, err := mr.NextPart()
		if err == nil && p.FileName() != "" {
			continue
		}
		var b []byte
		if err == nil {
			b, err = io.ReadAll(p)
		}
		if errors.Is(err, io.EOF) && b == nil {
			return form, nil
		}
		if err != nil {
			if form.Has("body") {
				return form, nil // only files, or the rest of them, are left
			}
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooLarge
			}
			return nil, unreadable
		}
		form.Add(p.FormName(), string(b))
	}
}

// endedPage shows text that was posted with an ended session and could
// not be kept.
type endedPage struct {
	Layout
	Next string
	Body string
}
