package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/docket/docket/internal/audit"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type auditJSON struct {
	ID      int64            `json:"id"`
	At      time.Time        `json:"at"`
	Kind    string           `json:"kind"`
	Actor   auditActorJSON   `json:"actor"`
	Subject auditSubjectJSON `json:"subject"`
	// Ticket is the number of the ticket an event is about, else null.
	Ticket  *int64          `json:"ticket"`
	Payload json.RawMessage `json:"payload"`
}

type auditActorJSON struct {
	Type  string `json:"type"`
	ID    int64  `json:"id,omitempty"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

type auditSubjectJSON struct {
	Type string `json:"type"`
	ID   int64  `json:"id,omitempty"`
}

func toAuditJSON(e audit.Entry) auditJSON {
	j := auditJSON{ID: e.ID, At: e.At, Kind: e.Kind, Actor: auditActorJSON{e.Actor.Type, e.Actor.ID, e.Actor.Name, e.Actor.Email},
		Subject: auditSubjectJSON{e.SubjectType, e.SubjectID}, Payload: e.Payload}
	if e.TicketNumber != 0 {
		n := e.TicketNumber
		j.Ticket = &n
	}
	return j
}

// listAudit pages through the audit log, newest first (admins only).
func (a *API) listAudit(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins may read the audit log")
	}
	before, limit, err := page(r, "a")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Kind: q.Get("kind"), Subject: q.Get("subject"), Before: before, Limit: limit}
	inv := &fault.Invalid{}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.name); v != "" {
			if *t.dst, err = time.Parse(time.RFC3339Nano, v); err != nil {
				inv.Add(t.name, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z")
			}
		}
	}
	switch q.Get("include") {
	case "":
	case "tickets":
		f.IncludeTickets = true
	default:
		inv.Add("include", "must be tickets")
	}
	if err := inv.Err(); err != nil {
		return err
	}
	es, next, err := a.Audit.List(r.Context(), actor, f)
	if err != nil {
		return err
	}
	out := list[auditJSON]{Items: []auditJSON{}}
	for _, e := range es {
		out.Items = append(out.Items, toAuditJSON(e))
	}
	if next != 0 {
		out.NextCursor = idCursor("a", next)
	}
	return web.JSON(w, http.StatusOK, out)
}
