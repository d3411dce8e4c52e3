package web

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/web/webtest"
)

// TestClientGoneIsNotAFailure: an answer whose client went away while it
// was written (a closed connection: broken pipe) is neither answered
// again with a problem — a second status on a response already begun,
// which net/http reports as a superfluous WriteHeader call — nor logged as
// a failed request: nothing failed but the client's connection.
func TestClientGoneIsNotAFailure(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	for name, h := range map[string]HandlerFunc{
		"JSON": func(w http.ResponseWriter, r *http.Request) error {
			return JSON(w, http.StatusOK, map[string]int{"a": 1})
		},
		"JSONBytes": func(w http.ResponseWriter, r *http.Request) error {
			return JSONBytes(w, http.StatusCreated, []byte("{}\n"))
		},
	} {
		logged.Reset()
		w := webtest.NewGoneWriter()
		API(log, h).ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/tickets", nil))
		if len(w.Statuses) != 1 || w.Statuses[0] >= 500 {
			t.Errorf("%s: statuses sent %v, want the answer's alone", name, w.Statuses)
		}
		if logged.Len() > 0 {
			t.Errorf("%s: logged %s", name, logged.String())
		}
	}
	// A value that cannot be encoded is a failure, answered before
	// anything is sent.
	logged.Reset()
	rec := httptest.NewRecorder()
	API(log, func(w http.ResponseWriter, r *http.Request) error {
		return JSON(w, http.StatusOK, map[string]any{"f": func() {}})
	}).ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/tickets", nil))
	if rec.Code != http.StatusInternalServerError || !bytes.Contains(logged.Bytes(), []byte("request failed")) {
		t.Errorf("an unencodable answer: %d, logged %q", rec.Code, logged.String())
	}
	if err := JSONBytes(webtest.NewGoneWriter(), http.StatusOK, nil); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("a failed write: %v, want the write's error", err)
	}
}

// TestGoneClientsFailuresAreCancellations: a handler whose request's
// context ended fails with whatever the driver made of that ("driver: bad
// connection", a transaction already rolled back). That is the client's
// cancellation — 503, not logged — where it was a 500 logged as a failed
// request; a 404 stays a 404, and the same error from a live request is
// still a logged 500.
func TestGoneClientsFailuresAreCancellations(t *testing.T) {
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	site := &Site{Log: log}
	badConn := fmt.Errorf("auth: token: %w", driver.ErrBadConn)
	for _, c := range []struct {
		name   string
		err    error
		gone   bool
		status int
		logged bool
	}{
		{"bad connection, client gone", badConn, true, http.StatusServiceUnavailable, false},
		{"rolled back, client gone", fmt.Errorf("ticket: create: db: commit: %w", sql.ErrTxDone), true, http.StatusServiceUnavailable, false},
		{"not found, client gone", fault.ErrNotFound, true, http.StatusNotFound, false},
		{"bad connection, client here", badConn, false, http.StatusInternalServerError, true},
	} {
		h := func(w http.ResponseWriter, r *http.Request) error { return c.err }
		for name, handler := range map[string]http.Handler{"API": API(log, h), "page": site.Errors(nil, h)} {
			logged.Reset()
			ctx, cancel := context.WithCancel(context.Background())
			if c.gone {
				cancel()
			}
			req := httptest.NewRequest("GET", "/api/v1/tickets", nil).WithContext(ctx)
			req.Header.Set("Accept", "application/json")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			cancel()
			if rec.Code != c.status || (logged.Len() > 0) != c.logged {
				t.Errorf("%s, %s: %d, logged %q; want %d, logged %v", c.name, name, rec.Code, logged.String(), c.status, c.logged)
			}
		}
	}
}
