package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/docket/docket/internal/idempotency"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// replayHeaders are the response headers stored with an idempotent result.
var replayHeaders = []string{"Content-Type", "Location", "ETag"}

type captured struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *captured) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

// idempotent runs h at most once per Idempotency-Key: a retry gets the
// stored response (4xx included) with Idempotent-Replayed: true.
func (a *API) idempotent(w http.ResponseWriter, r *http.Request, actor *user.Actor, h web.HandlerFunc) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return h(w, r)
	}
	if len(key) > 255 {
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "The Idempotency-Key header must be at most 255 characters."}
	}
	// The fingerprint covers what the handler reads: the path and the body.
	limit := a.MaxBodyBytes
	if a.MaxUploadBytes > limit {
		limit = a.MaxUploadBytes + 1<<20
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: "The body is too large."}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.New()
	sum.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n" + r.Header.Get("Content-Type") + "\n"))
	sum.Write(body)
	stored, err := a.Idem.Begin(r.Context(), actor.ID, key, hex.EncodeToString(sum.Sum(nil)))
	switch {
	case errors.Is(err, idempotency.ErrMismatch):
		return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "This Idempotency-Key was already used for a different request."}
	case errors.Is(err, idempotency.ErrInProgress):
		return &web.StatusError{Status: http.StatusConflict, Detail: "A request with this Idempotency-Key is still in progress.", RetryAfter: time.Second}
	case err != nil:
		return err
	case stored != nil:
		var hs map[string]string
		_ = json.Unmarshal([]byte(stored.Headers), &hs)
		for k, v := range hs {
			w.Header().Set(k, v)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(stored.Status)
		_, err := io.WriteString(w, stored.Body)
		return web.Written(err)
	}
	c := &captured{ResponseWriter: w}
	herr := h(c, r)
	if herr != nil && !web.IsWritten(herr) {
		web.WriteProblem(c, herr)
	}
	bg := context.WithoutCancel(r.Context())
	if c.status >= 500 || c.status == 0 {
		_ = a.Idem.Release(bg, actor.ID, key)
		return web.Written(herr)
	}
	hs := map[string]string{}
	for _, k := range replayHeaders {
		if v := c.Header().Get(k); v != "" {
			hs[k] = v
		}
	}
	hj, _ := json.Marshal(hs)
	if err := a.Idem.Complete(bg, actor.ID, key, idempotency.Result{Status: c.status, Headers: string(hj), Body: redact(c.buf.Bytes())}); err != nil {
		return web.Written(err)
	}
	return web.Written(herr)
}

// redact removes secrets from a response before it is stored for replay:
// an API token's secret is shown once and never kept, so a replayed token
// creation answers the token's record without it.
func redact(body []byte) string {
	if !bytes.Contains(body, []byte(`"token"`)) {
		return string(body)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return string(body)
	}
	delete(m, "token")
	out, _ := json.Marshal(m)
	return string(out)
}
