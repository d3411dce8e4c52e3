package portal_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// The form shows the chosen category's fields that requesters see (not
// the agent-only ones, not other categories'), enforces the required ones
// with field errors, and opens the ticket with its file, in the
// requester's name, from the portal.
func TestSubmitWithCategoryFields(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	catName, other := "Laptops", "Phones"
	for _, n := range []*string{&catName, &other} {
		if _, err := e.Tickets.CreateCategory(ctx, e.Admin, ticket.CategoryInput{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	field := func(key string, typ ticket.FieldType, cat string, required, visible bool) {
		label := "Field " + key
		if _, err := e.Tickets.CreateFieldDef(ctx, e.Admin, ticket.FieldDefInput{Key: &key, Label: &label, Type: &typ,
			Category: &cat, Required: &required, RequesterVisible: &visible}); err != nil {
			t.Fatal(err)
		}
	}
	field("asset_tag", ticket.FieldText, catName, true, true)
	field("warranty", ticket.FieldCheckbox, catName, false, true)
	field("internal_cost", ticket.FieldNumber, catName, true, false)
	field("imei", ticket.FieldText, other, true, true)
	req := apptest.User(t, e.Services, user.RoleRequester, "")
	v := signedIn(t, e, req)
	code, body, _ := v.get("/portal/tickets/new?category=" + catName)
	if code != 200 || !strings.Contains(body, `id="cf_asset_tag"`) || !strings.Contains(body, `id="cf_warranty"`) {
		t.Fatalf("form: %d", code)
	}
	for _, hidden := range []string{"cf_internal_cost", "cf_imei"} {
		if strings.Contains(body, hidden) {
			t.Errorf("the form shows %s", hidden)
		}
	}
	form := url.Values{"category": {catName}, "subject": {"Laptop will not boot"}, "body": {"It **beeps** three times."},
		"cf_internal_cost": {"999"}}
	code, body, _ = v.postFiles("/portal/tickets/new", form, "", nil)
	if code != 422 || !strings.Contains(body, `id="cf_asset_tag-error"`) || !strings.Contains(body, "Laptop will not boot") {
		t.Fatalf("missing required field: %d", code)
	}
	if code, body, _ := v.postFiles("/portal/tickets/new", url.Values{"body": {"x"}}, "", nil); code != 422 || !strings.Contains(body, `id="subject-error"`) {
		t.Fatalf("missing subject: %d", code)
	}
	form.Set("cf_asset_tag", "LT-0042")
	form.Set("cf_warranty", "1")
	code, _, h := v.postFiles("/portal/tickets/new", form, "photo.png", []byte("\x89PNG\r\n\x1a\n0000"))
	if code != 303 || !strings.HasPrefix(h.Get("Location"), "/portal/tickets/") {
		t.Fatalf("submit: %d %s", code, h.Get("Location"))
	}
	list, _, err := e.Tickets.List(ctx, req, ticket.Filter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("tickets: %d %v", len(list), err)
	}
	tk := list[0]
	if tk.Channel != ticket.ChannelPortal || tk.Category == nil || tk.Category.Name != catName || tk.CustomFields["asset_tag"] != "LT-0042" ||
		tk.CustomFields["warranty"] != true || tk.CustomFields["internal_cost"] != nil || tk.Requester.ID != req.ID {
		t.Fatalf("ticket: %+v", tk)
	}
	cost := map[string]any{"internal_cost": 1234.5}
	if _, err := e.Tickets.Update(ctx, e.Admin, tk.Number, ticket.Patch{CustomFields: cost}, 0); err != nil {
		t.Fatal(err)
	}
	_, page, _ := v.get("/portal/tickets/" + num(tk.Number))
	if !strings.Contains(page, "<dd>LT-0042</dd>") || !strings.Contains(page, "<dd>Yes</dd>") || strings.Contains(page, "internal_cost") || strings.Contains(page, "1234.5") {
		t.Error("the ticket page does not show the requester's fields, or shows an agent's")
	}
	msgs, _ := e.Tickets.Messages(ctx, req, tk.Number, 0, 5)
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].ContentType != "image/png" {
		t.Fatalf("first message: %+v", msgs)
	}
	// The preview is the sanitized Markdown.
	if code, body, _ := v.post("/portal/preview", url.Values{"body": {"**hi** <script>x</script>"}}); code != 200 || body != "<p><strong>hi</strong> </p>\n" && !strings.Contains(body, "<strong>hi</strong>") || strings.Contains(body, "<script") {
		t.Fatalf("preview: %d %q", code, body)
	}
}
