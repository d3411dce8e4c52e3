package api_test

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/client"
)

type mbServer struct {
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	TLS      string `json:"tls,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

func TestMailboxes(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var mb struct {
			ID      int64  `json:"id"`
			Address string `json:"address"`
			Inbound struct {
				Type        string `json:"type"`
				Host        string `json:"host"`
				HasPassword bool   `json:"has_password"`
			} `json:"inbound"`
			Outbound struct {
				HasPassword bool `json:"has_password"`
			} `json:"outbound"`
		}
		body := map[string]any{"address": "Support@Example.test", "name": "Support",
			"inbound":  map[string]any{"type": "imap", "host": "127.0.0.1", "port": 1, "tls": "none", "username": "u", "password": "imap-secret-1", "folder": "INBOX", "after_import": "flag"},
			"outbound": mbServer{Host: "127.0.0.1", Port: 1, TLS: "none", Username: "u", Password: "smtp-secret-2"}}
		resp, err := f.admin.Do(ctx, "POST", "/api/v1/mailboxes", body, &mb)
		if err != nil || resp.Status != 201 {
			t.Fatalf("create mailbox: %v", err)
		}
		if mb.Address != "support@example.test" || !mb.Inbound.HasPassword || !mb.Outbound.HasPassword {
			t.Fatalf("mailbox = %+v", mb)
		}
		// Secrets never come back, and are not stored in the clear.
		var raw map[string]any
		f.admin.Do(ctx, "GET", "/api/v1/mailboxes/"+strconv.FormatInt(mb.ID, 10), nil, &raw)
		var listing map[string]any
		f.admin.Do(ctx, "GET", "/api/v1/mailboxes", nil, &listing)
		for _, v := range []any{raw, listing} {
			if s := strings.ToLower(toJSON(t, v)); strings.Contains(s, "secret-") || strings.Contains(s, `"password":`) {
				t.Fatalf("a password leaked: %s", s)
			}
		}
		var stored string
		if err := f.DB.R.QueryRowContext(ctx, `SELECT imap_password FROM mailboxes WHERE id = `+strconv.FormatInt(mb.ID, 10)).Scan(&stored); err != nil || strings.Contains(stored, "imap-secret-1") || stored == "" {
			t.Fatalf("stored password = %q (%v)", stored, err)
		}
		// Validation names the field; duplicates are refused; agents are not allowed.
		_, err = f.admin.Do(ctx, "POST", "/api/v1/mailboxes", map[string]any{"address": "x@example.test", "inbound": map[string]any{"type": "pop3"}}, nil)
		if client.FieldErrorFor(err, "inbound.type") == "" {
			t.Fatalf("bad inbound type: %v", err)
		}
		_, err = f.admin.Do(ctx, "POST", "/api/v1/mailboxes", map[string]any{"address": "SUPPORT@example.test"}, nil)
		if client.FieldErrorFor(err, "address") == "" {
			t.Fatalf("duplicate address: %v", err)
		}
		if _, err := f.agentC.Do(ctx, "GET", "/api/v1/mailboxes", nil, nil); client.StatusOf(err) != 403 {
			t.Fatalf("agent lists mailboxes: %v", err)
		}
		// The connection test says where it failed: nothing listens on a
		// closed loopback port.
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if _, err := f.admin.Do(ctx, "PATCH", "/api/v1/mailboxes/"+strconv.FormatInt(mb.ID, 10),
			map[string]any{"inbound": map[string]any{"port": port, "password": "imap-secret-1"},
				"outbound": map[string]any{"port": port, "password": "smtp-secret-2"}}, nil); err != nil {
			t.Fatal(err)
		}
		var res struct {
			OK    bool `json:"ok"`
			Steps []struct {
				Side, Stage, Detail string
				OK                  bool
			} `json:"steps"`
		}
		if _, err := f.admin.Do(ctx, "POST", "/api/v1/mailboxes/"+strconv.FormatInt(mb.ID, 10)+"/test", map[string]any{}, &res); err != nil {
			t.Fatal(err)
		}
		if res.OK || len(res.Steps) != 4 || res.Steps[0].Stage != "dns" || !res.Steps[0].OK || res.Steps[1].Stage != "tcp" || res.Steps[1].OK {
			t.Fatalf("connection test = %+v", res)
		}
		if _, err := f.admin.Do(ctx, "DELETE", "/api/v1/mailboxes/"+strconv.FormatInt(mb.ID, 10), nil, nil); err != nil {
			t.Fatal(err)
		}
	})
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMailboxPasswordFollowsTheServer: a stored password is sent only to
// the server it was set for. Pointing a mailbox elsewhere (host, port, TLS
// or username) needs the password again; otherwise an admin could send the
// "write-only" password to a server of their own, in clear text over
// tls: none, and read it there.
func TestMailboxPasswordFollowsTheServer(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var mb struct {
			ID int64 `json:"id"`
		}
		body := map[string]any{"address": "help@example.test",
			"inbound":  map[string]any{"type": "imap", "host": "imap.example.test", "port": 993, "tls": "tls", "username": "help", "password": "imap-secret"},
			"outbound": mbServer{Host: "smtp.example.test", Port: 587, TLS: "starttls", Username: "help", Password: "smtp-secret"}}
		if _, err := f.admin.Do(ctx, "POST", "/api/v1/mailboxes", body, &mb); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/mailboxes/" + strconv.FormatInt(mb.ID, 10)
		for _, side := range []string{"inbound", "outbound"} {
			for field, value := range map[string]any{"host": "evil.example.test", "port": 2525, "tls": "none", "username": "someone-else"} {
				_, err := f.admin.Do(ctx, "PATCH", path, map[string]any{side: map[string]any{field: value}}, nil)
				if client.FieldErrorFor(err, side+".password") == "" {
					t.Errorf("changing %s.%s without the password: %v, want 422 on %s.password", side, field, err, side)
				}
			}
		}
		var got struct {
			Inbound struct {
				Host string `json:"host"`
			} `json:"inbound"`
		}
		f.admin.Do(ctx, "GET", path, nil, &got)
		if got.Inbound.Host != "imap.example.test" {
			t.Fatalf("a refused change moved the mailbox to %s", got.Inbound.Host)
		}
		// Anything else changes without it; a move does with it.
		if _, err := f.admin.Do(ctx, "PATCH", path, map[string]any{"name": "Help", "inbound": map[string]any{"folder": "Support"}}, nil); err != nil {
			t.Fatalf("a change that sends the password nowhere new: %v", err)
		}
		if _, err := f.admin.Do(ctx, "PATCH", path, map[string]any{"inbound": map[string]any{"host": "imap2.example.test", "password": "imap-secret"},
			"outbound": map[string]any{"tls": "tls", "port": 465, "password": "smtp-secret"}}, nil); err != nil {
			t.Fatalf("a move with the passwords: %v", err)
		}
	})
}
