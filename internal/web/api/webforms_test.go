package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

type webFormOut struct {
	ID       int64    `json:"id"`
	UID      string   `json:"uid"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Category *string  `json:"category"`
	Origins  []string `json:"origins"`
	Enabled  bool     `json:"enabled"`
	URL      string   `json:"url"`
}

// TestWebFormsAPI: /api/v1/web-forms in API.md's resource shape; admins
// write, agents read, field errors as problem+json.
func TestWebFormsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		_, err := f.admin.Do(ctx, "POST", "/api/v1/web-forms", map[string]any{"name": "", "type": "bug",
			"origins": []string{"javascript:x"}}, nil)
		wantField(t, err, "name")
		wantField(t, err, "type")
		wantField(t, err, "origins[0]")
		_, err = f.admin.Do(ctx, "POST", "/api/v1/web-forms", map[string]any{"name": "x", "colour": "red"}, nil)
		wantField(t, err, "colour")
		var wf webFormOut
		resp, err := f.admin.Do(ctx, "POST", "/api/v1/web-forms", map[string]any{"name": "Contact", "origins": []string{"https://www.example.com"}}, &wf)
		check(t, err)
		path := fmt.Sprintf("/api/v1/web-forms/%d", wf.ID)
		if resp.Status != http.StatusCreated || resp.Header.Get("Location") != path || wf.Type != "request" || !wf.Enabled ||
			!strings.HasSuffix(wf.URL, "/form/"+wf.UID) || len(wf.Origins) != 1 {
			t.Fatalf("created %d %+v", resp.Status, wf)
		}
		var list struct{ Items []webFormOut }
		_, err = f.agentC.Do(ctx, "GET", "/api/v1/web-forms", nil, &list)
		check(t, err)
		if len(list.Items) != 1 || list.Items[0].ID != wf.ID {
			t.Fatalf("agent's list: %+v", list)
		}
		_, err = f.agentC.Do(ctx, "PATCH", path, map[string]any{"enabled": false}, nil)
		wantStatus(t, err, http.StatusForbidden)
		_, err = f.admin.Do(ctx, "PATCH", path, map[string]any{"enabled": false}, &wf)
		check(t, err)
		if wf.Enabled {
			t.Fatal("patch did not turn the form off")
		}
		resp, err = f.admin.Do(ctx, "DELETE", path, nil, nil)
		check(t, err)
		if resp.Status != http.StatusNoContent {
			t.Fatalf("delete: %d", resp.Status)
		}
		_, err = f.admin.Do(ctx, "GET", path, nil, nil)
		wantStatus(t, err, http.StatusNotFound)
	})
}
