package agent

import (
	"errors"
	"io"
	"net/http"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/markup"
	"github.com/docket/docket/internal/web"
)

// preview renders Markdown exactly as a sent message will look.
func (a *Agent) preview(w http.ResponseWriter, r *http.Request, rq *request) error {
	body := r.PostFormValue("body")
	if len(body) > 256<<10 {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The message is too long."}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := io.WriteString(w, markup.Markdown(body))
	return err
}

// upload stores one dropped file and answers its id, which the reply form
// then sends along.
func (a *Agent) upload(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, fh, err := r.FormFile("file")
	if err != nil {
		return fault.Field("file", "is required")
	}
	defer f.Close()
	if fh.Size > a.MaxUploadBytes {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The file is larger than " + humanSize(a.MaxUploadBytes) + "."}
	}
	att, err := web.SaveFile(r.Context(), a.Attachments, rq.actor, fh.Filename, f)
	if errors.Is(err, fault.ErrTooLarge) {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The file is larger than " + humanSize(a.MaxUploadBytes) + "."}
	}
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusCreated, map[string]any{"id": att.ID, "filename": att.Filename, "content_type": att.ContentType, "size": att.Size})
}
