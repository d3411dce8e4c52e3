package config

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestParseProxies(t *testing.T) {
	got, err := ParseProxies(" 10.1.2.3/8, 192.0.2.1 ,, ::1,::ffff:192.0.2.0/120, fe80::1%eth0")
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("fe80::1/128")}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseProxies = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example.com", "10.0.0.1:80"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
	if got, err := ParseProxies(""); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
}
