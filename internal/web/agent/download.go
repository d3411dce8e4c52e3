package agent

import (
	"net/http"

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
	web.ServeAttachment(w, r, att.Filename, att.ContentType, att.SafeInline(), att.Size, att.CreatedAt, f)
	return nil
}

// limitBody bounds a form's size before anything reads it.
func (a *Agent) limitBody(h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		return h(w, r)
	}
}
