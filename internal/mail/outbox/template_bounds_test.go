package outbox_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/outbox"
)

// Templates run inside ticket writes: one that is too big, loops too long
// or expands without end is refused when saved, with the field at fault,
// and stopped when it runs anyway.
func TestTemplatesAreBoundedInSizeAndRendering(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := setup(t, d)
		tpls := e.store.Templates()
		cases := []struct{ name, subject, body, field, want string }{
			{"too big", "Hi", strings.Repeat("x", outbox.MaxTemplateBytes+1), "body", "at most 64 KiB"},
			{"too big a subject", strings.Repeat("x", outbox.MaxTemplateBytes+1), "Hi", "subject", "at most 64 KiB"},
			{"a loop that runs too long", "Hi", "{{range 1000000000000}}{{end}}", "body", "longer than"},
			{"nested loops", "{{range 1000000}}{{range 1000000}}{{end}}{{end}}", "Hi", "subject", "longer than"},
			{"huge output", "Hi", "{{range 100000000}}" + strings.Repeat("0123456789abcdef", 64) + "{{end}}", "body", "more than 1024 KiB"},
			{"doubling a string", "Hi", `{{$x := "ab"}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}{{$x}}`, "body", "more than 1024 KiB"},
			{"a huge printf width", "Hi", `{{printf "%0999999999d" 1}}`, "body", "printf widths"},
			{"endless recursion", "Hi", `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{{template "a" .}}`, "body", ""},
		}
		for _, c := range cases {
			start := time.Now()
			err := tpls.Put(ctx, apptest.Setup, outbox.Template{Key: outbox.KindAck, Subject: c.subject, Body: c.body})
			var inv *fault.Invalid
			if !errors.As(err, &inv) || len(inv.Fields) != 1 || inv.Fields[0].Field != c.field || !strings.Contains(inv.Fields[0].Message, c.want) {
				t.Errorf("%s: %v", c.name, err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("%s: refused after %v", c.name, d)
			}
		}
		if tpl, _ := tpls.Get(ctx, apptest.Setup, outbox.KindAck); !tpl.Default {
			t.Fatal("an unbounded template was stored")
		}
		// Stored anyway (by an older version, say): the email goes out
		// with the default text, without waiting for the loop.
		q := d.Rebind(`INSERT INTO mail_templates (key, subject, body, updated_at) VALUES ($1, $2, $3, $4)`)
		if _, err := d.W.ExecContext(ctx, q, outbox.KindAck, "Hi", "{{range 1000000000000}}{{end}}", db.Now()); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		tk := apptest.Ticket(t, e.s, e.agent)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("the ticket write waited %v for the template", d)
		}
		if r := one(t, e.drain()); r.Header.Get("Subject") == "["+tk.Reference+"] Hi" || !strings.Contains(r.Header.Get("Subject"), tk.Reference) {
			t.Fatalf("acknowledgement subject = %q, want the default's", r.Header.Get("Subject"))
		}
	})
}
