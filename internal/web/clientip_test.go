package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48"),
		netip.MustParsePrefix("192.0.2.10/32")}
	cases := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"no proxy", "198.51.100.7:5123", nil, "198.51.100.7"},
		{"untrusted peer: spoofed header ignored", "198.51.100.7:5123", []string{"203.0.113.1"}, "198.51.100.7"},
		{"trusted proxy passes the client", "10.1.2.3:443", []string{"203.0.113.1"}, "203.0.113.1"},
		{"forged hops left of the client are ignored", "10.1.2.3:443", []string{"1.1.1.1, 203.0.113.1"}, "203.0.113.1"},
		{"chain of trusted proxies", "10.1.2.3:443", []string{"6.6.6.6, 203.0.113.1, 192.0.2.10, 10.9.9.9"}, "203.0.113.1"},
		{"several header lines read as one list", "10.1.2.3:443", []string{"6.6.6.6, 203.0.113.1", "10.9.9.9"}, "203.0.113.1"},
		{"every hop trusted: leftmost", "10.1.2.3:443", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"trusted proxy without header", "10.1.2.3:443", nil, "10.1.2.3"},
		{"unreadable hop ends the walk", "10.1.2.3:443", []string{"203.0.113.1, unknown, 10.5.5.5"}, "10.5.5.5"},
		{"hop with a port", "10.1.2.3:443", []string{"203.0.113.1:5555"}, "203.0.113.1"},
		{"IPv6 proxy and client", "[2001:db8:1::5]:443", []string{"[2001:db8:2::9]:1234"}, "2001:db8:2::9"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:443", []string{"203.0.113.1"}, "203.0.113.1"},
		{"not an address", "@", []string{"203.0.113.1"}, "@"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientIP(r, trusted); got != c.want {
				t.Errorf("clientIP = %q, want %q", got, c.want)
			}
		})
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr, r.Header["X-Forwarded-For"] = "10.1.2.3:443", []string{"203.0.113.1"}
	if got := clientIP(r, nil); got != "10.1.2.3" {
		t.Errorf("no trusted proxies configured: %q, want the peer", got)
	}
}

// TestMiddlewareClientIP: handlers and the request log line see the
// client address the middleware decided.
func TestMiddlewareClientIP(t *testing.T) {
	var logs bytes.Buffer
	var seen string
	h := Middleware(slog.New(slog.NewTextHandler(&logs, nil)), nil, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = ClientIP(r) }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != "203.0.113.9" || !strings.Contains(logs.String(), "client_ip=203.0.113.9") {
		t.Errorf("handler saw %q, log %q; want 203.0.113.9 in both", seen, logs.String())
	}
}
