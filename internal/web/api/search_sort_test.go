package api_test

import (
	"testing"

	"github.com/docket/docket/client"
)

// TestListTicketsByRelevance: sort=relevance lists the best match first and
// is a field error (422 problem+json) without words to rank by.
func TestListTicketsByRelevance(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		f.ticket(t, client.NewTicket{Subject: "Toner once", Body: "the toner"})
		often := f.ticket(t, client.NewTicket{Subject: "Toner often", Body: "toner toner toner toner low"})
		page, err := f.agentC.ListTickets(ctx, client.TicketFilter{Q: "toner", Sort: "relevance"})
		check(t, err)
		if len(page.Items) != 2 || page.Items[0].Number != often.Number {
			t.Errorf("by relevance: %+v, want #%d first", page.Items, often.Number)
		}
		_, err = f.agentC.ListTickets(ctx, client.TicketFilter{Q: "status:open", Sort: "relevance"})
		wantField(t, err, "sort")
	})
}
