package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

func TestUnlinkTickets(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		e := apptest.Server(t, d)
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		c := e.ClientFor(t, agent)
		parent := apptest.Ticket(t, e.Services, agent)
		child := apptest.Ticket(t, e.Services, agent)
		if _, err := c.AddLink(ctx, parent.Number, "parent", child.Number); err != nil {
			t.Fatal(err)
		}
		// Unlinked from the child's side: the pair goes either way.
		if err := c.RemoveLink(ctx, child.Number, parent.Number); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int64{parent.Number, child.Number} {
			if ls, err := c.Links(ctx, n); err != nil || len(ls) != 0 {
				t.Fatalf("links of %d after unlink: %+v %v", n, ls, err)
			}
		}
		evs, err := c.Events(ctx, parent.Number, client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		last := evs.Items[len(evs.Items)-1]
		if last.Field != "link" || last.Old == nil || *last.Old == "" || last.New != nil && *last.New != "" {
			t.Fatalf("history of the parent ends with %+v", last)
		}
		var pe *client.Error
		err = c.RemoveLink(ctx, child.Number, parent.Number)
		if !errors.As(err, &pe) || pe.Status != http.StatusNotFound {
			t.Fatalf("unlinking twice: %v, want 404", err)
		}
		req := e.ClientFor(t, apptest.User(t, e.Services, user.RoleRequester, ""))
		if err := req.RemoveLink(ctx, parent.Number, child.Number); !errors.As(err, &pe) || pe.Status != http.StatusNotFound {
			t.Fatalf("a requester who cannot see the ticket: %v, want 404", err)
		}
	})
}
