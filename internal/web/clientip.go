package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

const clientIPKey ctxKey = 2

// ClientIP is the address the request came from, as the middleware decided
// it (see clientIP): what rate limits key on, sessions record and the
// request log shows. Outside the middleware it is the peer's address.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey).(string); ok {
		return ip
	}
	return clientIP(r, nil)
}

// clientIP is the peer's address, unless the peer is one of the trusted
// proxies: then X-Forwarded-For is read from the right, where each proxy
// appended the address it received the request from, past every trusted
// proxy, and the first address not trusted is the client. Anything to its
// left was written by the client and may be forged. When every hop is
// trusted the leftmost is the client; an unreadable hop ends the walk at
// the last address known to be good.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			return r.RemoteAddr
		}
		return host
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		addr = a
		if !isTrusted(a, trusted) {
			break
		}
	}
	return addr.String()
}

// parseHop reads an address as RemoteAddr or X-Forwarded-For give it:
// "192.0.2.1", "192.0.2.1:4711", "2001:db8::1" or "[2001:db8::1]:4711".
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}
