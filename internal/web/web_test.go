package web

import (
	"bytes"
	"errors"
	"github.com/docket/docket/internal/web/webtest"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
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
