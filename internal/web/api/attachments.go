package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

func (a *API) uploadAttachment(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, a.MaxUploadBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "Send the file as multipart/form-data in a field named file."}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fault.Field("file", "is required")
		}
		if err != nil {
			return tooLargeOr(err, a.MaxUploadBytes)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		// Sniff the type from the content; the client's claim is ignored.
		head := make([]byte, 512)
		n, err := io.ReadFull(part, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return tooLargeOr(err, a.MaxUploadBytes)
		}
		head = head[:n]
		ct, _, _ := mime.ParseMediaType(http.DetectContentType(head))
		att, err := a.Attachments.Save(r.Context(), actor, part.FileName(), ct, io.MultiReader(bytes.NewReader(head), part))
		if err != nil {
			if errors.Is(err, fault.ErrTooLarge) {
				return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("Files may be at most %d bytes.", a.MaxUploadBytes)}
			}
			return tooLargeOr(err, a.MaxUploadBytes)
		}
		w.Header().Set("Location", "/api/v1/attachments/"+att.ID)
		return web.JSON(w, http.StatusCreated, attachmentJSON{att.ID, att.Filename, att.ContentType, att.Size})
	}
}

func tooLargeOr(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("Files may be at most %d bytes.", max)}
	}
	if errors.Is(err, fault.ErrInvalid) {
		return err
	}
	return &web.StatusError{Status: http.StatusBadRequest, Detail: "The upload could not be read."}
}

func (a *API) downloadAttachment(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	att, f, err := a.Attachments.Open(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	disposition := "attachment"
	ct := att.ContentType
	if att.SafeInline() {
		disposition = "inline"
	} else {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": att.Filename}))
	h.Set("Content-Length", strconv.FormatInt(att.Size, 10))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", `"`+att.SHA256+`"`)
	http.ServeContent(w, r, "", att.CreatedAt, f)
	return nil
}
