package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

func TestRestrictedTeamVisibility(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		member, memberC := f.user(t, "agent", "")
		_, outsiderC := f.user(t, "agent", "")
		team, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Security", Restricted: true, Members: []string{member.Email}})
		check(t, err)
		_, err = f.admin.CreateTeam(ctx, client.NewTeam{Name: "Open"})
		check(t, err)
		secret := f.ticket(t, client.NewTicket{Subject: "Phishing incident", Body: "Credentials leaked.", Team: "Security"})
		public := f.ticket(t, client.NewTicket{Subject: "Phishing training", Body: "Schedule it.", Team: "Open"})
		unteamed := f.ticket(t, client.NewTicket{Subject: "Phishing question"})

		visible := []struct {
			name string
			c    *client.Client
			sees bool
		}{
			{"admin", f.admin, true},
			{"member", memberC, true},
			{"outsider", outsiderC, false},
		}
		for _, tt := range visible {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := tt.c.GetTicket(ctx, secret.Number)
				_, msgErr := tt.c.Messages(ctx, secret.Number, client.ListOptions{})
				_, evErr := tt.c.Events(ctx, secret.Number, client.ListOptions{})
				want := sorted(public.Number, unteamed.Number)
				if tt.sees {
					check(t, err)
					check(t, msgErr)
					check(t, evErr)
					want = sorted(secret.Number, public.Number, unteamed.Number)
				} else {
					wantStatus(t, err, http.StatusNotFound)
					wantStatus(t, msgErr, http.StatusNotFound)
					wantStatus(t, evErr, http.StatusNotFound)
					_, err := tt.c.UpdateTicket(ctx, secret.Number, client.TicketPatch{Priority: client.Ptr("p1")})
					wantStatus(t, err, http.StatusNotFound)
					_, err = tt.c.Reply(ctx, secret.Number, client.NewMessage{Body: "let me in"})
					wantStatus(t, err, http.StatusNotFound)
				}
				if got := listNumbers(t, tt.c, client.TicketFilter{}); !slices.Equal(got, want) {
					t.Errorf("list: %v, want %v", got, want)
				}
				if got := listNumbers(t, tt.c, client.TicketFilter{Q: "phishing"}); !slices.Equal(got, want) {
					t.Errorf("search: %v, want %v", got, want)
				}
				if got := listNumbers(t, tt.c, client.TicketFilter{Q: "credentials"}); tt.sees != (len(got) == 1) {
					t.Errorf("search of the hidden ticket's body: %v", got)
				}
			})
		}

		t.Run("assignee outside the team sees it", func(t *testing.T) {
			assignee, assigneeC := f.user(t, "agent", "")
			_, err := f.admin.UpdateTicket(ctx, secret.Number, client.TicketPatch{Assignee: client.Ptr(assignee.Email)})
			check(t, err)
			_, _, err = assigneeC.GetTicket(ctx, secret.Number)
			check(t, err)
		})
		t.Run("joining the team grants access at once", func(t *testing.T) {
			joiner, joinerC := f.user(t, "agent", "")
			_, _, err := joinerC.GetTicket(ctx, secret.Number)
			wantStatus(t, err, http.StatusNotFound)
			tm, err := f.admin.AddTeamMember(ctx, team.ID, joiner.Email)
			check(t, err)
			if !slices.Contains(tm.Members, joiner.Email) {
				t.Fatalf("members %v lack %s", tm.Members, joiner.Email)
			}
			_, _, err = joinerC.GetTicket(ctx, secret.Number)
			check(t, err)
			_, err = f.admin.RemoveTeamMember(ctx, team.ID, joiner.Email)
			check(t, err)
			_, _, err = joinerC.GetTicket(ctx, secret.Number)
			wantStatus(t, err, http.StatusNotFound)
		})
		t.Run("links do not reveal hidden tickets", func(t *testing.T) {
			_, err := f.admin.AddLink(ctx, public.Number, client.LinkRelated, secret.Number)
			check(t, err)
			ls, err := outsiderC.Links(ctx, public.Number)
			check(t, err)
			if len(ls) != 0 {
				t.Errorf("outsider sees links %+v", ls)
			}
			ls, err = memberC.Links(ctx, public.Number)
			check(t, err)
			if len(ls) != 1 || ls[0].Ticket != secret.Number {
				t.Errorf("member sees links %+v", ls)
			}
			_, err = outsiderC.AddLink(ctx, unteamed.Number, client.LinkRelated, secret.Number)
			wantField(t, err, "ticket")
			_, err = outsiderC.Merge(ctx, unteamed.Number, secret.Number)
			wantField(t, err, "into")
		})
	})
}

func TestRequesterVisibility(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		me := f.requester
		mine := f.ticket(t, client.NewTicket{Subject: "My monitor flickers", Requester: &client.Contact{Email: me.Email}})
		mineToo := createTicket(t, f.reqC, client.NewTicket{Subject: "My mouse is gone"})
		theirs := f.ticket(t, client.NewTicket{Subject: "Someone else's monitor"})
		_, err := f.admin.Reply(ctx, mine.Number, client.NewMessage{Body: "Requester seems confused.", Internal: true})
		check(t, err)
		_, err = f.admin.Reply(ctx, mine.Number, client.NewMessage{Body: "Have you tried another cable?"})
		check(t, err)

		if got, want := listNumbers(t, f.reqC, client.TicketFilter{}), sorted(mine.Number, mineToo.Number); !slices.Equal(got, want) {
			t.Errorf("requester lists %v, want %v", got, want)
		}
		if got, want := listNumbers(t, f.reqC, client.TicketFilter{Q: "monitor"}), sorted(mine.Number); !slices.Equal(got, want) {
			t.Errorf("requester searches %v, want %v", got, want)
		}
		if got := listNumbers(t, f.reqC, client.TicketFilter{Q: "confused"}); len(got) != 0 {
			t.Errorf("a requester found tickets by an internal note's words: %v", got)
		}
		_, _, err = f.reqC.GetTicket(ctx, mine.Number)
		check(t, err)
		_, _, err = f.reqC.GetTicket(ctx, theirs.Number)
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.reqC.Messages(ctx, theirs.Number, client.ListOptions{})
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.reqC.Reply(ctx, theirs.Number, client.NewMessage{Body: "me too"})
		wantStatus(t, err, http.StatusNotFound)
		_, err = f.reqC.UpdateTicket(ctx, theirs.Number, client.TicketPatch{Subject: client.Ptr("mine now")})
		wantStatus(t, err, http.StatusNotFound)

		ms, err := f.reqC.Messages(ctx, mine.Number, client.ListOptions{})
		check(t, err)
		var bodies []string
		for _, m := range ms.Items {
			if m.Internal {
				t.Errorf("requester sees internal message %q", m.Body)
			}
			bodies = append(bodies, m.Body)
		}
		if len(bodies) != 2 || bodies[1] != "Have you tried another cable?" {
			t.Errorf("requester sees messages %q", bodies)
		}
		agentView, err := f.agentC.Messages(ctx, mine.Number, client.ListOptions{})
		check(t, err)
		if len(agentView.Items) != 3 || !agentView.Items[1].Internal {
			t.Errorf("agent sees %d messages, want 3 with the note second", len(agentView.Items))
		}
		evs, err := f.reqC.Events(ctx, mine.Number, client.ListOptions{})
		check(t, err)
		for _, e := range evs.Items {
			if strings.HasPrefix(str(e.New), "note ") {
				t.Errorf("requester sees the internal note's event %+v", e)
			}
		}

		_, err = f.reqC.Reply(ctx, mine.Number, client.NewMessage{Body: "psst", Internal: true})
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.reqC.UpdateTicket(ctx, mine.Number, client.TicketPatch{Priority: client.Ptr("p1")})
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.reqC.Merge(ctx, mine.Number, mineToo.Number)
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.reqC.AddLink(ctx, mine.Number, client.LinkRelated, mineToo.Number)
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.reqC.ListTeams(ctx, client.ListOptions{})
		wantStatus(t, err, http.StatusForbidden)
		t.Run("followers see the ticket", func(t *testing.T) {
			follower, followerC := f.user(t, "requester", "")
			tk := f.ticket(t, client.NewTicket{Followers: []string{follower.Email}})
			_, _, err := followerC.GetTicket(ctx, tk.Number)
			check(t, err)
			_, err = f.admin.UpdateTicket(ctx, tk.Number, client.TicketPatch{Followers: &[]string{}})
			check(t, err)
			_, _, err = followerC.GetTicket(ctx, tk.Number)
			wantStatus(t, err, http.StatusNotFound)
		})
		m, err := f.reqC.Reply(ctx, mine.Number, client.NewMessage{Body: "Yes, still flickers."})
		check(t, err)
		if m.Internal || m.Author.Email != me.Email || m.Ticket != mine.Number {
			t.Errorf("requester reply %+v", m)
		}
	})
}

func TestOrganizationSharing(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		for _, o := range []client.NewOrganization{{Name: "Acme", SharedTickets: true}, {Name: "Solo"}} {
			_, err := f.admin.CreateOrganization(ctx, o)
			check(t, err)
		}
		member := func(org string) (*client.User, *client.Client) {
			a, c := f.user(t, "requester", "")
			u, err := f.admin.UpdateUser(ctx, a.ID, client.UserPatch{Organization: client.Ptr(org)})
			check(t, err)
			if str(u.Organization) != org {
				t.Fatalf("organization %s, want %s", str(u.Organization), org)
			}
			return u, c
		}
		_, acme1C := member("Acme")
		acme2, acme2C := member("Acme")
		_, solo1C := member("Solo")
		solo2, _ := member("Solo")
		acmeTicket := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: acme2.Email}})
		soloTicket := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: solo2.Email}})
		if str(acmeTicket.Organization) != "Acme" {
			t.Errorf("ticket organization %s, want Acme", str(acmeTicket.Organization))
		}

		_, _, err := acme1C.GetTicket(ctx, acmeTicket.Number)
		check(t, err)
		if got := listNumbers(t, acme1C, client.TicketFilter{}); !slices.Equal(got, []int64{acmeTicket.Number}) {
			t.Errorf("Acme colleague lists %v, want %v", got, []int64{acmeTicket.Number})
		}
		_, err = acme1C.Reply(ctx, acmeTicket.Number, client.NewMessage{Body: "Same here."})
		check(t, err)
		_, _, err = acme2C.GetTicket(ctx, soloTicket.Number)
		wantStatus(t, err, http.StatusNotFound)

		_, _, err = solo1C.GetTicket(ctx, soloTicket.Number)
		wantStatus(t, err, http.StatusNotFound)
		if got := listNumbers(t, solo1C, client.TicketFilter{}); len(got) != 0 {
			t.Errorf("Solo colleague lists %v, want nothing", got)
		}

		t.Run("new requesters join by email domain", func(t *testing.T) {
			_, err := f.admin.UpdateOrganization(ctx, mustOrg(t, f, "Acme").ID, client.OrganizationPatch{Domain: client.Ptr("acme.example")})
			check(t, err)
			tk := f.ticket(t, client.NewTicket{Requester: &client.Contact{Email: "Wile.E@ACME.example"}})
			if str(tk.Organization) != "Acme" {
				t.Fatalf("ticket organization %s, want Acme", str(tk.Organization))
			}
			_, _, err = acme1C.GetTicket(ctx, tk.Number)
			check(t, err)
		})

		orgs, err := acme1C.ListOrganizations(ctx, client.ListOptions{})
		check(t, err)
		if len(orgs.Items) != 1 || orgs.Items[0].Name != "Acme" {
			t.Errorf("requester sees organizations %+v, want only Acme", orgs.Items)
		}
	})
}

func mustOrg(t *testing.T, f *fixture, name string) *client.Organization {
	t.Helper()
	p, err := f.admin.ListOrganizations(t.Context(), client.ListOptions{Limit: 200})
	check(t, err)
	for _, o := range p.Items {
		if o.Name == name {
			return &o
		}
	}
	t.Fatalf("no organization %s", name)
	return nil
}
