package web

import (
	"mime"
	"net/http"
	"strconv"
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
