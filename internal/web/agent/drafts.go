package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/docket/docket/internal/db"
	stored "github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/web"
)

// Drafts: the composer's text is kept per agent and ticket — in the
// browser (drafts.js) and on the server (draft.Service) — so a property
// save, a collision, an ended session or another browser never loses it.
// The ticket page renders the stored draft into the composer, so it comes
// back without JavaScript too.

// draftKind is the kind of draft a composer form posts.
func draftKind(r *http.Request) stored.Kind { return draftKindOf(r.PostFormValue("kind")) }

func draftKindOf(kind string) stored.Kind {
	if kind == "note" {
		return stored.Note
	}
	return stored.Reply
}

// loadDraft puts the agent's stored draft of the page's ticket into the
// composer, with the token that keeps it should the session end.
func (a *Agent) loadDraft(ctx context.Context, rq *request, p *ticketPage) error {
	tok, err := a.Drafts.Token(rq.actor, p.T.Number)
	if err != nil {
		return err
	}
	p.DraftToken = tok
	d, err := a.Drafts.Get(ctx, rq.actor, p.T.Number)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	p.Draft.Body, p.Draft.Internal, p.Draft.Saved = d.Body, d.Kind == stored.Note, d.UpdatedAt
	return nil
}

// keepDraft stores what the agent is about to send, so that whatever
// happens to the request the text is not lost; sending deletes it again
// (dropDraft).
func (a *Agent) keepDraft(ctx context.Context, rq *request, n int64, d draft) error {
	if strings.TrimSpace(d.Body) == "" {
		return nil
	}
	kind := stored.Reply
	if d.Internal {
		kind = stored.Note
	}
	_, err := a.Drafts.Save(ctx, rq.actor, n, kind, d.Body)
	var inv *fault.Invalid
	if errors.As(err, &inv) {
		return nil // too long or not text: the send refuses it with the reason
	}
	return err
}

// dropDraft deletes the agent's draft of ticket n in the transaction that
// stores their message.
func (a *Agent) dropDraft(rq *request, n int64) func(ctx context.Context, tx *db.Tx, number, messageID int64) error {
	return func(ctx context.Context, tx *db.Tx, _, _ int64) error {
		return a.Drafts.DeleteTx(ctx, tx, rq.actor.ID, n)
	}
}

// saveDraft stores the composer's text (drafts.js posts it as the agent
// types; without JavaScript, "Save draft" does). Empty text, or discard=1,
// deletes the draft.
func (a *Agent) saveDraft(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	body := r.PostFormValue("body")
	var d *stored.Draft
	if r.PostFormValue("discard") == "1" || strings.TrimSpace(body) == "" {
		err = a.Drafts.Delete(r.Context(), rq.actor, n)
	} else {
		d, err = a.Drafts.Save(r.Context(), rq.actor, n, draftKind(r), body)
	}
	if err != nil {
		return err
	}
	if web.WantsJSON(r) {
		if d == nil {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		return web.JSON(w, http.StatusOK, map[string]any{"kind": d.Kind, "updated_at": d.UpdatedAt.UTC()})
	}
	if d == nil {
		a.site.Flash(w, "Draft discarded.")
	} else {
		a.site.Flash(w, "Draft saved.")
	}
	http.Redirect(w, r, fmt.Sprintf("/tickets/%d#composer", n), http.StatusSeeOther)
	return nil
}
