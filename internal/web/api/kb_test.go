package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

type kbArticle struct {
	ID         int64    `json:"id"`
	Slug       string   `json:"slug"`
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	BodyHTML   string   `json:"body_html"`
	Category   *string  `json:"category"`
	Tags       []string `json:"tags"`
	Visibility string   `json:"visibility"`
	Status     string   `json:"status"`
	Version    int      `json:"version"`
	Helpful    *struct {
		Yes int `json:"yes"`
		No  int `json:"no"`
	} `json:"helpful"`
	Deflections *int `json:"deflections"`
	Linked      *int `json:"linked_tickets"`
	UpdatedBy   *struct {
		Email string `json:"email"`
	} `json:"updated_by"`
}

type kbList struct {
	Items      []kbArticle `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

func articlePath(id int64) string { return "/api/v1/kb/articles/" + strconv.FormatInt(id, 10) }

func createArticle(t *testing.T, c *client.Client, body map[string]any) kbArticle {
	t.Helper()
	var a kbArticle
	resp, err := c.Do(t.Context(), http.MethodPost, "/api/v1/kb/articles", body, &a)
	check(t, err)
	if resp.Status != http.StatusCreated || resp.Header.Get("Location") != articlePath(a.ID) {
		t.Fatalf("create: %d %q", resp.Status, resp.Header.Get("Location"))
	}
	return a
}

func TestKBArticlesAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		var cat map[string]any
		_, err := f.agentC.Do(ctx, http.MethodPost, "/api/v1/kb/categories", map[string]any{"name": "Network"}, &cat)
		wantStatus(t, err, http.StatusForbidden)
		resp, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/kb/categories", map[string]any{"name": "Network"}, &cat)
		check(t, err)
		if resp.Status != http.StatusCreated || cat["slug"] != "network" || !strings.HasPrefix(resp.Header.Get("Location"), "/api/v1/kb/categories/") {
			t.Fatalf("category: %d %v", resp.Status, cat)
		}

		a := createArticle(t, f.agentC, map[string]any{"title": "VPN <setup>", "body": "Run `vpn up`.\n\n<script>alert(1)</script>",
			"category": "network", "tags": []string{"VPN"}, "visibility": "public", "status": "published"})
		if a.Slug != "vpn-setup" || a.Version != 1 || a.Category == nil || *a.Category != "network" || len(a.Tags) != 1 || a.Tags[0] != "vpn" {
			t.Fatalf("created %+v", a)
		}
		if strings.Contains(a.BodyHTML, "<script") || !strings.Contains(a.BodyHTML, "<code>vpn up</code>") {
			t.Errorf("body_html not sanitized: %s", a.BodyHTML)
		}
		if a.Helpful == nil || a.Deflections == nil || *a.Deflections != 0 || a.Linked == nil || *a.Linked != 0 {
			t.Errorf("agents see the helpful counts and deflections")
		}

		// 422 with field errors; requesters do not write.
		_, err = f.agentC.Do(ctx, http.MethodPost, "/api/v1/kb/articles", map[string]any{"title": "", "visibility": "all"}, nil)
		wantField(t, err, "title")
		_, err = f.agentC.Do(ctx, http.MethodPost, "/api/v1/kb/articles", map[string]any{"title": "x", "body": "y", "status": "live"}, nil)
		wantField(t, err, "status")
		_, err = f.agentC.Do(ctx, http.MethodPost, "/api/v1/kb/articles", map[string]any{"title": "x", "body": "y", "colour": "red"}, nil)
		wantField(t, err, "colour")
		_, err = f.reqC.Do(ctx, http.MethodPost, "/api/v1/kb/articles", map[string]any{"title": "x", "body": "y"}, nil)
		wantStatus(t, err, http.StatusForbidden)

		// PATCH with If-Match: the current version passes, a stale one is 412.
		var got kbArticle
		resp, err = f.agentC.Do(ctx, http.MethodGet, articlePath(a.ID), nil, &got)
		check(t, err)
		etag := resp.Header.Get("ETag")
		resp, err = f.agentC.Do(ctx, http.MethodPatch, articlePath(a.ID), map[string]any{"body": "Run `vpn up` twice."}, &got, client.WithIfMatch(etag))
		check(t, err)
		if got.Version != 2 || resp.Header.Get("ETag") == etag {
			t.Fatalf("patched %+v", got)
		}
		_, err = f.agentC.Do(ctx, http.MethodPatch, articlePath(a.ID), map[string]any{"title": "Stale"}, nil, client.WithIfMatch(etag))
		wantStatus(t, err, http.StatusPreconditionFailed)
		_, err = f.agentC.Do(ctx, http.MethodPatch, articlePath(a.ID), map[string]any{"category": "nowhere"}, nil)
		wantField(t, err, "category")

		// Versions and their diff.
		var versions struct {
			Items []struct {
				Version int `json:"version"`
				Author  struct {
					Email string `json:"email"`
				} `json:"author"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, articlePath(a.ID)+"/versions?limit=1", nil, &versions)
		check(t, err)
		if len(versions.Items) != 1 || versions.Items[0].Version != 2 || versions.NextCursor == nil || versions.Items[0].Author.Email != f.agent.Email {
			t.Fatalf("versions %+v", versions)
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, articlePath(a.ID)+"/versions?limit=1&cursor="+*versions.NextCursor, nil, &versions)
		check(t, err)
		if len(versions.Items) != 1 || versions.Items[0].Version != 1 || versions.NextCursor != nil {
			t.Fatalf("versions page 2 %+v", versions)
		}
		var diff struct {
			From, To int
			Lines    []struct{ Op, Text string }
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, articlePath(a.ID)+"/diff", nil, &diff)
		check(t, err)
		if diff.From != 1 || diff.To != 2 || len(diff.Lines) != 4 || diff.Lines[0].Op != "remove" || diff.Lines[3].Op != "add" || diff.Lines[3].Text != "Run `vpn up` twice." {
			t.Fatalf("diff %+v", diff)
		}
		_, err = f.reqC.Do(ctx, http.MethodGet, articlePath(a.ID)+"/versions", nil, nil)
		wantStatus(t, err, http.StatusNotFound)

		// Requesters read published public and requesters articles, never
		// internal ones or drafts (404, as if they did not exist).
		internal := createArticle(t, f.agentC, map[string]any{"title": "VPN keys", "body": "secret", "visibility": "internal", "status": "published"})
		draft := createArticle(t, f.agentC, map[string]any{"title": "VPN draft", "body": "soon", "visibility": "public"})
		forReq := createArticle(t, f.agentC, map[string]any{"title": "VPN for staff", "body": "x", "visibility": "requesters", "status": "published"})
		for _, id := range []int64{internal.ID, draft.ID} {
			_, err = f.reqC.Do(ctx, http.MethodGet, articlePath(id), nil, nil)
			wantStatus(t, err, http.StatusNotFound)
			_, err = f.reqC.Do(ctx, http.MethodPatch, articlePath(id), map[string]any{"title": "x"}, nil)
			wantStatus(t, err, http.StatusNotFound)
		}
		var seen kbList
		_, err = f.reqC.Do(ctx, http.MethodGet, "/api/v1/kb/articles?q=vpn", nil, &seen)
		check(t, err)
		if len(seen.Items) != 2 || seen.Items[0].Helpful != nil || seen.Items[0].Deflections != nil || seen.Items[0].Linked != nil {
			t.Fatalf("requester's search %+v", seen)
		}
		for _, it := range seen.Items {
			if it.ID != a.ID && it.ID != forReq.ID {
				t.Errorf("requester sees %q", it.Title)
			}
		}

		// Lists page with a cursor, ranked or not.
		var page kbList
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/kb/articles?limit=3", nil, &page)
		check(t, err)
		if len(page.Items) != 3 || page.NextCursor == nil || page.Items[0].ID != forReq.ID {
			t.Fatalf("page 1 %+v", page)
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/kb/articles?limit=3&cursor="+*page.NextCursor, nil, &page)
		check(t, err)
		if len(page.Items) != 1 || page.Items[0].ID != a.ID || page.NextCursor != nil {
			t.Fatalf("page 2 %+v", page)
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/kb/articles?q=vpn&limit=2", nil, &page)
		check(t, err)
		if len(page.Items) != 2 || page.NextCursor == nil {
			t.Fatalf("ranked page 1 %+v", page)
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/kb/articles?q=vpn&limit=2&cursor="+*page.NextCursor, nil, &page)
		check(t, err)
		if len(page.Items) != 2 || page.NextCursor != nil {
			t.Fatalf("ranked page 2 %+v", page)
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, "/api/v1/kb/articles?q=assignee:me", nil, nil)
		wantField(t, err, "q")

		// Agents do not delete; admins do; a category in use is a conflict.
		_, err = f.admin.Do(ctx, http.MethodDelete, "/api/v1/kb/categories/"+strconv.FormatFloat(cat["id"].(float64), 'f', 0, 64), nil, nil)
		wantStatus(t, err, http.StatusConflict)
		_, err = f.agentC.Do(ctx, http.MethodDelete, articlePath(a.ID), nil, nil)
		wantStatus(t, err, http.StatusForbidden)
		resp, err = f.admin.Do(ctx, http.MethodDelete, articlePath(a.ID), nil, nil)
		check(t, err)
		if resp.Status != http.StatusNoContent {
			t.Fatalf("delete: %d", resp.Status)
		}
		_, err = f.agentC.Do(ctx, http.MethodGet, articlePath(a.ID), nil, nil)
		wantStatus(t, err, http.StatusNotFound)
		resp, err = f.admin.Do(ctx, http.MethodDelete, "/api/v1/kb/categories/"+strconv.FormatFloat(cat["id"].(float64), 'f', 0, 64), nil, nil)
		check(t, err)
		if resp.Status != http.StatusNoContent {
			t.Fatalf("delete category: %d", resp.Status)
		}
	})
}

func TestKBCategoriesAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		for _, name := range []string{"Hardware", "Software", "Accounts"} {
			_, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/kb/categories", map[string]any{"name": name}, nil)
			check(t, err)
		}
		var sub map[string]any
		_, err := f.admin.Do(ctx, http.MethodPost, "/api/v1/kb/categories", map[string]any{"name": "Printers", "parent": "hardware"}, &sub)
		check(t, err)
		if sub["parent"] != "hardware" {
			t.Fatalf("subcategory %v", sub)
		}
		_, err = f.admin.Do(ctx, http.MethodPost, "/api/v1/kb/categories", map[string]any{"name": "Other", "slug": "hardware"}, nil)
		wantField(t, err, "slug")
		_, err = f.admin.Do(ctx, http.MethodPost, "/api/v1/kb/categories", map[string]any{"name": "Other", "parent": "nope"}, nil)
		wantField(t, err, "parent")
		_, err = f.admin.Do(ctx, http.MethodPatch, "/api/v1/kb/categories/1", map[string]any{"parent": "printers"}, nil)
		wantField(t, err, "parent")
		var patched map[string]any
		_, err = f.admin.Do(ctx, http.MethodPatch, "/api/v1/kb/categories/"+strconv.FormatFloat(sub["id"].(float64), 'f', 0, 64),
			map[string]any{"parent": nil, "description": "Ink & paper"}, &patched)
		check(t, err)
		if patched["parent"] != nil || patched["description"] != "Ink & paper" {
			t.Fatalf("patched %v", patched)
		}
		var l struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		_, err = f.reqC.Do(ctx, http.MethodGet, "/api/v1/kb/categories?limit=3", nil, &l)
		check(t, err)
		if len(l.Items) != 3 || l.NextCursor == nil {
			t.Fatalf("categories %+v", l)
		}
		_, err = f.reqC.Do(ctx, http.MethodGet, "/api/v1/kb/categories?limit=3&cursor="+*l.NextCursor, nil, &l)
		check(t, err)
		if len(l.Items) != 1 || l.NextCursor != nil {
			t.Fatalf("categories page 2 %+v", l)
		}
		_, err = f.admin.Do(ctx, http.MethodGet, "/api/v1/kb/categories/999", nil, nil)
		wantStatus(t, err, http.StatusNotFound)
	})
}
