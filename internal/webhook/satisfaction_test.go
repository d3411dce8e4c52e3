package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/webhook"
)

// A webhook subscribed to satisfaction.received gets each rating, with the
// ticket's number, the requester as the actor and the score.
func TestSatisfactionReceivedDelivery(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s, admin := services(t, d, webhook.Options{})
		rcv := newReceiver(t, nil)
		hook(t, s, admin, rcv.URL+"/hook", event.SatisfactionReceived)
		agent := apptest.User(t, s, user.RoleAgent, "")
		tk := apptest.RatedTicket(t, s, agent, agent.Email, "", "bad", time.Now())
		eventually(t, 10*time.Second, "the delivery", func() bool { return len(rcv.requests()) == 1 })
		got := rcv.requests()[0]
		p := got.payload
		if got.event != event.SatisfactionReceived || p.Ticket == nil || *p.Ticket != tk.Number || p.Actor.ID != tk.Requester.ID ||
			p.Subject.Type != "ticket" || !strings.Contains(string(p.Data), `"score":"bad"`) ||
			!strings.Contains(string(p.Data), `"sentiment":"negative"`) || !got.signatureOK {
			t.Fatalf("delivery %+v (data %s)", p, p.Data)
		}
	})
}
