package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// ServeRawMessage writes an email as received as a download: message/rfc822
// with an attachment disposition, no sniffing, and a sandbox should a
// browser show it anyway. Mail is never rendered by Docket's own origin.
func ServeRawMessage(w http.ResponseWriter, filename string, raw []byte) {
	h := w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("Content-Length", strconv.Itoa(len(raw)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(raw)
}

// ServeAttachment sends a stored file as a download; only raster images
// the store judged safe are shown inline, and always in a sandbox.
func ServeAttachment(w http.ResponseWriter, r *http.Request, filename, contentType string, inline bool, size int64,
	modified time.Time, f io.ReadSeeker) {
	h := w.Header()
	disposition, ct := "attachment", "application/octet-stream"
	if inline {
		disposition, ct = "inline", contentType
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": filename}))
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", modified, f)
}
