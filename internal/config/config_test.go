package config

import (
	"flag"
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

// TestSearchConcurrency: --search-concurrency reaches the configuration
// from the environment or the flag (the flag wins), 0 by default.
func TestSearchConcurrency(t *testing.T) {
	for _, c := range []struct {
		env  string
		args []string
		want int
	}{
		{"", nil, 0},
		{"3", nil, 3},
		{"3", []string{"--search-concurrency", "5"}, 5},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg, validate := Bind(fs, ScopeServe, func(name string) string {
			if name == "DOCKET_SEARCH_CONCURRENCY" {
				return c.env
			}
			return ""
		})
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		if err := validate(); err != nil {
			t.Fatal(err)
		}
		if cfg.SearchConcurrency != c.want {
			t.Errorf("env %q, flags %v: %d searches at once, want %d", c.env, c.args, cfg.SearchConcurrency, c.want)
		}
	}
}
