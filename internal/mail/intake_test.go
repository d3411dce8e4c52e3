package mail_test

import (
	"context"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
)

// Real-world senders the parser once refused, filed through the importer
// (found by filing other projects' test mails, issue 7).
func TestUnusualSendersAreFiled(t *testing.T) {
	e := setup(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	cases := []struct {
		name, raw, email, person string
	}{
		{"trailing dot of the DNS root", "From: \"Clement.Si\" <Claudia.Shu@yahoo.com.>\r\nTo: support@example.test\r\n" +
			"Subject: Lean production\r\nMessage-ID: <dot-1@yahoo.com>\r\n\r\nPlease call me back.\r\n",
			"Claudia.Shu@yahoo.com", "Clement.Si"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.im.Import(ctx, e.mb, []byte(c.raw))
			if err != nil || res.Ticket == 0 {
				t.Fatalf("not filed: %+v %v", res, err)
			}
			tk, err := e.s.Tickets.Get(ctx, &userAdmin, res.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			if tk.Requester.Email != c.email || tk.Requester.Name != c.person {
				t.Fatalf("requester = %q <%s>, want %q <%s>", tk.Requester.Name, tk.Requester.Email, c.person, c.email)
			}
		})
	}
}
