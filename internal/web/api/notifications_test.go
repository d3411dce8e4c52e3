package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/notify"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestNotificationsAPI: an agent pages through their notifications with a
// cursor, lists the unread ones, marks one or all read; nobody reads or
// marks someone else's; requesters have none. Preferences are read and
// changed all or nothing, with a field error for an invalid value.
func TestNotificationsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var made []*ticket.Ticket
		for range 3 {
			made = append(made, apptest.Ticket(t, f.Services, f.Admin, func(n *ticket.NewTicket) { n.Assignee = f.agent.Email }))
		}
		apptest.Settle(t, f.Services, notify.ConsumerName)

		p, err := f.agentC.ListNotifications(ctx, client.NotificationFilter{ListOptions: client.ListOptions{Limit: 2}})
		check(t, err)
		if len(p.Items) != 2 || p.NextCursor == nil || p.Unread != 3 {
			t.Fatalf("first page: %d items, cursor %v, unread %d", len(p.Items), p.NextCursor, p.Unread)
		}
		first := p.Items[0]
		if first.Kind != "assigned" || first.Read || first.Ticket.Number != made[2].Number || first.Actor == nil ||
			first.Text != "Test admin assigned you "+made[2].Reference+" "+made[2].Subject {
			t.Errorf("newest notification %+v", first)
		}
		p2, err := f.agentC.ListNotifications(ctx, client.NotificationFilter{ListOptions: client.ListOptions{Limit: 2, Cursor: *p.NextCursor}})
		check(t, err)
		if len(p2.Items) != 1 || p2.NextCursor != nil || p2.Items[0].Ticket.Number != made[0].Number {
			t.Fatalf("second page: %+v", p2)
		}

		// Mark one read: the unread list leaves it out.
		n, err := f.agentC.ReadNotification(ctx, first.ID)
		check(t, err)
		if !n.Read || n.ID != first.ID {
			t.Errorf("read: %+v", n)
		}
		u, err := f.agentC.ListNotifications(ctx, client.NotificationFilter{UnreadOnly: true})
		check(t, err)
		if len(u.Items) != 2 || u.Unread != 2 {
			t.Errorf("unread: %d items, count %d", len(u.Items), u.Unread)
		}
		for _, it := range u.Items {
			if it.ID == first.ID || it.Read {
				t.Errorf("the unread list has %+v", it)
			}
		}

		// Someone else's is not found; a requester has none; a bad filter
		// is a field error.
		_, otherC := f.user(t, user.RoleAgent, "")
		_, err = otherC.ReadNotification(ctx, u.Items[0].ID)
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.reqC.ListNotifications(ctx, client.NotificationFilter{})
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/notifications?unread=maybe", nil, nil)
		wantField(t, err, "unread")
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/notifications?cursor=bm90LWEtY3Vyc29y", nil, nil)
		wantField(t, err, "cursor")

		check(t, f.agentC.ReadAllNotifications(ctx))
		if u, err = f.agentC.ListNotifications(ctx, client.NotificationFilter{UnreadOnly: true}); err != nil || len(u.Items) != 0 || u.Unread != 0 {
			t.Errorf("after read-all: %+v, %v", u, err)
		}

		// Preferences.
		ps, err := f.agentC.NotificationPreferences(ctx)
		check(t, err)
		if len(ps) != len(notify.Kinds) || ps[0].Kind != "mention" || !*ps[0].InApp || *ps[0].Email != "immediately" {
			t.Fatalf("preferences %+v", ps)
		}
		off, digest, hourly := false, "digest", "hourly"
		_, err = f.agentC.SetNotificationPreferences(ctx, []client.NotificationPreference{
			{Kind: "assigned", Email: &digest}, {Kind: "team", Email: &hourly}})
		wantField(t, err, "preferences[1].email")
		_, err = f.agentC.SetNotificationPreferences(ctx, []client.NotificationPreference{{Kind: "everything", InApp: &off}})
		wantField(t, err, "preferences[0].kind")
		_, err = f.agentC.Do(ctx, http.MethodPut, "/api/v1/notifications/preferences", map[string]any{}, nil)
		wantField(t, err, "preferences")
		if ps, _ := f.agentC.NotificationPreferences(ctx); *ps[1].Email != "immediately" {
			t.Errorf("a refused change saved something: %+v", ps[1])
		}
		ps, err = f.agentC.SetNotificationPreferences(ctx, []client.NotificationPreference{
			{Kind: "assigned", Email: &digest}, {Kind: "team", InApp: &off}})
		check(t, err)
		if *ps[1].Email != "digest" || !*ps[1].InApp || *ps[2].InApp || *ps[2].Email != "never" {
			t.Errorf("after the change: %+v %+v", ps[1], ps[2])
		}
		_, err = f.reqC.NotificationPreferences(ctx)
		wantStatus(t, err, http.StatusForbidden)
	})
}
