package kb_test

import (
	"context"
	"errors"
	"testing"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/user"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

func article(t *testing.T, s *app.Services, a *user.Actor, title, body, vis, status string) *kb.Article {
	t.Helper()
	art, err := s.KB.Create(ctx, a, kb.ArticleInput{Title: &title, Body: &body, Visibility: &vis, Status: &status})
	if err != nil {
		t.Fatalf("create %q: %v", title, err)
	}
	return art
}

func titles(p *kb.Page) []string {
	out := []string{}
	for _, a := range p.Articles {
		out = append(out, a.Title)
	}
	return out
}

func TestVisibilityByAudience(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		pub := article(t, s, agent, "Printer jams", "Open the tray.", "public", "published")
		reqs := article(t, s, agent, "Printer quota", "Ask for more.", "requesters", "published")
		internal := article(t, s, agent, "Printer admin password", "It is in the vault.", "internal", "published")
		draft := article(t, s, agent, "Printer draft", "Not yet.", "public", "draft")

		for _, c := range []struct {
			who  string
			a    *user.Actor
			sees map[int64]bool
		}{
			{"anonymous", nil, map[int64]bool{pub.ID: true}},
			{"requester", req, map[int64]bool{pub.ID: true, reqs.ID: true}},
			{"agent", agent, map[int64]bool{pub.ID: true, reqs.ID: true, internal.ID: true, draft.ID: true}},
		} {
			for _, art := range []*kb.Article{pub, reqs, internal, draft} {
				_, err := s.KB.Get(ctx, c.a, art.ID)
				if c.sees[art.ID] != (err == nil) {
					t.Errorf("%s get %q: %v", c.who, art.Title, err)
				}
				if err != nil && !errors.Is(err, fault.ErrNotFound) {
					t.Errorf("%s get %q: %v, want not found", c.who, art.Title, err)
				}
				// The public pages never show a draft, not even to agents.
				_, err = s.KB.Published(ctx, c.a, art.Slug)
				if want := c.sees[art.ID] && art.Status == kb.Published; want != (err == nil) {
					t.Errorf("%s published %q: %v", c.who, art.Title, err)
				}
			}
			for _, q := range []string{"", "printer"} {
				p, err := s.KB.List(ctx, c.a, kb.ListOptions{Query: q})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Articles) != len(c.sees) {
					t.Errorf("%s list %q: %v", c.who, q, titles(p))
				}
				for _, a := range p.Articles {
					if !c.sees[a.ID] {
						t.Errorf("%s list %q shows %q", c.who, q, a.Title)
					}
				}
			}
			sg, err := s.KB.Suggest(ctx, c.a, "print", 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range sg {
				if x.Slug == draft.Slug || x.Slug == internal.Slug && c.a != agent || x.Slug == reqs.Slug && c.a == nil {
					t.Errorf("%s suggestions leak %q", c.who, x.Title)
				}
			}
		}
	})
}

func TestRanking(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		article(t, s, agent, "Email signatures", "How to set a signature. Nothing about networks.", "public", "published")
		article(t, s, agent, "Office guide", "Parking, coffee, and the VPN: ask IT for VPN access.", "public", "published")
		article(t, s, agent, "Connecting to the VPN", "Install the client and sign in.", "public", "published")
		article(t, s, agent, "Wi-Fi", "The guest network needs no VPN.", "public", "published")

		p, err := s.KB.List(ctx, nil, kb.ListOptions{Query: "vpn"})
		if err != nil {
			t.Fatal(err)
		}
		got := titles(p)
		// The title match first, then the body mentioning it twice, then once.
		want := []string{"Connecting to the VPN", "Office guide", "Wi-Fi"}
		if len(got) != len(want) {
			t.Fatalf("ranked %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ranked %v, want %v", got, want)
			}
		}
		// The query language: a quoted phrase, and stems ("connects").
		p, _ = s.KB.List(ctx, nil, kb.ListOptions{Query: `"guest network"`})
		if g := titles(p); len(g) != 1 || g[0] != "Wi-Fi" {
			t.Errorf("phrase: %v", g)
		}
		p, _ = s.KB.List(ctx, nil, kb.ListOptions{Query: "connects"})
		if g := titles(p); len(g) != 1 || g[0] != "Connecting to the VPN" {
			t.Errorf("stem: %v", g)
		}
		// Paging a ranked list keeps the order.
		p1, _ := s.KB.List(ctx, nil, kb.ListOptions{Query: "vpn", Limit: 2})
		p2, _ := s.KB.List(ctx, nil, kb.ListOptions{Query: "vpn", Limit: 2, After: p1.Next})
		if g := append(titles(p1), titles(p2)...); len(g) != 3 || g[2] != "Wi-Fi" || p2.Next != 0 {
			t.Errorf("pages: %v next %d", g, p2.Next)
		}
		if _, err := s.KB.List(ctx, nil, kb.ListOptions{Query: "status:open"}); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("unknown key: %v", err)
		}
		sg, err := s.KB.Suggest(ctx, nil, "conn", 5)
		if err != nil || len(sg) != 1 || sg[0].Title != "Connecting to the VPN" {
			t.Errorf("suggest: %v %v", sg, err)
		}
	})
}

func TestVersionsAndDiff(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		alice := apptest.User(t, s, user.RoleAgent, "alice@example.test")
		bob := apptest.User(t, s, user.RoleAgent, "bob@example.test")
		art := article(t, s, alice, "Reset a password", "Step one.\nStep two.\nStep three.", "public", "draft")
		if art.Version != 1 {
			t.Fatalf("version %d", art.Version)
		}
		art, err := s.KB.Update(ctx, bob, art.ID, 1, kb.ArticleInput{Body: ptr("Step one.\nStep 2.\nStep three.\nDone."), Status: ptr("published")})
		if err != nil || art.Version != 2 || art.PublishedAt == nil || art.UpdatedBy.Email != "bob@example.test" {
			t.Fatalf("update: %+v %v", art, err)
		}
		// The same change again makes no version; a stale version is refused.
		if again, err := s.KB.Update(ctx, bob, art.ID, 0, kb.ArticleInput{Status: ptr("published")}); err != nil || again.Version != 2 {
			t.Fatalf("no-op update: %v %v", again, err)
		}
		if _, err := s.KB.Update(ctx, bob, art.ID, 1, kb.ArticleInput{Title: ptr("Stale")}); !errors.Is(err, fault.ErrPrecondition) {
			t.Fatalf("stale update: %v", err)
		}
		vs, err := s.KB.Versions(ctx, alice, art.ID, 0, 10)
		if err != nil || len(vs) != 2 || vs[0].Number != 2 || vs[0].By.Email != "bob@example.test" || vs[1].By.Email != "alice@example.test" {
			t.Fatalf("versions: %v %v", vs, err)
		}
		c, err := s.KB.Compare(ctx, alice, art.ID, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := []kb.DiffLine{{Op: kb.Same, Text: "Step one."}, {Op: kb.Remove, Text: "Step two."}, {Op: kb.Add, Text: "Step 2."},
			{Op: kb.Same, Text: "Step three."}, {Op: kb.Add, Text: "Done."}}
		if len(c.Lines) != len(want) {
			t.Fatalf("diff %v", c.Lines)
		}
		for i := range want {
			if c.Lines[i] != want[i] {
				t.Fatalf("diff %v, want %v", c.Lines, want)
			}
		}
		if len(c.Fields) != 1 || c.Fields[0] != "status" {
			t.Errorf("changed fields %v", c.Fields)
		}
		// History is for agents only.
		req := apptest.User(t, s, user.RoleRequester, "")
		if _, err := s.KB.Versions(ctx, req, art.ID, 0, 10); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("requester reads history: %v", err)
		}
	})
}

func TestWriteRules(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		req := apptest.User(t, s, user.RoleRequester, "")
		if _, err := s.KB.Create(ctx, req, kb.ArticleInput{Title: ptr("x"), Body: ptr("y")}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("requester creates: %v", err)
		}
		_, err := s.KB.Create(ctx, agent, kb.ArticleInput{Title: ptr(""), Body: ptr(" "), Visibility: ptr("everyone"), Category: ptr("nope")})
		var inv *fault.Invalid
		if !errors.As(err, &inv) || len(inv.Fields) != 4 {
			t.Fatalf("invalid input: %v", err)
		}
		a1 := article(t, s, agent, "Same title", "x", "public", "draft")
		a2 := article(t, s, agent, "Same title", "y", "public", "draft")
		if a1.Slug != "same-title" || a2.Slug != "same-title-2" || a1.Visibility != kb.Public {
			t.Errorf("slugs %q %q", a1.Slug, a2.Slug)
		}
		if _, err := s.KB.Update(ctx, agent, a2.ID, 0, kb.ArticleInput{Slug: ptr("same-title")}); !errors.As(err, &inv) {
			t.Errorf("taken slug: %v", err)
		}
		if err := s.KB.Delete(ctx, agent, a1.ID); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent deletes: %v", err)
		}
		if err := s.KB.Delete(ctx, apptest.Setup, a1.ID); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.KB.List(ctx, agent, kb.ListOptions{Query: "same"}); len(p.Articles) != 1 {
			t.Errorf("deleted article still found: %v", titles(p))
		}

		// Categories: a tree without loops; in use, not deletable.
		top, err := s.KB.CreateCategory(ctx, apptest.Setup, kb.CategoryInput{Name: ptr("Hardware")})
		if err != nil || top.Slug != "hardware" {
			t.Fatalf("category: %v %v", top, err)
		}
		if _, err := s.KB.CreateCategory(ctx, agent, kb.CategoryInput{Name: ptr("X")}); !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("agent creates category: %v", err)
		}
		sub, err := s.KB.CreateCategory(ctx, apptest.Setup, kb.CategoryInput{Name: ptr("Printers"), Parent: ptr("hardware")})
		if err != nil || sub.ParentID != top.ID {
			t.Fatalf("subcategory: %v %v", sub, err)
		}
		if _, err := s.KB.UpdateCategory(ctx, apptest.Setup, top.ID, kb.CategoryInput{Parent: ptr("printers")}); !errors.As(err, &inv) {
			t.Errorf("loop: %v", err)
		}
		if err := s.KB.DeleteCategory(ctx, apptest.Setup, top.ID); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("delete parent: %v", err)
		}
		if _, err := s.KB.Update(ctx, agent, a2.ID, 0, kb.ArticleInput{Category: ptr("printers")}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.KB.List(ctx, agent, kb.ListOptions{Category: "printers"}); len(p.Articles) != 1 {
			t.Errorf("by category: %v", titles(p))
		}
	})
}

func TestVotes(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		s := apptest.Services(t, d)
		agent := apptest.User(t, s, user.RoleAgent, "")
		art := article(t, s, agent, "Helpful", "x", "public", "published")
		draft := article(t, s, agent, "Hidden", "x", "public", "draft")
		for _, v := range []struct {
			client  string
			helpful bool
		}{{"c1", true}, {"c2", true}, {"c3", false}, {"c2", false}} {
			if err := s.KB.Vote(ctx, nil, art.Slug, v.client, v.helpful); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.KB.Vote(ctx, nil, draft.Slug, "c1", true); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("vote on a draft: %v", err)
		}
		v, err := s.KB.Votes(ctx, agent, art.ID)
		if err != nil || v.Yes != 1 || v.No != 2 {
			t.Errorf("votes %+v %v, want 1 yes 2 no (c2 changed its vote)", v, err)
		}
	})
}

func TestDiffLarge(t *testing.T) {
	a, b := "", ""
	for i := 0; i < 3000; i++ {
		a += "a line\n"
		b += "b line\n"
	}
	if d := kb.Diff(a, b); len(d) != 6000 {
		t.Errorf("large diff has %d lines", len(d))
	}
	if d := kb.Diff("", "x"); len(d) != 1 || d[0].Op != kb.Add {
		t.Errorf("from empty: %v", d)
	}
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{"Reset your VPN password!": "reset-your-vpn-password", "Größe ändern": "grosse-andern", "???": "article"} {
		if got := kb.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}
