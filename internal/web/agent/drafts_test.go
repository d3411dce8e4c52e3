package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/canned"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/draft"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var draftTokenRe = regexp.MustCompile(`name="draft_token" value="([^"]+)"`)

// draftToken reads the composer's draft token from a ticket page.
func draftToken(t *testing.T, page string) string {
	t.Helper()
	m := draftTokenRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the ticket page has no draft token")
	}
	return html.UnescapeString(m[1])
}

// endSessions lets every session of user u run past the idle timeout.
func endSessions(t *testing.T, e *apptest.Env, u int64) {
	t.Helper()
	old := time.Now().Add(-auth.IdleTimeout - time.Hour).UnixMicro()
	if _, err := e.DB.W.ExecContext(context.Background(), e.DB.Rebind(`UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2`), old, u); err != nil {
		t.Fatal(err)
	}
}

// postWith sends a form with extra headers, or raw (a multipart body,
// with its Content-Type among the headers).
func (b *browser) postWith(path string, form url.Values, headers map[string]string, raw ...[]byte) (int, string, http.Header) {
	b.t.Helper()
	data := []byte(form.Encode())
	if raw != nil {
		data = raw[0]
	}
	req, _ := http.NewRequest("POST", b.base+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return b.do(req)
}

// draftTicket starts a server with a signed-in agent who has opened a
// ticket.
func draftTicket(t *testing.T) (e *apptest.Env, b *browser, agent *user.Actor, tk *ticket.Ticket, n string) {
	t.Helper()
	e = apptest.Server(t, apptest.DB(t, db.SQLite))
	b, agent = signIn(t, e, user.RoleAgent)
	tk = apptest.Ticket(t, e.Services, e.Admin)
	n = num(tk.Number)
	b.get("/tickets/" + n)
	return e, b, agent, tk, n
}

func storedDraft(t *testing.T, e *apptest.Env, a *user.Actor, n int64) *draft.Draft {
	t.Helper()
	d, err := e.Drafts.Get(context.Background(), a, n)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	return d
}

// A message sent after the session ended is not answered with a bare
// 401: nothing is sent, the text is kept as the agent's draft, and they
// sign in and are back on the ticket with it in the composer.
func TestEndedSessionKeepsTheMessageAsDraft(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	_, page, _ := b.get("/tickets/" + n)
	token := draftToken(t, page)
	endSessions(t, e, agent.ID)

	text := "Restart the <b>VPN</b> client & try again"
	form := url.Values{"_csrf": {b.csrf}, "draft_token": {token}, "body": {text}, "kind": {"note"}}
	// A script's request (autosave) gets a 401 to show, not a page.
	code, body, _ := b.postWith("/tickets/"+n+"/draft", form, map[string]string{"X-Requested-With": "fetch", "Accept": "application/json"})
	if code != http.StatusUnauthorized || !strings.Contains(body, `"status":401`) {
		t.Errorf("autosave with an ended session: %d %s", code, body)
	}
	// Another site cannot use the token.
	code, _, _ = b.postWith("/tickets/"+n+"/reply", form, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if code != http.StatusForbidden || storedDraft(t, e, agent, tk.Number) != nil {
		t.Fatalf("a cross-site post with an ended session: %d, draft %+v", code, storedDraft(t, e, agent, tk.Number))
	}

	code, _, h := b.post("/tickets/"+n+"/reply", form)
	if code != http.StatusSeeOther || h.Get("Location") != "/login?next=%2Ftickets%2F"+n {
		t.Fatalf("send with an ended session: %d %q, want 303 to sign in and back to the ticket", code, h.Get("Location"))
	}
	if c := strings.Join(h.Values("Set-Cookie"), "\n"); !strings.Contains(c, "docket_flash=") || !strings.Contains(c, "nothing+was+sent") {
		t.Errorf("no flash saying what happened: %s", c)
	}
	d := storedDraft(t, e, agent, tk.Number)
	if d == nil || d.Body != text || d.Kind != draft.Note {
		t.Fatalf("draft kept: %+v", d)
	}
	ms, _ := e.Tickets.Messages(context.Background(), e.Admin, tk.Number, 0, 10)
	if len(ms) != 1 {
		t.Errorf("%d messages: something was sent with an ended session", len(ms))
	}
	// The composer's own form is multipart, its text before its files:
	// the text is kept, the files are never stored, however large.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for _, kv := range [][2]string{{"_csrf", b.csrf}, {"draft_token", token}, {"kind", "note"}, {"body", text + " (2)"}} {
		mw.WriteField(kv[0], kv[1])
	}
	fw, _ := mw.CreateFormFile("files", "big.log")
	fw.Write(bytes.Repeat([]byte("x"), 3<<20))
	mw.Close()
	code, _, h = b.postWith("/tickets/"+n+"/reply", nil, map[string]string{"Content-Type": mw.FormDataContentType()}, mp.Bytes())
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
		t.Fatalf("multipart send with an ended session: %d %q", code, h.Get("Location"))
	}
	if d := storedDraft(t, e, agent, tk.Number); d == nil || d.Body != text+" (2)" {
		t.Fatalf("draft kept from the multipart form: %+v", d)
	}
	var files int
	if err := e.DB.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM attachments`).Scan(&files); err != nil || files != 0 {
		t.Errorf("%d attachments stored without a session (%v)", files, err)
	}
	text += " (2)"
	code, body, _ = b.get("/login?next=%2Ftickets%2F" + n)
	if code != http.StatusOK || !strings.Contains(body, "your text is kept as a draft") {
		t.Errorf("the sign-in page does not say the text is kept (%d)", code)
	}
	code, _, h = b.post("/login", url.Values{"email": {agent.Email}, "password": {"correct horse battery"}, "next": {"/tickets/" + n}})
	if code != http.StatusSeeOther || h.Get("Location") != "/tickets/"+n {
		t.Fatalf("sign in again: %d %s", code, h.Get("Location"))
	}
	_, page, _ = b.get("/tickets/" + n)
	if !strings.Contains(page, ">"+html.EscapeString(text)+"</textarea>") {
		t.Error("the ticket page after signing in again does not hold the draft in the composer")
	}
	if !regexp.MustCompile(`value="note" checked`).MatchString(page) {
		t.Error("the draft was a note; the composer is set to a public reply")
	}
	if !strings.Contains(page, `id="draft-status"`) || !strings.Contains(page, "Your unsent draft from") {
		t.Error("the composer does not say a draft was restored")
	}
}

// Text that cannot be kept (a token from an older key, say) is shown back
// to be copied, escaped, rather than dropped; a form posted elsewhere
// leads back to the page it came from.
func TestEndedSessionNeverDropsText(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	endSessions(t, e, agent.ID)
	text := "<script>alert(1)</script> please reboot"
	code, body, _ := b.post("/tickets/"+n+"/reply", url.Values{"_csrf": {b.csrf}, "draft_token": {"forged"}, "body": {text}})
	if code != http.StatusUnauthorized || !strings.Contains(body, `id="session-ended"`) {
		t.Fatalf("send with a bad draft token: %d", code)
	}
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, html.EscapeString(text)) {
		t.Error("the text is not shown back, escaped")
	}
	if !strings.Contains(body, `href="/login?next=%2ftickets%2f`+n+`"`) {
		t.Error("no way to sign in and back to the ticket")
	}
	if storedDraft(t, e, agent, tk.Number) != nil {
		t.Error("a forged token kept a draft")
	}
	code, _, h := b.postWith("/tickets/bulk", url.Values{"_csrf": {b.csrf}}, map[string]string{"Referer": e.URL + "/tickets?view=open"})
	if code != http.StatusSeeOther || h.Get("Location") != "/login?next=%2Ftickets%3Fview%3Dopen" {
		t.Errorf("a queue form with an ended session: %d %q", code, h.Get("Location"))
	}
}

// The ticket page brings the agent's stored draft back into the composer,
// without JavaScript; nobody else's page shows it.
func TestComposerRestoresStoredDraft(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	if _, err := e.Drafts.Save(context.Background(), agent, tk.Number, draft.Reply, "Half a reply"); err != nil {
		t.Fatal(err)
	}
	_, page, _ := b.get("/tickets/" + n)
	if !strings.Contains(page, ">Half a reply</textarea>") || !strings.Contains(page, `data-draft-saved="`) {
		t.Error("the composer does not hold the stored draft")
	}
	if regexp.MustCompile(`id="draft-discard"[^>]*hidden`).MatchString(page) {
		t.Error("a stored draft cannot be discarded")
	}
	other, _ := signIn(t, e, user.RoleAdmin)
	if _, page, _ := other.get("/tickets/" + n); strings.Contains(page, "Half a reply") {
		t.Error("another agent's page shows the draft")
	}
}

// Sending deletes the draft; a refused send keeps the text as the draft.
func TestSendDeletesTheDraftAndRefusalKeepsIt(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	subj := "Changed meanwhile"
	if _, err := e.Tickets.Update(context.Background(), e.Admin, tk.Number, ticket.Patch{Subject: &subj}, 0); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"_csrf": {b.csrf}, "body": {"My answer"}, "version": {"1"}}
	if code, page, _ := b.post("/tickets/"+n+"/reply", form); code != http.StatusConflict || !strings.Contains(page, ">My answer</textarea>") {
		t.Fatalf("send after a change: %d", code)
	}
	if d := storedDraft(t, e, agent, tk.Number); d == nil || d.Body != "My answer" {
		t.Fatalf("the refused message is not kept as the draft: %+v", d)
	}
	form.Set("force", "1")
	if code, _, _ := b.post("/tickets/"+n+"/reply", form); code != http.StatusSeeOther {
		t.Fatalf("send anyway: %d", code)
	}
	if d := storedDraft(t, e, agent, tk.Number); d != nil {
		t.Errorf("the draft outlived its message: %+v", d)
	}
}

// Saving a property, colliding on it, or a refused link re-shows the page:
// the composer still holds the draft.
func TestPropertySaveAndConflictKeepTheComposer(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	if _, err := e.Drafts.Save(context.Background(), agent, tk.Number, draft.Note, "Unsent words"); err != nil {
		t.Fatal(err)
	}
	subj := "Changed meanwhile"
	if _, err := e.Tickets.Update(context.Background(), e.Admin, tk.Number, ticket.Patch{Subject: &subj}, 0); err != nil {
		t.Fatal(err)
	}
	code, page, _ := b.post("/tickets/"+n+"/update", url.Values{"_csrf": {b.csrf}, "version": {"1"}, "priority": {"p1"}, "subject": {"Mine"}})
	if code != http.StatusConflict || !strings.Contains(page, ">Unsent words</textarea>") {
		t.Errorf("the conflict page (%d) lost the composer's text", code)
	}
	code, page, _ = b.post("/tickets/"+n+"/relate", url.Values{"_csrf": {b.csrf}, "type": {"related"}, "other": {"x"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(page, ">Unsent words</textarea>") {
		t.Errorf("a refused link (%d) lost the composer's text", code)
	}
	if code, _, h := b.post("/tickets/"+n+"/update", url.Values{"_csrf": {b.csrf}, "priority": {"p2"}}); code != http.StatusSeeOther {
		t.Fatalf("save a property: %d %s", code, h.Get("Location"))
	}
	if _, page, _ := b.get("/tickets/" + n); !strings.Contains(page, ">Unsent words</textarea>") {
		t.Error("after saving a property the composer lost its text")
	}
}

// POST /tickets/{n}/draft: what drafts.js saves as the agent types, and
// "Save draft" / "Discard draft" without JavaScript.
func TestDraftEndpoint(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	script := map[string]string{"X-Requested-With": "fetch", "Accept": "application/json", "X-CSRF-Token": b.csrf}
	code, body, _ := b.postWith("/tickets/"+n+"/draft", url.Values{"body": {"typing…"}, "kind": {"note"}}, script)
	var got struct {
		Kind      string    `json:"kind"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Kind != "note" || got.UpdatedAt.IsZero() {
		t.Fatalf("autosave: %d %s", code, body)
	}
	if d := storedDraft(t, e, agent, tk.Number); d == nil || d.Body != "typing…" || d.Kind != draft.Note {
		t.Fatalf("stored %+v", d)
	}
	if code, _, _ := b.postWith("/tickets/"+n+"/draft", url.Values{"body": {""}}, script); code != http.StatusNoContent || storedDraft(t, e, agent, tk.Number) != nil {
		t.Errorf("emptied composer: %d, draft %+v", code, storedDraft(t, e, agent, tk.Number))
	}
	if code, _, _ := b.postWith("/tickets/"+n+"/draft", url.Values{"body": {"x"}}, map[string]string{"X-Requested-With": "fetch"}); code != http.StatusForbidden {
		t.Errorf("autosave without the CSRF token: %d", code)
	}
	// Without JavaScript.
	code, _, h := b.post("/tickets/"+n+"/draft", url.Values{"_csrf": {b.csrf}, "body": {"by hand"}})
	if code != http.StatusSeeOther || h.Get("Location") != "/tickets/"+n+"#composer" || storedDraft(t, e, agent, tk.Number) == nil {
		t.Errorf("Save draft: %d %s", code, h.Get("Location"))
	}
	code, _, _ = b.post("/tickets/"+n+"/draft", url.Values{"_csrf": {b.csrf}, "body": {"by hand"}, "discard": {"1"}})
	if code != http.StatusSeeOther || storedDraft(t, e, agent, tk.Number) != nil {
		t.Errorf("Discard draft: %d", code)
	}
	// A ticket the agent cannot see: 404, nothing stored.
	name, yes := "Security", true
	if _, err := e.Users.CreateTeam(context.Background(), e.Admin, user.TeamInput{Name: &name, Restricted: &yes}); err != nil {
		t.Fatal(err)
	}
	hidden := apptest.Ticket(t, e.Services, e.Admin, func(nt *ticket.NewTicket) { nt.Team = name })
	if code, _, _ := b.postWith("/tickets/"+num(hidden.Number)+"/draft", url.Values{"body": {"x"}}, script); code != http.StatusNotFound {
		t.Errorf("a draft of a ticket the agent cannot see: %d", code)
	}
}

// Without JavaScript the macros menu reloads the page: a canned response
// (a macro with only a reply) goes after the stored draft instead of
// replacing it.
func TestNoScriptCannedKeepsTheDraft(t *testing.T) {
	e, b, agent, tk, n := draftTicket(t)
	ctx := context.Background()
	if _, err := e.Drafts.Save(ctx, agent, tk.Number, draft.Reply, "Dear Sam,\n"); err != nil {
		t.Fatal(err)
	}
	c, err := e.Canned.Create(ctx, agent, canned.Input{Name: "Restart", Body: "Please restart the client."})
	if err != nil {
		t.Fatal(err)
	}
	_, page, _ := b.get("/tickets/" + n + "?macro=" + num(c.ID))
	if !strings.Contains(page, ">Dear Sam,\n\nPlease restart the client.</textarea>") {
		t.Error("the canned response replaced the stored draft")
	}
	if strings.Contains(page, "Your unsent draft from") {
		t.Error("the composer calls its changed text the stored draft")
	}
}
