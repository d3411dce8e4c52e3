package api

import (
	"net/http"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type heldJSON struct {
	ID         int64     `json:"id"`
	MessageID  string    `json:"message_id"`
	Sender     string    `json:"sender"`
	Subject    string    `json:"subject"`
	Reason     string    `json:"reason"`
	ReceivedAt time.Time `json:"received_at"`
}

// listQuarantine shows the mail held back (DMARC failures) for agents.
func (a *API) listQuarantine(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAgent() {
		return fault.Forbidden("only agents review quarantined mail")
	}
	hs, err := a.Importer.Quarantined(r.Context(), actor)
	if err != nil {
		return err
	}
	out := list[heldJSON]{Items: []heldJSON{}}
	for _, h := range hs {
		out.Items = append(out.Items, heldJSON{h.ID, h.MessageID, h.Sender, h.Subject, h.Reason, h.ReceivedAt})
	}
	return web.JSON(w, http.StatusOK, out)
}

// releaseQuarantine files a held message after an agent judged it genuine.
func (a *API) releaseQuarantine(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAgent() {
		return fault.Forbidden("only agents release quarantined mail")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	res, err := a.Importer.Release(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"ticket": res.Ticket, "decision": res.Decision})
}
