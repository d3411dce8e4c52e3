package agent_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestQueueSortsByRelevance: the sort menu offers Relevance only when the
// query has words, and the queue then lists the best match first.
func TestQueueSortsByRelevance(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		for subject, body := range map[string]string{"Once": "the printer", "Often": "printer printer printer printer jam"} {
			apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject, n.Body = subject, body })
		}
		_, body, _ := b.get("/tickets?view=all")
		if strings.Contains(body, ">Relevance</a>") {
			t.Error("Relevance is offered without words to rank by")
		}
		_, body, _ = b.get("/tickets?view=all&q=" + url.QueryEscape("printer"))
		if !strings.Contains(body, "sort=relevance") || !strings.Contains(body, ">Relevance</a>") {
			t.Error("the sort menu of a search does not offer Relevance")
		}
		code, body, _ := b.get("/tickets?view=all&sort=relevance&q=printer")
		if got := subjects(body); code != 200 || strings.Join(got, "|") != "Often|Once" {
			t.Errorf("by relevance: %d, %v", code, got)
		}
		if !strings.Contains(body, `aria-current="true">Relevance</a>`) {
			t.Error("the menu does not mark Relevance as the current sort")
		}
	})
}
