package outbox_test

import (
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// An agent's reply carries the same content in both parts: the Markdown
// rendered to HTML in one and to plain text in the other, then the
// signature from the agent's profile after the "-- " delimiter, in both.
func TestReplySignatureInBothParts(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		sig := "Ann Agent\n*Service desk* · [status page](https://status.example.com)\n<b>&"
		if _, err := e.s.Users.Update(ctx, e.agent, e.agent.ID, user.Patch{Signature: &sig}); err != nil {
			t.Fatal(err)
		}
		tk := apptest.Ticket(t, e.s, e.agent, emailTicket)
		e.drain() // the ack
		e.reply(e.agent, tk, ticket.NewReply{Body: "Try **this**:\n\n1. unplug\n2. wait <10 s"})
		r := one(t, e.drain())
		text := strings.ReplaceAll(r.Text, "\r\n", "\n")
		wantText := "Try this:\n\n1. unplug\n2. wait <10 s\n\n-- \nAnn Agent\nService desk · status page <https://status.example.com>\n&\n\n" +
			"Reply to this email to answer; please keep " + tk.Reference + " in the subject.\n"
		if text != wantText {
			t.Errorf("text part\n%q\nwant\n%q", text, wantText)
		}
		for _, want := range []string{"Try <strong>this</strong>:", "<li>unplug</li>", "wait &lt;10 s", "<p>-- </p>",
			"Ann Agent<br>", "<em>Service desk</em>", `href="https://status.example.com"`, "&amp;", "please keep " + tk.Reference} {
			if !strings.Contains(r.HTML, want) {
				t.Errorf("HTML part lacks %q:\n%s", want, r.HTML)
			}
		}
		if strings.Contains(r.HTML, "<b>") || strings.Contains(r.HTML, "**") {
			t.Errorf("HTML part carries raw markup:\n%s", r.HTML)
		}

		// A template of an admin's that does not place the signature gets
		// it at the end.
		if err := e.store.Templates().Put(ctx, apptest.Setup, outbox.Template{Key: outbox.KindReply, Subject: "Re: {{.Ticket.Subject}}",
			Body: "Hi {{.Recipient.Name}},\n\n{{.Message}}"}); err != nil {
			t.Fatal(err)
		}
		e.reply(e.agent, tk, ticket.NewReply{Body: "Done."})
		r = one(t, e.drain())
		if want := "Hi Req,\n\nDone.\n\n-- \nAnn Agent\n"; !strings.HasPrefix(strings.ReplaceAll(r.Text, "\r\n", "\n"), want) {
			t.Errorf("text part with an edited template\n%q\nwant it to begin\n%q", r.Text, want)
		}
		if !strings.Contains(r.HTML, "<p>Done.</p>") || !strings.Contains(r.HTML, "<em>Service desk</em>") {
			t.Errorf("HTML part with an edited template:\n%s", r.HTML)
		}

		// No signature: the agent's name signs.
		empty := ""
		if _, err := e.s.Users.Update(ctx, e.agent, e.agent.ID, user.Patch{Signature: &empty}); err != nil {
			t.Fatal(err)
		}
		if err := e.store.Templates().Reset(ctx, apptest.Setup, outbox.KindReply); err != nil {
			t.Fatal(err)
		}
		e.reply(e.agent, tk, ticket.NewReply{Body: "Bye."})
		r = one(t, e.drain())
		if want := "Bye.\n\n-- \n" + e.agent.Name + "\n\n"; !strings.HasPrefix(strings.ReplaceAll(r.Text, "\r\n", "\n"), want) {
			t.Errorf("text part without a signature\n%q\nwant it to begin\n%q", r.Text, want)
		}
	})
}
