package api

import (
	"net/http"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type notificationJSON struct {
	ID   int64     `json:"id"`
	Kind string    `json:"kind"`
	At   time.Time `json:"created_at"`
	Read bool      `json:"read"`
	// Text is what the bell says: "Ann assigned you INC-1042 VPN down".
	Text   string                 `json:"text"`
	Ticket notificationTicketJSON `json:"ticket"`
	// Message is the uid of the message it is about, else null.
	Message *string `json:"message"`
	// Actor is who caused it (a name, else an email), else null.
	Actor *string `json:"actor"`
}

type notificationTicketJSON struct {
	Number    int64  `json:"number"`
	Reference string `json:"reference"`
	Subject   string `json:"subject"`
}

func toNotificationJSON(n *notify.Notification) notificationJSON {
	j := notificationJSON{ID: n.ID, Kind: n.Kind, At: n.At, Read: n.Read,
		Text:   n.Lead() + " " + n.Reference + " " + n.Subject,
		Ticket: notificationTicketJSON{n.Number, n.Reference, n.Subject}}
	if n.MessageUID != "" {
		j.Message = strPtr(n.MessageUID)
	}
	if n.Actor != "" {
		j.Actor = strPtr(n.Actor)
	}
	return j
}

// agentOnly refuses requesters: notifications are the workspace's.
func agentOnly(actor *user.Actor) error {
	if !actor.IsPerson() || !actor.IsAgent() {
		return fault.Forbidden("only agents have notifications")
	}
	return nil
}

// listNotifications pages through the caller's notifications, newest
// first; ?unread=true lists only the unread ones. Notifications about
// tickets the caller may no longer see are left out.
func (a *API) listNotifications(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := agentOnly(actor); err != nil {
		return err
	}
	before, limit, err := page(r, "n")
	if err != nil {
		return err
	}
	o := notify.ListOptions{Before: before, Limit: limit + 1}
	switch r.URL.Query().Get("unread") {
	case "", "false":
	case "true":
		o.UnreadOnly = true
	default:
		return fault.Field("unread", "must be true or false")
	}
	ns, err := a.Notify.List(r.Context(), actor, o)
	if err != nil {
		return err
	}
	unread, err := a.Notify.Unread(r.Context(), actor)
	if err != nil {
		return err
	}
	out := struct {
		list[notificationJSON]
		Unread int `json:"unread"`
	}{list[notificationJSON]{Items: []notificationJSON{}}, unread}
	for i, n := range ns {
		if i == limit {
			out.NextCursor = idCursor("n", ns[limit-1].ID)
			break
		}
		out.Items = append(out.Items, toNotificationJSON(n))
	}
	return web.JSON(w, http.StatusOK, out)
}

// readNotification marks one of the caller's notifications read.
func (a *API) readNotification(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := agentOnly(actor); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Notify.MarkRead(r.Context(), actor, id); err != nil {
		return err
	}
	n, err := a.Notify.Get(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toNotificationJSON(n))
}

// readAllNotifications marks all the caller's notifications read.
func (a *API) readAllNotifications(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := agentOnly(actor); err != nil {
		return err
	}
	if err := a.Notify.MarkAllRead(r.Context(), actor); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type preferencesJSON struct {
	Preferences []notify.Preference `json:"preferences"`
}

// preferenceInput is one kind's change; an absent field keeps its value.
type preferenceInput struct {
	Kind  string  `json:"kind"`
	InApp *bool   `json:"in_app"`
	Email *string `json:"email"`
}

func (a *API) getNotificationPreferences(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := agentOnly(actor); err != nil {
		return err
	}
	ps, err := a.Notify.Preferences(r.Context(), actor)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, preferencesJSON{ps})
}

// putNotificationPreferences sets the caller's choices for the kinds
// given, all or nothing, and answers with every kind's choice.
func (a *API) putNotificationPreferences(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := agentOnly(actor); err != nil {
		return err
	}
	var in struct {
		Preferences *[]preferenceInput `json:"preferences"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Preferences == nil {
		return fault.Field("preferences", "is required: a list of {kind, in_app, email}")
	}
	ps := make([]notify.PreferenceInput, len(*in.Preferences))
	for i, p := range *in.Preferences {
		ps[i] = notify.PreferenceInput{Kind: p.Kind, InApp: p.InApp, Email: p.Email}
	}
	out, err := a.Notify.SetPreferences(r.Context(), actor, ps)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, preferencesJSON{out})
}
