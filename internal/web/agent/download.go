package agent

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/web"
)

// download serves an attachment to a signed-in agent who may see its
// ticket; only raster images are shown inline.
func (a *Agent) download(w http.ResponseWriter, r *http.Request, rq *request) error {
	att, f, err := a.Attachments.Open(r.Context(), rq.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	disposition, ct := "attachment", "application/octet-stream"
	if att.SafeInline() {
		disposition, ct = "inline", att.ContentType
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": att.Filename}))
	h.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", att.CreatedAt, f)
	return nil
}

// limitBody bounds a form's size before anything reads it.
func (a *Agent) limitBody(h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		return h(w, r)
	}
}
