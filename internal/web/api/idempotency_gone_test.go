package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/idempotency"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
	"github.com/docket/docket/internal/web/webtest"
)

// TestIdempotentAnswerToAClientGone: a request with an Idempotency-Key
// whose client went away while its answer was written sends no second
// status, and the retry (the client that went away is the one that
// retries) replays the answer alone: a problem appended to it was stored
// and replayed as part of the 201's body.
func TestIdempotentAnswerToAClientGone(t *testing.T) {
	d, err := db.Open(t.Context(), db.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	store, err := idempotency.New(d)
	if err != nil {
		t.Fatal(err)
	}
	a := &API{Deps: Deps{Idem: store, MaxBodyBytes: 1 << 20}}
	actor := &user.Actor{ID: 1, Role: user.RoleAdmin}
	h := func(w http.ResponseWriter, r *http.Request) error {
		return web.JSONBytes(w, http.StatusCreated, []byte("{\"number\":1001}\n"))
	}
	req := func() *http.Request {
		r := httptest.NewRequest("POST", "/api/v1/tickets", strings.NewReader(`{"subject":"x"}`))
		r.Header.Set("Idempotency-Key", "gone-1")
		return r
	}
	gone := webtest.NewGoneWriter()
	if err := a.idempotent(gone, req(), actor, h); !web.IsWritten(err) {
		t.Fatalf("the first answer: %v, want it written", err)
	}
	if len(gone.Statuses) != 1 || gone.Statuses[0] != http.StatusCreated {
		t.Errorf("statuses sent %v, want the 201 alone", gone.Statuses)
	}
	retry := httptest.NewRecorder()
	if err := a.idempotent(retry, req(), actor, h); err != nil {
		t.Fatal(err)
	}
	if retry.Code != http.StatusCreated || retry.Body.String() != "{\"number\":1001}\n" || retry.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry: %d %q (replayed %q), want the 201's answer alone", retry.Code, retry.Body.String(), retry.Header().Get("Idempotent-Replayed"))
	}
}
