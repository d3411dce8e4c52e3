// Package api is Docket's REST API v1: JSON over HTTP with bearer tokens,
// problem+json errors, keyset pagination, ETags and idempotency keys. It
// only translates HTTP to service calls; the services own every rule.
package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/docket/docket/internal/webform"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/calendar"
	"github.com/docket/docket/internal/canned"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/idempotency"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/mailbox"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/sla"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/webhook"
)

// Deps are what the API needs.
type Deps struct {
	Log         *slog.Logger
	DB          *db.DB
	Users       *user.Service
	Tickets     *ticket.Service
	Attachments *attachment.Service
	Auth        *auth.Service
	Idem        *idempotency.Store
	Mailboxes   *mailbox.Service
	Importer    *mail.Importer
	Outbox      *outbox.Store
	Jobs        *job.Queue
	Runner      *job.Runner // tells whether this instance leads
	Audit       *audit.Service
	Calendars   *calendar.Service
	Reports     *report.Service
	SLA         *sla.Service
	Drafts      *draft.Service
	KB          *kb.Service
	Notify      *notify.Service
	// Satisfaction gives ticket JSON its rating.
	Satisfaction *satisfaction.Service

	Webhooks       *webhook.Service
	WebForms       *webform.Service
	Automation     *automation.Service
	Macros         *macro.Service
	Canned         *canned.Service
	Assign         *assign.Service
	MaxBodyBytes   int64
	MaxUploadBytes int64
}

// API serves /api/v1.
type API struct {
	Deps
	// failures limits requests without a valid token per client address,
	// so tokens cannot be guessed at speed: 30 at once, then one every 5
	// seconds. Valid tokens are never limited.
	failures *web.Limiter
}

// New returns the API.
func New(d Deps) *API {
	return &API{Deps: d, failures: web.NewLimiter(0.2, 30)}
}

// handle registers an authenticated JSON endpoint.
func (a *API) handle(mux *http.ServeMux, pattern string, h func(w http.ResponseWriter, r *http.Request, actor *user.Actor) error) {
	mux.Handle(pattern, web.API(a.Log, func(w http.ResponseWriter, r *http.Request) error {
		actor, tok, err := a.authenticate(r)
		if err != nil {
			if ok, wait := a.failures.Allow(web.ClientIP(r)); !ok {
				return &web.StatusError{Status: http.StatusTooManyRequests, RetryAfter: wait,
					Detail: "Too many requests without valid credentials; try again later."}
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="docket"`)
			return err
		}
		if tok.ReadOnly() && r.Method != http.MethodGet && r.Method != http.MethodHead {
			return fault.Forbidden("this token may only read")
		}
		if r.Method == http.MethodPost {
			return a.idempotent(w, r, actor, func(w http.ResponseWriter, r *http.Request) error { return h(w, r, actor) })
		}
		return h(w, r, actor)
	}))
}

func (a *API) authenticate(r *http.Request) (*user.Actor, *auth.Token, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, nil, &web.StatusError{Status: http.StatusUnauthorized, Detail: "Send an API token as Authorization: Bearer <token>."}
	}
	actor, tok, err := a.Auth.Authenticate(r.Context(), strings.TrimSpace(secret))
	if err != nil {
		if errors.Is(err, fault.ErrUnauthorized) {
			return nil, nil, &web.StatusError{Status: http.StatusUnauthorized, Detail: "The API token is invalid or revoked."}
		}
		return nil, nil, err
	}
	return actor, tok, nil
}

// decode reads a JSON object body into v strictly: unknown fields, wrong
// types, trailing data and oversized bodies are errors naming the field.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) ([]byte, error) {
	// Any declared type is read as JSON (curl -d says form-urlencoded), but a
	// multipart body is certainly not JSON.
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "multipart/") {
		return nil, &web.StatusError{Status: http.StatusUnsupportedMediaType, Detail: "Send the body as application/json."}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &web.StatusError{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("The body is larger than %d bytes.", a.MaxBodyBytes)}
		}
		return nil, &web.StatusError{Status: http.StatusBadRequest, Detail: "The body could not be read."}
	}
	return body, decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "The body is empty; send a JSON object."}
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "The body must hold exactly one JSON object."}
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return &web.StatusError{Status: http.StatusBadRequest, Detail: "The body must be a JSON object."}
		}
		return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "One or more fields are invalid.",
			Fields: []fault.FieldError{{Field: field, Message: "must be " + jsonKind(te.Type.Kind().String())}}}
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return &web.StatusError{Status: http.StatusBadRequest, Detail: "The body is not valid JSON."}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "One or more fields are invalid.",
			Fields: []fault.FieldError{{Field: name, Message: "is not a known field"}}}
	}
	var ve *fieldValueError
	if errors.As(err, &ve) {
		return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "One or more fields are invalid.",
			Fields: []fault.FieldError{{Field: ve.field, Message: ve.msg}}}
	}
	return &web.StatusError{Status: http.StatusBadRequest, Detail: "The body is not valid JSON."}
}

type fieldValueError struct{ field, msg string }

func (e *fieldValueError) Error() string { return e.field + ": " + e.msg }

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "a number"
	}
	return "of another type"
}

// present returns which top-level keys a JSON object has, and which of them
// are null, so PATCH can tell "absent" from "clear".
func present(body []byte) map[string]bool {
	var raw map[string]json.RawMessage
	out := map[string]bool{}
	if json.Unmarshal(body, &raw) == nil {
		for k, v := range raw {
			out[k] = string(v) == "null"
		}
	}
	return out
}

// page reads limit and cursor for id-keyed lists.
func page(r *http.Request, kind string) (after int64, limit int, err error) {
	limit = 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return 0, 0, fault.Field("limit", "must be a number from 1 to 200")
		}
		limit = n
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		k, id, ok := strings.Cut(string(b), ":")
		n, perr := strconv.ParseInt(id, 10, 64)
		if err != nil || !ok || k != kind || perr != nil || n < 0 {
			return 0, 0, fault.Field("cursor", "is not a cursor from this list")
		}
		after = n
	}
	return after, limit, nil
}

func idCursor(kind string, id int64) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(id, 10)))
	return &s
}

// list is the envelope of every list response.
type list[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s %q: %w", name, r.PathValue(name), fault.ErrNotFound)
	}
	return id, nil
}

func pathNumber(r *http.Request) (int64, error) {
	n, ok := ticket.ParseNumber(r.PathValue("number"))
	if !ok {
		return 0, fmt.Errorf("ticket %q: %w", r.PathValue("number"), fault.ErrNotFound)
	}
	return n, nil
}
