package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/apptest"
)

// GET/PUT/DELETE /api/v1/tickets/{n}/draft: the caller's own draft of a
// ticket, private to them, only while they may see the ticket.
func TestDraftsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		tk := f.ticket(t, client.NewTicket{Subject: "VPN drops"})
		_, err := f.agentC.GetDraft(ctx, tk.Number)
		wantStatus(t, err, http.StatusNotFound)

		d, err := f.agentC.PutDraft(ctx, tk.Number, client.DraftNote, "Gateway logs show **timeouts**")
		check(t, err)
		if d.Ticket != tk.Number || d.Kind != client.DraftNote || d.Body != "Gateway logs show **timeouts**" || d.UpdatedAt.IsZero() {
			t.Errorf("PUT answered %+v", d)
		}
		got, err := f.agentC.GetDraft(ctx, tk.Number)
		check(t, err)
		if *got != *d {
			t.Errorf("GET %+v, PUT said %+v", got, d)
		}
		// Private: neither another agent nor an admin reads it.
		_, otherC := f.user(t, "agent", "")
		_, err = otherC.GetDraft(ctx, tk.Number)
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.admin.GetDraft(ctx, tk.Number)
		wantStatus(t, err, http.StatusNotFound)
		// Requesters keep no drafts.
		_, err = f.reqC.PutDraft(ctx, tk.Number, client.DraftReply, "hello")
		wantStatus(t, err, http.StatusForbidden)

		_, err = f.agentC.PutDraft(ctx, tk.Number, "memo", "x")
		wantField(t, err, "kind")
		_, err = f.agentC.PutDraft(ctx, tk.Number, client.DraftReply, "   ")
		wantField(t, err, "body")
		r := raw(t, f.URL, apptest.Token(t, f.Services, f.agent), http.MethodPut, "/api/v1/tickets/"+strconv.FormatInt(tk.Number, 10)+"/draft",
			"application/json", []byte(`{"kind":"reply"}`))
		if r.status != http.StatusUnprocessableEntity || len(r.problem.Errors) != 1 || r.problem.Errors[0].Field != "body" {
			t.Errorf("PUT without body: %d %+v", r.status, r.problem)
		}
		r = raw(t, f.URL, apptest.Token(t, f.Services, f.agent), http.MethodPut, "/api/v1/tickets/"+strconv.FormatInt(tk.Number, 10)+"/draft",
			"application/json", []byte(`{"body":"x","to":"y"}`))
		if r.status != http.StatusUnprocessableEntity || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("PUT with an unknown field: %d %s", r.status, r.header.Get("Content-Type"))
		}
		_, err = f.agentC.PutDraft(ctx, 999999, client.DraftReply, "x")
		wantStatus(t, err, http.StatusNotFound)

		check(t, f.agentC.DeleteDraft(ctx, tk.Number))
		_, err = f.agentC.GetDraft(ctx, tk.Number)
		wantStatus(t, err, http.StatusNotFound)
		check(t, f.agentC.DeleteDraft(ctx, tk.Number)) // none left: still 204
	})
}

// A ticket behind a restricted team: an outsider can neither keep nor read
// a draft of it (404, as for the ticket itself).
func TestDraftsFollowVisibility(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		member, memberC := f.user(t, "agent", "")
		_, outsiderC := f.user(t, "agent", "")
		team, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Security", Restricted: true, Members: []string{member.Email}})
		check(t, err)
		secret := f.ticket(t, client.NewTicket{Subject: "Phishing incident", Team: "Security"})
		_, err = memberC.PutDraft(ctx, secret.Number, client.DraftReply, "We reset your password.")
		check(t, err)
		_, err = outsiderC.PutDraft(ctx, secret.Number, client.DraftReply, "let me in")
		wantStatus(t, err, http.StatusNotFound)
		_, err = outsiderC.GetDraft(ctx, secret.Number)
		wantStatus(t, err, http.StatusNotFound)
		wantStatus(t, outsiderC.DeleteDraft(ctx, secret.Number), http.StatusNotFound)
		// Leaving the team hides the member's own draft too.
		_, err = f.admin.RemoveTeamMember(ctx, team.ID, member.Email)
		check(t, err)
		_, err = memberC.GetDraft(ctx, secret.Number)
		wantStatus(t, err, http.StatusNotFound)
	})
}
