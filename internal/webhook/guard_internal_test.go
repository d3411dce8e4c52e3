package webhook

import (
	"net/netip"
	"testing"
)

// Every class of address webhooks must not reach is refused; an admin's
// explicit permission lifts only the private classes.
func TestCheckIP(t *testing.T) {
	for _, c := range []struct {
		ip                   string
		strict, allowPrivate bool // allowed?
	}{
		{"93.184.216.34", true, true},
		{"2606:4700::1111", true, true},
		{"127.0.0.1", false, true},
		{"127.8.9.10", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"192.168.1.1", false, true},
		{"169.254.169.254", false, true}, // cloud metadata
		{"fe80::1", false, true},
		{"fd00::1", false, true},
		{"100.64.0.1", false, true}, // CGNAT
		{"64:ff9b::7f00:1", false, true},
		{"0.0.0.0", false, false},
		{"0.1.2.3", false, false},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, false},
	} {
		ip := netip.MustParseAddr(c.ip)
		if got := checkIP(ip, false) == nil; got != c.strict {
			t.Errorf("checkIP(%s, strict) allowed = %v, want %v", c.ip, got, c.strict)
		}
		if got := checkIP(ip, true) == nil; got != c.allowPrivate {
			t.Errorf("checkIP(%s, allowPrivate) allowed = %v, want %v", c.ip, got, c.allowPrivate)
		}
	}
}
