package mail

import (
	"context"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/docket/docket/internal/mail/message"
	"github.com/docket/docket/internal/user"
)

// authResult is one method's result from an Authentication-Results field:
// "dkim=pass header.d=example.org" is {method: "dkim", result: "pass",
// props: {"header.d": "example.org"}}.
type authResult struct {
	method, result string
	props          map[string]string
}

// trustedResults returns the results the trusted receiving server reported
// for msg, per method, or nil when there is no trusted server or it said
// nothing.
//
// Anyone can write an Authentication-Results field, even one naming our
// server, so only the trusted server's own fields count: those at the top
// of the message. The header block is read from the top; fields that
// servers after the trusted one added above it (a Received by the IMAP
// server's delivery agent, say) are passed over, and the trusted server's
// block ends at the first Received field below it (a hop before it) or
// the first Authentication-Results field of another server. Within the
// block only the topmost field reporting a method counts for that method:
// the real field always sits above a forged one.
func (im *Importer) trustedResults(msg *message.Message) map[string][]authResult {
	if im.TrustedAuthservID == "" {
		return nil
	}
	out := map[string][]authResult{}
	started := false
	for _, f := range msg.Trace {
		if f.Name == "Received" {
			if started {
				break
			}
			continue
		}
		id, rest, _ := strings.Cut(f.Value, ";")
		if !strings.EqualFold(firstWord(id), im.TrustedAuthservID) {
			if started {
				break
			}
			continue
		}
		started = true
		found := map[string][]authResult{}
		for _, part := range strings.Split(rest, ";") {
			if r, ok := parseAuthResult(part); ok && out[r.method] == nil {
				found[r.method] = append(found[r.method], r)
			}
		}
		for m, rs := range found {
			out[m] = rs
		}
	}
	return out
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// parseAuthResult reads "method=result (comment) ptype.property=value …".
func parseAuthResult(s string) (authResult, bool) {
	s = stripComments(s)
	words := strings.Fields(s)
	if len(words) == 0 {
		return authResult{}, false
	}
	method, result, ok := strings.Cut(words[0], "=")
	if !ok || method == "" {
		return authResult{}, false // "none", or junk
	}
	if i := strings.IndexByte(method, '/'); i >= 0 {
		method = method[:i] // "dkim/1"
	}
	r := authResult{method: strings.ToLower(method), result: strings.ToLower(result), props: map[string]string{}}
	for _, w := range words[1:] {
		if k, v, ok := strings.Cut(w, "="); ok {
			r.props[strings.ToLower(k)] = strings.Trim(v, `"`)
		}
	}
	return r, true
}

// stripComments removes (comments), which may nest, from s.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(s[i+1])
			}
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
			b.WriteByte(c)
		case quoted:
			b.WriteByte(c)
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			b.WriteByte(' ')
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// dmarcFail returns why the message fails DMARC according to the trusted
// receiving server, or "".
func (im *Importer) dmarcFail(msg *message.Message) string {
	for _, r := range im.trustedResults(msg)["dmarc"] {
		if r.result == "fail" {
			return "DMARC fail reported by " + im.TrustedAuthservID
		}
	}
	return ""
}

// verified reports whether the trusted receiving server vouched for the
// sender's domain: a DMARC pass, or a DKIM or SPF pass for a domain
// aligned with the From address (same organizational domain, as DMARC's
// relaxed alignment). A pass for some other domain proves nothing about
// From.
func (im *Importer) verified(msg *message.Message) bool {
	_, from, ok := strings.Cut(strings.ToLower(msg.From.Email), "@")
	if !ok || from == "" {
		return false
	}
	rs := im.trustedResults(msg)
	for _, r := range rs["dmarc"] {
		if d := r.props["header.from"]; r.result == "pass" && (d == "" || aligned(d, from)) {
			return true
		}
	}
	for _, r := range rs["dkim"] {
		d := r.props["header.d"]
		if d == "" {
			_, d, _ = strings.Cut(r.props["header.i"], "@")
		}
		if r.result == "pass" && d != "" && aligned(d, from) {
			return true
		}
	}
	for _, r := range rs["spf"] {
		d := r.props["smtp.mailfrom"]
		if i := strings.LastIndexByte(d, '@'); i >= 0 {
			d = d[i+1:]
		}
		if r.result == "pass" && d != "" && aligned(d, from) {
			return true
		}
	}
	return false
}

// aligned reports whether two domains have the same organizational domain
// (example.org and mail.example.org do; example.org and example.com do
// not).
func aligned(a, b string) bool {
	a, b = strings.TrimSuffix(strings.ToLower(a), "."), strings.TrimSuffix(strings.ToLower(b), ".")
	if a == b {
		return true
	}
	oa, err1 := publicsuffix.EffectiveTLDPlusOne(a)
	ob, err2 := publicsuffix.EffectiveTLDPlusOne(b)
	return err1 == nil && err2 == nil && oa == ob
}

// unverifiedStaff returns why msg, which claims to come from an agent's
// address, is not believed to, or "" when the sender is no agent or the
// trusted server vouched for the address. Anyone can write a staff address
// into From: such mail is held for an agent to look at, never filed as the
// agent's own words.
func (im *Importer) unverifiedStaff(ctx context.Context, msg *message.Message) string {
	u, err := im.users.ByEmail(ctx, msg.From.Email)
	if err != nil || (u.Role != user.RoleAgent && u.Role != user.RoleAdmin) || im.verified(msg) {
		return ""
	}
	how := "no --trusted-authserv-id is configured"
	if im.TrustedAuthservID != "" {
		how = "no DMARC, DKIM or SPF pass aligned with From from " + im.TrustedAuthservID
	}
	return "unverified sender: mail from the staff address " + strings.ToLower(msg.From.Email) + " (" + how + ")"
}
