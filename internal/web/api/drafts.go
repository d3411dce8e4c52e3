package api

import (
	"net/http"
	"time"

	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// draftJSON is an agent's unsent message on a ticket.
type draftJSON struct {
	Ticket    int64     `json:"ticket"`
	Kind      string    `json:"kind"`
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toDraftJSON(d *draft.Draft) draftJSON {
	return draftJSON{Ticket: d.Ticket, Kind: string(d.Kind), Body: d.Body, UpdatedAt: d.UpdatedAt.UTC()}
}

// getDraft returns the caller's own draft of a ticket; 404 when they have
// none or may not see the ticket.
func (a *API) getDraft(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	d, err := a.Drafts.Get(r.Context(), actor, n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toDraftJSON(d))
}

// putDraft stores the caller's draft of a ticket, replacing the one before.
func (a *API) putDraft(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	var in struct {
		Kind *string `json:"kind"`
		Body *string `json:"body"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Body == nil {
		return fault.Field("body", "is required")
	}
	kind := draft.Reply
	if in.Kind != nil {
		kind = draft.Kind(*in.Kind)
		if !kind.Valid() {
			return fault.Field("kind", "must be reply or note")
		}
	}
	d, err := a.Drafts.Save(r.Context(), actor, n, kind, *in.Body)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toDraftJSON(d))
}

// deleteDraft discards the caller's draft of a ticket (204 also when there
// was none).
func (a *API) deleteDraft(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	if err := a.Drafts.Delete(r.Context(), actor, n); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
