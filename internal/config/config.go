// Package config loads Docket's one typed configuration from command-line
// flags and DOCKET_* environment variables (flags win), and validates it
// with one-line errors.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/secret"
)

// Config is everything Docket needs to start.
type Config struct {
	Addr              string
	Data              string
	DatabaseURL       string
	SQLiteSync        string
	SMTPAddr          string
	TrustedAuthservID string
	KeepRawMail       bool
	BaseURL           string
	MetricsAddr       string
	MetricsToken      string
	// SecretKey seals mailbox passwords; from DOCKET_SECRET_KEY only (a
	// flag would show in the process list). Required with PostgreSQL;
	// with SQLite, empty means a key file in Data.
	SecretKey string
	// AttachmentStore is where attachment contents live: "dir" (under
	// Data) or "database". Empty: "database" on PostgreSQL, else "dir".
	AttachmentStore string
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies  []netip.Prefix
	LogLevel        string
	LogFormat       string
	MaxBodyBytes    int64
	MaxUploadBytes  int64
	TicketPrefixes  map[string]string
	ShutdownTimeout time.Duration
	// AwayAfter is how long an available agent may make no request before
	// they are marked away (automatic assignment passes them by); 0 takes
	// the default (30 minutes), negative never marks anyone away.
	AwayAfter time.Duration
	// SearchConcurrency is how many ticket text searches run at once (the
	// others wait their turn); 0 is one per CPU Docket may use.
	SearchConcurrency int
}

// Redacted returns the configuration safe to log: secrets and the
// database password are masked.
func (c Config) Redacted() Config {
	r := c
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err == nil {
			r.DatabaseURL = u.Redacted()
		} else {
			r.DatabaseURL = "(unparsable)"
		}
	}
	if c.MetricsToken != "" {
		r.MetricsToken = "xxxxx"
	}
	if c.SecretKey != "" {
		r.SecretKey = "xxxxx"
	}
	return r
}

// Scope says which options a subcommand takes.
type Scope int

// The option sets.
const (
	ScopeDB      Scope = iota // --data and --database-url
	ScopeServe                // everything
	ScopeRestore              // ScopeDB and --attachment-store
)

// Bind registers the options of scope on fs, with defaults taken from the
// environment, and returns the Config they fill plus a validation step to run
// after fs.Parse.
func Bind(fs *flag.FlagSet, scope Scope, getenv func(string) string) (*Config, func() error) {
	c := &Config{KeepRawMail: true}
	var errs []error
	env := func(name, def string) string {
		if v := getenv("DOCKET_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, env(name, def), usage+" (env DOCKET_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+")")
	}
	size := func(p *int64, name string, def int64, usage string) {
		v := env(name, "")
		*p = def
		if v != "" {
			n, err := parseSize(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("DOCKET_%s: %v", strings.ToUpper(strings.ReplaceAll(name, "-", "_")), err))
			}
			*p = n
		}
		fs.Func(name, usage+" (bytes, or with KB/MB/GB; env DOCKET_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+")", func(s string) error {
			n, err := parseSize(s)
			*p = n
			return err
		})
	}
	str(&c.Data, "data", "./docket-data", "data directory: SQLite database, attachments, keys")
	c.SecretKey = getenv("DOCKET_SECRET_KEY")
	str(&c.DatabaseURL, "database-url", "", "postgres:// URL; empty uses the embedded SQLite database under --data")
	str(&c.SQLiteSync, "sqlite-sync", "normal", "SQLite durability: normal (survives process crashes) or full (also power loss; slower writes)")
	var prefixes, keepRaw, proxies string
	if scope != ScopeDB {
		str(&c.AttachmentStore, "attachment-store", "", "where attachment contents live: dir (under --data) or database (default: database with PostgreSQL, dir with SQLite)")
	}
	if scope == ScopeServe {
		str(&c.Addr, "addr", ":8080", "HTTP listen address")
		str(&c.SMTPAddr, "smtp-addr", "", "listen address for inbound SMTP, e.g. 127.0.0.1:2525 (off when empty)")
		str(&c.TrustedAuthservID, "trusted-authserv-id", "", "authserv-id whose Authentication-Results headers are believed")
		str(&keepRaw, "keep-raw-mail", "true", "keep every inbound message as received (true or false; quarantined mail is always kept)")
		str(&c.BaseURL, "base-url", "", "public URL of this Docket, e.g. https://help.example.com (default http://localhost:PORT)")
		str(&proxies, "trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8,::1")
		str(&c.MetricsAddr, "metrics-addr", "", "serve /metrics on this separate address instead of --addr")
		str(&c.MetricsToken, "metrics-token", "", "require this bearer token for /metrics")
		str(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
		str(&c.LogFormat, "log-format", "text", "text or json")
		str(&prefixes, "ticket-prefix", "", "number prefixes per type, e.g. incident=INC-,request=REQ-")
		size(&c.MaxBodyBytes, "max-body", 1<<20, "largest JSON request body")
		size(&c.MaxUploadBytes, "max-upload", 25<<20, "largest attachment")
		var timeout, awayAfter, searches string
		str(&searches, "search-concurrency", "0", "ticket text searches that run at once, the others waiting their turn; 0 is one per CPU")
		str(&timeout, "shutdown-timeout", "30s", "how long shutdown waits for in-flight requests")
		str(&awayAfter, "away-after", "30m", "mark an available agent away after this long without a request (automatic assignment passes them by); 0 never")
		validate := func() error {
			d, err := time.ParseDuration(timeout)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("--shutdown-timeout: %q is not a positive duration", timeout))
			}
			c.ShutdownTimeout = d
			switch away, err := time.ParseDuration(awayAfter); {
			case err != nil || away < 0:
				errs = append(errs, fmt.Errorf("--away-after: %q is not a duration such as 30m (0 for never)", awayAfter))
			case away == 0:
				c.AwayAfter = -1
			default:
				c.AwayAfter = away
			}
			if n, err := strconv.Atoi(searches); err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("--search-concurrency: %q is not a whole number of searches (0 for one per CPU)", searches))
			} else {
				c.SearchConcurrency = n
			}
			if c.TicketPrefixes, err = parsePrefixes(prefixes); err != nil {
				errs = append(errs, fmt.Errorf("--ticket-prefix: %v", err))
			}
			if c.TrustedProxies, err = ParseProxies(proxies); err != nil {
				errs = append(errs, fmt.Errorf("--trusted-proxies: %v", err))
			}
			switch keepRaw {
			case "true", "1", "yes":
				c.KeepRawMail = true
			case "false", "0", "no":
				c.KeepRawMail = false
			default:
				errs = append(errs, fmt.Errorf("--keep-raw-mail: %q is not true or false", keepRaw))
			}
			return c.validate(scope, errs)
		}
		return c, validate
	}
	return c, func() error { return c.validate(scope, errs) }
}

func (c *Config) validate(scope Scope, errs []error) error {
	if c.Data == "" {
		errs = append(errs, errors.New("--data: must not be empty"))
	}
	if c.SQLiteSync != "normal" && c.SQLiteSync != "full" {
		errs = append(errs, fmt.Errorf("--sqlite-sync: %q is not normal or full", c.SQLiteSync))
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("--database-url: must be a postgres:// URL"))
		} else if err := secret.RequireEnv(c.Data, c.SecretKey); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.AttachmentStore {
	case "", "dir", "database":
	default:
		errs = append(errs, fmt.Errorf("--attachment-store: %q is not dir or database", c.AttachmentStore))
	}
	if scope == ScopeServe {
		for name, addr := range map[string]string{"--addr": c.Addr, "--smtp-addr": c.SMTPAddr, "--metrics-addr": c.MetricsAddr} {
			if addr == "" && name != "--addr" {
				continue
			}
			if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
				errs = append(errs, fmt.Errorf("%s: %q is not host:port", name, addr))
			}
		}
		if c.BaseURL != "" {
			u, err := url.Parse(c.BaseURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("--base-url: %q is not an http(s) URL", c.BaseURL))
			}
			c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		}
		switch c.LogLevel {
		case "debug", "info", "warn", "error":
		default:
			errs = append(errs, fmt.Errorf("--log-level: %q is not debug, info, warn or error", c.LogLevel))
		}
		if c.LogFormat != "text" && c.LogFormat != "json" {
			errs = append(errs, fmt.Errorf("--log-format: %q is not text or json", c.LogFormat))
		}
		if c.MaxBodyBytes < 1024 {
			errs = append(errs, errors.New("--max-body: must be at least 1KB"))
		}
		if c.MaxUploadBytes < 1024 {
			errs = append(errs, errors.New("--max-upload: must be at least 1KB"))
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// PublicURL is the base URL links in mail and on the console use.
func (c *Config) PublicURL() string {
	if c.BaseURL != "" {
		return c.BaseURL
	}
	host, port, _ := net.SplitHostPort(c.Addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func parseSize(given string) (int64, error) {
	s := strings.ToUpper(strings.TrimSpace(given))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size such as 25MB", given)
	}
	return n * mult, nil
}

// ParseProxies reads a comma-separated list of IP addresses and CIDR
// networks; an address stands for itself alone.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR network", part)
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR network", part)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

var prefixTypes = map[string]bool{"incident": true, "request": true, "problem": true, "change": true}

func parsePrefixes(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !prefixTypes[k] {
			return nil, fmt.Errorf("%q is not type=PREFIX with type incident, request, problem or change", part)
		}
		if len(v) == 0 || len(v) > 10 || strings.ContainsAny(v, " #/?0123456789") {
			return nil, fmt.Errorf("prefix %q must be 1-10 characters without spaces, digits, # / or ?", v)
		}
		out[k] = v
	}
	return out, nil
}
