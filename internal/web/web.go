// Package web is Docket's HTTP plumbing: handlers that return errors, one
// place that maps errors to responses (problem+json for the API), request
// ids, access logs, panics, security headers and metrics.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/fault"
)

// HandlerFunc is an HTTP handler that returns an error instead of writing
// one itself.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail,omitempty"`
	Errors []fault.FieldError `json:"errors,omitempty"`
}

// StatusError carries an explicit status and a public detail.
type StatusError struct {
	Status int
	Detail string
	Fields []fault.FieldError
	// RetryAfter, when set, becomes the Retry-After header (429, 503).
	RetryAfter time.Duration
}

func (e *StatusError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Detail) }

// Errorf returns a StatusError with a formatted public detail.
func Errorf(status int, format string, args ...any) error {
	return &StatusError{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// ProblemFor maps any error to the problem shown to the caller. Internal
// error text never leaves the server.
func ProblemFor(err error) Problem {
	var se *StatusError
	if errors.As(err, &se) {
		return Problem{Type: "about:blank", Title: http.StatusText(se.Status), Status: se.Status, Detail: se.Detail, Errors: se.Fields}
	}
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		return Problem{Type: "about:blank", Title: http.StatusText(http.StatusUnprocessableEntity), Status: http.StatusUnprocessableEntity,
			Detail: "One or more fields are invalid.", Errors: inv.Fields}
	}
	detail := fault.Detail(err)
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, fault.ErrNotFound):
		status, detail = http.StatusNotFound, "The resource does not exist or is not visible to you."
	case errors.Is(err, fault.ErrUnauthorized):
		status = http.StatusUnauthorized
		if detail == "" {
			detail = "Valid credentials are required."
		}
	case errors.Is(err, fault.ErrForbidden):
		status = http.StatusForbidden
		if detail == "" {
			detail = "You are not allowed to do this."
		}
	case errors.Is(err, fault.ErrPrecondition):
		status, detail = http.StatusPreconditionFailed, "The resource changed since you read it; fetch it again and re-apply your change."
	case errors.Is(err, fault.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, fault.ErrTooLarge):
		status, detail = http.StatusRequestEntityTooLarge, "The request is too large."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status, detail = http.StatusServiceUnavailable, "The request was cancelled or timed out."
	default:
		detail = "Something went wrong on our side; it has been logged."
	}
	return Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
}

// Seconds formats a duration for a Retry-After header, rounding up.
func Seconds(d time.Duration) string {
	return strconv.Itoa(int(d.Seconds() + 0.999))
}

// WriteProblem sends err as application/problem+json.
func WriteProblem(w http.ResponseWriter, err error) Problem {
	p := ProblemFor(err)
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		w.Header().Set("Retry-After", Seconds(se.RetryAfter))
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
	return p
}

// JSON writes v with status. A value that cannot be encoded is an error
// with nothing sent, which API answers with a problem.
func JSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return JSONBytes(w, status, append(b, '\n'))
}

// JSONBytes writes b, a JSON value already encoded (with its newline, as
// JSON's encoder ends one), as JSON does. Once the headers are sent, a
// failed write is a client that went away: the answer has begun, so it is
// Written, and API does not log it as a failure.
func JSONBytes(w http.ResponseWriter, status int, b []byte) error {
	jsonHeader(w, status)
	if _, err := w.Write(b); err != nil {
		return Written(&clientGone{err})
	}
	return nil
}

// clientGone is the error of a write to a client that went away.
type clientGone struct{ err error }

func (e *clientGone) Error() string { return "web: write the answer: " + e.err.Error() }
func (e *clientGone) Unwrap() error { return e.err }

// jsonHeader sends a JSON answer's headers with status.
func jsonHeader(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// writtenError is an error whose response has already been sent.
type writtenError struct{ err error }

func (e *writtenError) Error() string { return e.err.Error() }
func (e *writtenError) Unwrap() error { return e.err }

// IsWritten reports whether err's answer was already sent (Written).
func IsWritten(err error) bool {
	var we *writtenError
	return errors.As(err, &we)
}

// Written marks err (which may be nil) as already answered: the adapter
// only logs it.
func Written(err error) error {
	if err == nil {
		return nil
	}
	return &writtenError{err}
}

// API adapts an error-returning handler for JSON endpoints: errors become
// problem+json and server errors are logged once, with the request id.
func API(log *slog.Logger, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if gone := (*clientGone)(nil); errors.As(err, &gone) {
				return // the request's log line has its status
			}
			err = whenGone(r, err)
			var p Problem
			if we := (*writtenError)(nil); errors.As(err, &we) {
				p = ProblemFor(we.err)
			} else {
				p = WriteProblem(w, err)
			}
			if p.Status >= 500 && !errors.Is(err, context.Canceled) {
				log.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()),
					"method", r.Method, "path", r.URL.Path, "err", err)
			}
		}
	})
}

// whenGone adds the request's context error to err once that context has
// ended: the client went away (or the request's deadline passed) while the
// handler ran. A statement interrupted by it fails with the driver's own
// error instead — pgx's "driver: bad connection" for a query that began
// after the end, database/sql's "transaction has already been committed or
// rolled back" for a commit after it rolled back — which was answered, to
// nobody, as a 500 and logged as a failed request. It is the cancellation
// (503, not logged); an answer that does not depend on it (a 404) stays.
func whenGone(r *http.Request, err error) error {
	if cerr := r.Context().Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}

type ctxKey int

const requestIDKey ctxKey = 1

// RequestID returns the id given to the request by the middleware.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
