package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/docket/docket/client"
)

func TestMerge(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		dupe := f.ticket(t, client.NewTicket{Subject: "Wifi down (2)", Body: "Second report.", Tags: []string{"wifi", "floor-2"}})
		_, err := f.agentC.Reply(ctx, dupe.Number, client.NewMessage{Body: "Reply on the duplicate."})
		check(t, err)
		survivor := f.ticket(t, client.NewTicket{Subject: "Wifi down", Body: "First report.", Tags: []string{"wifi"}})

		merged, err := f.agentC.Merge(ctx, dupe.Number, survivor.Number)
		check(t, err)
		if merged.MergedInto == nil || *merged.MergedInto != survivor.Number || merged.Status != "closed" ||
			str(merged.Resolution) != "duplicate" || merged.ClosedAt == nil {
			t.Errorf("merged ticket: merged_into %v status %s resolution %s closed_at %v", merged.MergedInto, merged.Status,
				str(merged.Resolution), merged.ClosedAt)
		}
		got, _, err := f.agentC.GetTicket(ctx, dupe.Number)
		check(t, err)
		if got.MergedInto == nil || *got.MergedInto != survivor.Number {
			t.Errorf("GET after merge: merged_into %v", got.MergedInto)
		}

		ms, err := f.agentC.Messages(ctx, survivor.Number, client.ListOptions{})
		check(t, err)
		var bodies []string
		for _, m := range ms.Items {
			bodies = append(bodies, m.Body)
			if m.Ticket != survivor.Number {
				t.Errorf("message %q says ticket %d", m.Body, m.Ticket)
			}
		}
		for _, want := range []string{"First report.", "Second report.", "Reply on the duplicate."} {
			if !slices.Contains(bodies, want) {
				t.Errorf("survivor's messages %q lack %q", bodies, want)
			}
		}
		left, err := f.agentC.Messages(ctx, dupe.Number, client.ListOptions{})
		check(t, err)
		if len(left.Items) != 0 {
			t.Errorf("merged ticket still has %d messages", len(left.Items))
		}
		s, _, err := f.agentC.GetTicket(ctx, survivor.Number)
		check(t, err)
		if !slices.Equal(s.Tags, []string{"floor-2", "wifi"}) {
			t.Errorf("survivor tags %v", s.Tags)
		}
		if !slices.ContainsFunc(s.Followers, func(p client.Person) bool { return p.Email == dupe.Requester.Email }) {
			t.Errorf("the merged ticket's requester does not follow the survivor: %+v", s.Followers)
		}
		found := listNumbers(t, f.agentC, client.TicketFilter{Q: "duplicate"})
		if !slices.Equal(found, []int64{survivor.Number}) {
			t.Errorf("search for the moved reply finds %v, want the survivor", found)
		}

		// A reply to the merged ticket continues on the survivor.
		m, err := f.agentC.Reply(ctx, dupe.Number, client.NewMessage{Body: "Late reply."})
		check(t, err)
		if m.Ticket != survivor.Number {
			t.Errorf("reply to a merged ticket landed on %d, want %d", m.Ticket, survivor.Number)
		}

		other := f.ticket(t, client.NewTicket{})
		closed := f.ticket(t, client.NewTicket{})
		_, err = f.agentC.UpdateTicket(ctx, closed.Number, client.TicketPatch{Status: client.Ptr("closed"), Resolution: client.Ptr("fixed")})
		check(t, err)
		invalid := []struct {
			name         string
			c            *client.Client
			number, into int64
			field        string
			status       int
		}{
			{"into itself", f.agentC, other.Number, other.Number, "into", 0},
			{"into an unknown ticket", f.agentC, other.Number, 999999, "into", 0},
			{"unknown ticket", f.agentC, 999999, other.Number, "", http.StatusNotFound},
			{"already merged", f.agentC, dupe.Number, other.Number, "", http.StatusConflict},
			{"into a merged ticket", f.agentC, other.Number, dupe.Number, "", http.StatusConflict},
			{"into a closed ticket", f.agentC, other.Number, closed.Number, "", http.StatusConflict},
			{"by a requester", f.reqC, other.Number, survivor.Number, "", http.StatusForbidden},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := tt.c.Merge(ctx, tt.number, tt.into)
				if tt.field != "" {
					wantField(t, err, tt.field)
				} else {
					wantStatus(t, err, tt.status)
				}
			})
		}
		t.Run("missing into", func(t *testing.T) {
			_, err := f.agentC.Do(ctx, http.MethodPost, ticketURL(other.Number)+"/merge", map[string]any{}, nil)
			wantField(t, err, "into")
		})
		t.Run("merged ticket cannot be changed", func(t *testing.T) {
			_, err := f.agentC.UpdateTicket(ctx, dupe.Number, client.TicketPatch{Priority: client.Ptr("p1")})
			wantStatus(t, err, http.StatusConflict)
		})
	})
}

func ticketURL(n int64) string {
	return "/api/v1/tickets/" + strconv.FormatInt(n, 10)
}

func TestLinks(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		parent := f.ticket(t, client.NewTicket{Subject: "Outage"})
		child := f.ticket(t, client.NewTicket{Subject: "My mail is down"})
		third := f.ticket(t, client.NewTicket{Subject: "Root cause"})

		ls, err := f.agentC.AddLink(ctx, parent.Number, client.LinkParent, child.Number)
		check(t, err)
		if len(ls) != 1 || ls[0] != (client.Link{Type: "parent", Ticket: child.Number, Subject: "My mail is down", Status: "new"}) {
			t.Errorf("links after adding %+v", ls)
		}
		back, err := f.agentC.Links(ctx, child.Number)
		check(t, err)
		if len(back) != 1 || back[0].Type != "child" || back[0].Ticket != parent.Number {
			t.Errorf("other side %+v, want child of %d", back, parent.Number)
		}
		r, err := f.agentC.Do(ctx, http.MethodPost, ticketURL(parent.Number)+"/links",
			map[string]any{"type": "caused_by", "ticket": third.Number}, nil)
		check(t, err)
		if r.Status != http.StatusCreated {
			t.Errorf("status %d, want 201", r.Status)
		}
		causes, err := f.agentC.Links(ctx, third.Number)
		check(t, err)
		if len(causes) != 1 || causes[0].Type != "causes" || causes[0].Ticket != parent.Number {
			t.Errorf("third's links %+v, want causes %d", causes, parent.Number)
		}
		_, err = f.agentC.AddLink(ctx, child.Number, client.LinkChild, third.Number)
		check(t, err)
		ls, err = f.agentC.Links(ctx, third.Number)
		check(t, err)
		if !slices.ContainsFunc(ls, func(l client.Link) bool { return l.Type == "parent" && l.Ticket == child.Number }) {
			t.Errorf("third's links %+v lack parent of %d", ls, child.Number)
		}
		evs, err := f.agentC.Events(ctx, child.Number, client.ListOptions{})
		check(t, err)
		if !slices.ContainsFunc(evs.Items, func(e client.Event) bool {
			return e.Field == "link" && str(e.New) == "child #"+strconv.FormatInt(parent.Number, 10)
		}) {
			t.Errorf("child's history lacks the link: %+v", evs.Items)
		}

		invalid := []struct {
			name   string
			c      *client.Client
			from   int64
			typ    string
			to     int64
			field  string
			status int
		}{
			{"duplicate", f.agentC, parent.Number, client.LinkRelated, child.Number, "", http.StatusConflict},
			{"duplicate seen from the other side", f.agentC, child.Number, client.LinkParent, parent.Number, "", http.StatusConflict},
			{"to itself", f.agentC, parent.Number, client.LinkRelated, parent.Number, "ticket", 0},
			{"unknown type", f.agentC, parent.Number, "sibling", third.Number, "type", 0},
			{"inverse-only type", f.agentC, parent.Number, "causes", third.Number, "type", 0},
			{"unknown ticket", f.agentC, parent.Number, client.LinkRelated, 999999, "ticket", 0},
			{"by a requester", f.reqC, parent.Number, client.LinkRelated, third.Number, "", http.StatusForbidden},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				_, err := tt.c.AddLink(ctx, tt.from, tt.typ, tt.to)
				if tt.field != "" {
					wantField(t, err, tt.field)
				} else {
					wantStatus(t, err, tt.status)
				}
			})
		}
		t.Run("missing ticket", func(t *testing.T) {
			_, err := f.agentC.Do(ctx, http.MethodPost, ticketURL(parent.Number)+"/links", map[string]any{"type": "related"}, nil)
			wantField(t, err, "ticket")
		})
	})
}
