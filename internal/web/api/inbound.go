package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// inboundMailJSON is one message of the inbound list: mail Docket did not file
// on arrival, and what became of it.
type inboundMailJSON struct {
	ID         int64       `json:"id"`
	Mailbox    *string     `json:"mailbox"`
	MessageID  string      `json:"message_id"`
	Sender     string      `json:"sender"`
	Subject    string      `json:"subject"`
	State      string      `json:"state"`
	Reason     string      `json:"reason"`
	Decision   string      `json:"decision"`
	Ticket     *int64      `json:"ticket"`
	ReceivedAt time.Time   `json:"received_at"`
	DecidedBy  *personJSON `json:"decided_by"`
	DecidedAt  *time.Time  `json:"decided_at"`
	Size       int64       `json:"size"`
	RawURL     *string     `json:"raw_url"`
}

func toInboundMailJSON(m *mail.Inbound) inboundMailJSON {
	j := inboundMailJSON{ID: m.ID, Mailbox: strPtr(m.Mailbox), MessageID: m.MessageID, Sender: m.Sender, Subject: m.Subject,
		State: m.State, Reason: m.Reason, Decision: m.Decision, ReceivedAt: m.ReceivedAt, DecidedAt: m.DecidedAt, Size: m.Size}
	if m.Ticket != 0 {
		j.Ticket = &m.Ticket
	}
	if m.DecidedByEmail != "" {
		j.DecidedBy = &personJSON{m.DecidedByEmail, m.DecidedByName}
	}
	if m.Size > 0 {
		j.RawURL = strPtr("/api/v1/mail/inbound/" + strconv.FormatInt(m.ID, 10) + "/raw")
	}
	return j
}

var inboundParams = map[string]bool{"state": true, "limit": true, "cursor": true}

// listInbound pages through the inbound list, newest first; by default
// what waits for a decision.
func (a *API) listInbound(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	inv := &fault.Invalid{}
	for k := range r.URL.Query() {
		if !inboundParams[k] {
			inv.Add(k, "is not a known parameter")
		}
	}
	if err := inv.Err(); err != nil {
		return err
	}
	before, limit, err := page(r, "i")
	if err != nil {
		return err
	}
	ms, err := a.Importer.ListInbound(r.Context(), actor, mail.InboundFilter{State: r.URL.Query().Get("state"),
		Before: before, Limit: limit + 1})
	if err != nil {
		return err
	}
	out := list[inboundMailJSON]{Items: []inboundMailJSON{}}
	if len(ms) > limit {
		ms = ms[:limit]
		out.NextCursor = idCursor("i", ms[len(ms)-1].ID)
	}
	for _, m := range ms {
		out.Items = append(out.Items, toInboundMailJSON(m))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getInbound(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.Importer.InboundMessage(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toInboundMailJSON(m))
}

// inboundRaw downloads the message as received: always as an attachment,
// never shown by the browser.
func (a *API) inboundRaw(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, raw, err := a.Importer.InboundRaw(r.Context(), actor, id)
	if err != nil {
		return err
	}
	web.ServeRawMessage(w, "inbound-"+strconv.FormatInt(m.ID, 10)+".eml", raw)
	return nil
}

// ticketRef reads a ticket as a number (1042) or as people write it
// ("#1042", "INC-1042").
type ticketRef int64

func (t *ticketRef) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil && n > 0 {
		*t = ticketRef(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if n, ok := ticket.ParseNumber(s); ok {
			*t = ticketRef(n)
			return nil
		}
	}
	return &fieldValueError{"ticket", "must be a ticket number, such as 1042 or \"#1042\""}
}

type fileInboundInput struct {
	Requester string `json:"requester"`
}

// fileInbound files a waiting message as a new ticket.
func (a *API) fileInbound(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in fileInboundInput
	if r.ContentLength != 0 {
		if _, err := a.decode(w, r, &in); err != nil {
			return err
		}
	}
	if _, err := a.Importer.File(r.Context(), actor, id, strings.TrimSpace(in.Requester)); err != nil {
		return err
	}
	return a.getInbound(w, r, actor)
}

type attachInboundInput struct {
	Ticket *ticketRef `json:"ticket"`
}

// attachInbound adds a waiting message to an existing ticket.
func (a *API) attachInbound(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in attachInboundInput
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Ticket == nil {
		return fault.Field("ticket", "is required")
	}
	if _, err := a.Importer.Attach(r.Context(), actor, id, int64(*in.Ticket)); err != nil {
		return err
	}
	return a.getInbound(w, r, actor)
}

// discardInbound records that a waiting message needs nothing.
func (a *API) discardInbound(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := a.Importer.Discard(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toInboundMailJSON(m))
}
