package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type attachmentJSON struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

type messageJSON struct {
	ID          string           `json:"id"`
	Ticket      int64            `json:"ticket"`
	Author      personJSON       `json:"author"`
	Internal    bool             `json:"internal"`
	Body        string           `json:"body"`
	BodyHTML    string           `json:"body_html"`
	Format      ticket.Format    `json:"format"`
	Attachments []attachmentJSON `json:"attachments"`
	Channel     ticket.Channel   `json:"channel"`
	MessageID   *string          `json:"message_id,omitempty"`
	Threading   *string          `json:"threading,omitempty"`
	CreatedAt   time.Time        `json:"created_at"`
}

func toMessageJSON(m *ticket.Message) messageJSON {
	j := messageJSON{ID: m.UID, Ticket: m.TicketNumber, Author: personJSON{m.Author.Email, m.Author.Name}, Internal: m.Internal,
		Body: m.Body, BodyHTML: m.BodyHTML, Format: m.Format, Channel: m.Channel, CreatedAt: m.CreatedAt,
		Attachments: make([]attachmentJSON, len(m.Attachments))}
	for i, a := range m.Attachments {
		j.Attachments[i] = attachmentJSON{a.ID, a.Filename, a.ContentType, a.Size}
	}
	if m.Channel == ticket.ChannelEmail {
		j.MessageID, j.Threading = &m.MessageID, &m.Threading
	}
	return j
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	after, limit, err := page(r, "m")
	if err != nil {
		return err
	}
	ms, err := a.Tickets.Messages(r.Context(), actor, n, after, limit+1)
	if err != nil {
		return err
	}
	out := list[messageJSON]{Items: []messageJSON{}}
	if len(ms) > limit {
		ms = ms[:limit]
		out.NextCursor = idCursor("m", ms[len(ms)-1].ID)
	}
	for _, m := range ms {
		out.Items = append(out.Items, toMessageJSON(m))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) createMessage(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	var in struct {
		Body        string   `json:"body"`
		Format      string   `json:"format"`
		Internal    bool     `json:"internal"`
		Attachments []string `json:"attachments"`
		Channel     string   `json:"channel"`
		Status      string   `json:"status"`
		Resolution  string   `json:"resolution"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Channel != "" && !actor.IsAgent() {
		return fault.Field("channel", "only agents can set this")
	}
	m, err := a.Tickets.Reply(r.Context(), actor, n, ticket.NewReply{Body: in.Body, Format: ticket.Format(in.Format),
		Internal: in.Internal, Attachments: in.Attachments, Channel: ticket.Channel(in.Channel),
		Status: ticket.Status(in.Status), Resolution: ticket.Resolution(in.Resolution)})
	if err != nil {
		return err
	}
	// The message may have landed elsewhere: on the survivor of a merge, or
	// on a follow-up of a closed ticket.
	w.Header().Set("Location", "/api/v1/tickets/"+strconv.FormatInt(m.TicketNumber, 10)+"/messages")
	return web.JSON(w, http.StatusCreated, toMessageJSON(m))
}

// actorJSON is who made a change: a person (email and name), or one of
// Docket's own actors (the mail importer, a rule, the SLA), with a name only.
type actorJSON struct {
	Email string `json:"email,omitempty"`
	Name  string `json:"name"`
}

type eventJSON struct {
	ID    int64      `json:"id"`
	At    time.Time  `json:"at"`
	Actor *actorJSON `json:"actor"`
	Field string     `json:"field"`
	Old   *string    `json:"old"`
	New   *string    `json:"new"`
}

func (a *API) listEvents(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	n, err := pathNumber(r)
	if err != nil {
		return err
	}
	after, limit, err := page(r, "e")
	if err != nil {
		return err
	}
	es, err := a.Tickets.Events(r.Context(), actor, n, after, limit+1)
	if err != nil {
		return err
	}
	out := list[eventJSON]{Items: []eventJSON{}}
	if len(es) > limit {
		es = es[:limit]
		out.NextCursor = idCursor("e", es[len(es)-1].ID)
	}
	for _, e := range es {
		j := eventJSON{ID: e.ID, At: e.At, Field: e.Field, Old: strPtr(e.Old), New: strPtr(e.New)}
		if e.Actor.Email != "" || e.Actor.Name != "" {
			j.Actor = &actorJSON{e.Actor.Email, e.Actor.Name}
		}
		out.Items = append(out.Items, j)
	}
	return web.JSON(w, http.StatusOK, out)
}
