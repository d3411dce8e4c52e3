package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/docket/docket/client"
)

func TestGetTicket(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		tk := f.ticket(t, client.NewTicket{Subject: "Get me"})
		got, etag, err := f.agentC.GetTicket(ctx, tk.Number)
		check(t, err)
		if got.Number != tk.Number || got.Subject != "Get me" || got.ID != tk.ID || etag == "" {
			t.Errorf("got %+v etag %q", got, etag)
		}
		for _, path := range []string{"/api/v1/tickets/999999", "/api/v1/tickets/abc", "/api/v1/tickets/0", "/api/v1/tickets/-1"} {
			_, err := f.admin.Do(ctx, http.MethodGet, path, nil, nil)
			wantStatus(t, err, http.StatusNotFound)
		}
		for name, call := range map[string]func() error{
			"messages": func() error { _, err := f.admin.Messages(ctx, 999999, client.ListOptions{}); return err },
			"events":   func() error { _, err := f.admin.Events(ctx, 999999, client.ListOptions{}); return err },
			"links":    func() error { _, err := f.admin.Links(ctx, 999999); return err },
			"patch": func() error {
				_, err := f.admin.UpdateTicket(ctx, 999999, client.TicketPatch{Subject: client.Ptr("x")})
				return err
			},
			"reply": func() error { _, err := f.admin.Reply(ctx, 999999, client.NewMessage{Body: "x"}); return err },
		} {
			if err := call(); client.StatusOf(err) != http.StatusNotFound {
				t.Errorf("%s of an unknown ticket: %v, want 404", name, err)
			}
		}
	})
}

func TestListTickets(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		_, err := f.admin.CreateTeam(ctx, client.NewTeam{Name: "Network", Members: []string{f.agent.Email}})
		check(t, err)
		_, err = f.admin.CreateCategory(ctx, client.NewCategory{Name: "Hardware"})
		check(t, err)
		other, _ := f.user(t, "agent", "")
		alice := uniqueEmail("alice")

		vpn := f.ticket(t, client.NewTicket{Subject: "VPN drops every hour", Body: "The tunnel resets.",
			Team: "Network", Assignee: f.agent.Email, Tags: []string{"vpn"}, Priority: "p1"})
		printer := f.ticket(t, client.NewTicket{Subject: "Printer", Body: "There is a paper jam in tray two.",
			Tags: []string{"printer"}, Category: "Hardware", Requester: &client.Contact{Email: alice}, Type: "request"})
		laptop := f.ticket(t, client.NewTicket{Subject: "Laptop will not boot", Body: "Black screen.",
			Assignee: other.Email, Priority: "p4", Requester: &client.Contact{Email: alice}})
		_, err = f.admin.UpdateTicket(ctx, printer.Number, client.TicketPatch{Status: client.Ptr("open")})
		check(t, err)
		all := sorted(vpn.Number, printer.Number, laptop.Number)

		tests := []struct {
			name   string
			c      *client.Client
			filter client.TicketFilter
			want   []int64
		}{
			{"everything", f.admin, client.TicketFilter{}, all},
			{"status open", f.admin, client.TicketFilter{Status: []string{"open"}}, sorted(printer.Number)},
			{"status new or open", f.admin, client.TicketFilter{Status: []string{"new", "open"}}, all},
			{"type request", f.admin, client.TicketFilter{Type: []string{"request"}}, sorted(printer.Number)},
			{"priority p1", f.admin, client.TicketFilter{Priority: []string{"p1"}}, sorted(vpn.Number)},
			{"priority p1 or p4", f.admin, client.TicketFilter{Priority: []string{"p1,p4"}}, sorted(vpn.Number, laptop.Number)},
			{"assignee me", f.agentC, client.TicketFilter{Assignee: []string{"me"}}, sorted(vpn.Number)},
			{"assignee none", f.admin, client.TicketFilter{Assignee: []string{"none"}}, sorted(printer.Number)},
			{"assignee email", f.admin, client.TicketFilter{Assignee: []string{other.Email}}, sorted(laptop.Number)},
			{"assignee unknown email", f.admin, client.TicketFilter{Assignee: []string{"nobody@example.test"}}, nil},
			{"requester email", f.admin, client.TicketFilter{Requester: []string{alice}}, sorted(printer.Number, laptop.Number)},
			{"team", f.admin, client.TicketFilter{Team: []string{"Network"}}, sorted(vpn.Number)},
			{"team none", f.admin, client.TicketFilter{Team: []string{"none"}}, sorted(printer.Number, laptop.Number)},
			{"category", f.admin, client.TicketFilter{Category: []string{"Hardware"}}, sorted(printer.Number)},
			{"tag", f.admin, client.TicketFilter{Tag: []string{"vpn"}}, sorted(vpn.Number)},
			{"tag and status", f.admin, client.TicketFilter{Tag: []string{"vpn"}, Status: []string{"open"}}, nil},
			{"q word in subject", f.admin, client.TicketFilter{Q: "vpn"}, sorted(vpn.Number)},
			{"q word in body", f.admin, client.TicketFilter{Q: "jam"}, sorted(printer.Number)},
			{"q phrase in body", f.admin, client.TicketFilter{Q: `"paper jam"`}, sorted(printer.Number)},
			{"q prefix", f.admin, client.TicketFilter{Q: "lapt*"}, sorted(laptop.Number)},
			{"q all words must match", f.admin, client.TicketFilter{Q: "printer tunnel"}, nil},
			{"q status term", f.admin, client.TicketFilter{Q: "status:open"}, sorted(printer.Number)},
			{"q terms and text", f.admin, client.TicketFilter{Q: "status:new,open tag:vpn tunnel"}, sorted(vpn.Number)},
			{"q assignee term", f.agentC, client.TicketFilter{Q: "assignee:me"}, sorted(vpn.Number)},
			{"q priority term", f.admin, client.TicketFilter{Q: "priority:p4"}, sorted(laptop.Number)},
			{"created after", f.admin, client.TicketFilter{CreatedAfter: printer.CreatedAt}, sorted(printer.Number, laptop.Number)},
			{"created before", f.admin, client.TicketFilter{CreatedBefore: printer.CreatedAt}, sorted(vpn.Number)},
			{"updated after", f.admin, client.TicketFilter{UpdatedAfter: laptop.UpdatedAt.Add(time.Microsecond)}, sorted(printer.Number)},
			{"organization none", f.admin, client.TicketFilter{Organization: []string{"none"}}, all},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := listNumbers(t, tt.c, tt.filter)
				if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}

		sorts := []struct {
			sort string
			want []int64
		}{
			{"created_at", []int64{vpn.Number, printer.Number, laptop.Number}},
			{"-created_at", []int64{laptop.Number, printer.Number, vpn.Number}},
			{"number", []int64{vpn.Number, printer.Number, laptop.Number}},
			{"priority", []int64{vpn.Number, printer.Number, laptop.Number}},
			{"-priority", []int64{laptop.Number, printer.Number, vpn.Number}},
			// printer was updated last.
			{"-updated_at", []int64{printer.Number, laptop.Number, vpn.Number}},
		}
		for _, tt := range sorts {
			t.Run("sort "+tt.sort, func(t *testing.T) {
				p, err := f.admin.ListTickets(ctx, client.TicketFilter{Sort: tt.sort})
				check(t, err)
				if got := numbers(p.Items); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("default sort is -updated_at", func(t *testing.T) {
			p, err := f.admin.ListTickets(ctx, client.TicketFilter{})
			check(t, err)
			if got, want := numbers(p.Items), []int64{printer.Number, laptop.Number, vpn.Number}; !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})

		invalid := []struct {
			name   string
			filter client.TicketFilter
			query  string
			field  string
		}{
			{"bad cursor", client.TicketFilter{Cursor: "not-a-cursor"}, "", "cursor"},
			{"limit too large", client.TicketFilter{Limit: 500}, "", "limit"},
			{"limit zero", client.TicketFilter{}, "limit=0", "limit"},
			{"limit not a number", client.TicketFilter{}, "limit=ten", "limit"},
			{"unknown sort", client.TicketFilter{Sort: "colour"}, "", "sort"},
			{"unknown status", client.TicketFilter{Status: []string{"sleeping"}}, "", "status"},
			{"unknown priority", client.TicketFilter{Priority: []string{"p7"}}, "", "priority"},
			{"unknown team", client.TicketFilter{Team: []string{"Nobody"}}, "", "team"},
			{"bad time", client.TicketFilter{}, "created_after=yesterday", "created_after"},
			{"unknown parameter", client.TicketFilter{}, "colour=red", "colour"},
			{"empty query term", client.TicketFilter{Q: "status:"}, "", "q"},
			{"unknown priority in q", client.TicketFilter{Q: "priority:p9"}, "", "q"},
			{"unknown status in q", client.TicketFilter{Q: "vpn status:sleeping"}, "", "q"},
			{"unknown type in q", client.TicketFilter{Q: "type:bug"}, "", "q"},
			{"bad date in q", client.TicketFilter{Q: "created:>yesterday"}, "", "q"},
		}
		for _, tt := range invalid {
			t.Run(tt.name, func(t *testing.T) {
				var err error
				if tt.query != "" {
					_, err = f.admin.Do(ctx, http.MethodGet, "/api/v1/tickets?"+tt.query, nil, nil)
				} else {
					_, err = f.admin.ListTickets(ctx, tt.filter)
				}
				wantField(t, err, tt.field)
			})
		}
		t.Run("cursor of another sort", func(t *testing.T) {
			p, err := f.admin.ListTickets(ctx, client.TicketFilter{Limit: 1, Sort: "created_at"})
			check(t, err)
			if p.NextCursor == nil {
				t.Fatal("no next cursor")
			}
			_, err = f.admin.ListTickets(ctx, client.TicketFilter{Limit: 1, Sort: "priority", Cursor: *p.NextCursor})
			wantField(t, err, "cursor")
		})
	})
}

func TestListTicketsPagination(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		var created []int64
		for range 7 {
			created = append(created, f.ticket(t, client.NewTicket{}).Number)
		}
		reversed := slices.Clone(created)
		slices.Reverse(reversed)
		for _, tt := range []struct {
			sort string
			want []int64
		}{
			{"", reversed},
			{"created_at", created},
			{"-number", reversed},
			{"priority", created}, // all p3: ties ordered by id
		} {
			t.Run("sort "+tt.sort, func(t *testing.T) {
				var got []int64
				var sizes []int
				cursor := ""
				for page := 0; ; page++ {
					if page > 5 {
						t.Fatalf("no end after %d pages: %v", page, got)
					}
					p, err := f.admin.ListTickets(ctx, client.TicketFilter{Sort: tt.sort, Limit: 3, Cursor: cursor})
					check(t, err)
					got = append(got, numbers(p.Items)...)
					sizes = append(sizes, len(p.Items))
					if p.NextCursor == nil {
						break
					}
					if *p.NextCursor == "" {
						t.Fatal("next_cursor is an empty string, want null at the end")
					}
					cursor = *p.NextCursor
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("pages gave %v, want %v", got, tt.want)
				}
				if !slices.Equal(sizes, []int{3, 3, 1}) {
					t.Errorf("page sizes %v, want [3 3 1]", sizes)
				}
			})
		}
		t.Run("exact multiple ends with null cursor", func(t *testing.T) {
			p, err := f.admin.ListTickets(ctx, client.TicketFilter{Sort: "number", Limit: 7})
			check(t, err)
			if len(p.Items) != 7 || p.NextCursor != nil {
				t.Errorf("%d items, next %v; want 7 and null", len(p.Items), p.NextCursor)
			}
		})
		t.Run("messages and events page too", func(t *testing.T) {
			n := created[0]
			for i := range 4 {
				_, err := f.admin.Reply(ctx, n, client.NewMessage{Body: "reply " + string(rune('a'+i)), Internal: true})
				check(t, err)
			}
			var bodies []string
			cursor := ""
			for {
				p, err := f.admin.Messages(ctx, n, client.ListOptions{Limit: 2, Cursor: cursor})
				check(t, err)
				for _, m := range p.Items {
					bodies = append(bodies, m.Body)
				}
				if p.NextCursor == nil {
					break
				}
				cursor = *p.NextCursor
			}
			if want := []string{"Please help.", "reply a", "reply b", "reply c", "reply d"}; !slices.Equal(bodies, want) {
				t.Errorf("messages %q, want %q", bodies, want)
			}
			_, err := f.admin.Messages(ctx, n, client.ListOptions{Cursor: "garbage"})
			wantField(t, err, "cursor")
			_, err = f.admin.Events(ctx, n, client.ListOptions{Limit: 500})
			wantField(t, err, "limit")
			p, err := f.admin.Events(ctx, n, client.ListOptions{Limit: 2})
			check(t, err)
			if len(p.Items) != 2 || p.NextCursor == nil {
				t.Fatalf("events page: %d items, next %v", len(p.Items), p.NextCursor)
			}
			rest, err := f.admin.Events(ctx, n, client.ListOptions{Limit: 200, Cursor: *p.NextCursor})
			check(t, err)
			if len(rest.Items) != 3 || rest.Items[0].ID <= p.Items[1].ID {
				t.Errorf("second events page %+v after %+v", rest.Items, p.Items)
			}
		})
	})
}
