package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Server-side request forgery: a webhook URL is an address Docket's server
// connects to, so an admin (or whoever holds an admin token) could point it
// at what only the server can reach — its own loopback ports, the cloud
// metadata address, the private network. Such addresses are refused when a
// webhook is saved and again on every connection (after DNS resolution, at
// the IP actually dialled, so a name that resolves differently later is
// caught too). Redirects are never followed: a 3xx answer is a failed
// delivery. An admin may explicitly allow a webhook's host to be on a
// private network (AllowPrivateHost); unspecified, multicast and broadcast
// addresses are refused even then.

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	broadcast = netip.MustParseAddr("255.255.255.255")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
)

// errNeverAllowed and errPrivate explain a refused address.
var (
	errNeverAllowed = errors.New("is an unspecified, multicast or broadcast address, which webhooks never reach")
	errPrivate      = errors.New("is a loopback, private, link-local or shared (CGNAT) address; an admin must allow this host explicitly")
)

// checkIP says why ip must not be dialled, or nil. allowPrivate lifts the
// refusal of loopback, private, link-local and CGNAT addresses.
func checkIP(ip netip.Addr, allowPrivate bool) error {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		// The IPv4 address behind a NAT64 prefix is what is reached.
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast(), ip == broadcast, thisNet.Contains(ip):
		return errNeverAllowed
	case ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), cgnat.Contains(ip):
		if !allowPrivate {
			return errPrivate
		}
	}
	return nil
}

// control is the net.Dialer hook that checks the address about to be
// dialled: after resolution, so no name can smuggle a private address in.
func control(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook: refused to connect to %s: not an IP address", address)
		}
		if err := checkIP(ap.Addr(), allowPrivate); err != nil {
			return fmt.Errorf("webhook: refused to connect to %s: it %w", ap.Addr(), err)
		}
		return nil
	}
}

// newClient returns the HTTP client for deliveries: no proxy (a proxy would
// dial for us, past the check), redirects not followed, timeout bounding
// the whole exchange.
func newClient(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: control(allowPrivate)}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		ForceAttemptHTTP2:   true,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: timeout,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// maxURL bounds a webhook URL's length.
const maxURL = 2000

// checkURL validates a webhook URL when it is saved: http or https, a
// host, no credentials, and no address webhooks must not reach — the host
// itself when it is an IP, else every address it resolves to now. A name
// that does not resolve is accepted (DNS may be down for a moment); the
// address is checked again at every delivery.
func checkURL(ctx context.Context, lookup func(context.Context, string) ([]netip.Addr, error), raw string, allowPrivate bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errors.New("is required")
	}
	if len(raw) > maxURL {
		return "", fmt.Errorf("must be at most %d characters", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("must start with http:// or https://")
	}
	if u.User != nil {
		return "", errors.New("must not hold a user name or password; the secret signs each delivery")
	}
	host := u.Hostname()
	if host == "" {
		return "", errors.New("has no host")
	}
	if u.Fragment != "" {
		return "", errors.New("must not have a #fragment")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := checkIP(ip, allowPrivate); err != nil {
			return "", fmt.Errorf("reaches %s, which %w", ip, err)
		}
		return u.String(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := lookup(ctx, host)
	if err != nil {
		return u.String(), nil
	}
	for _, ip := range addrs {
		if err := checkIP(ip, allowPrivate); err != nil {
			return "", fmt.Errorf("reaches %s (%s resolves to it), which %w", ip.Unmap(), host, err)
		}
	}
	return u.String(), nil
}
