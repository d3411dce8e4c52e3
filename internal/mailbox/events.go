package mailbox

import (
	"context"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// The events of mailbox changes: what they say, and what they never say.

func (s *Service) record(ctx context.Context, tx *db.Tx, a *user.Actor, kind string, id int64, payload any) error {
	tx.Forget(keptKey{}) // the change is written with its event
	_, err := s.events.Append(ctx, tx, kind, a.EventActor(), "mailbox", id, 0, payload)
	return err
}

// fields are a mailbox's settings as its events show them, named as in the
// API: everything but the secrets.
func fields(r *row, o oauthRow) map[string]any {
	return map[string]any{"address": r.Address, "name": r.Name, "team": r.Team, "category": r.Category,
		"priority": r.Priority, "active": r.Active, "inbound.type": r.Inbound, "inbound.host": r.IMAP.Host,
		"inbound.port": r.IMAP.Port, "inbound.tls": r.IMAP.TLS, "inbound.username": r.IMAP.Username,
		"inbound.folder": r.Folder, "inbound.after_import": r.AfterImport, "inbound.move_to": r.MoveTo,
		"inbound.auth": o.auth, "inbound.oauth.token_url": o.tokenURL, "inbound.oauth.client_id": o.clientID,
		"outbound.host": r.SMTP.Host, "outbound.port": r.SMTP.Port, "outbound.tls": r.SMTP.TLS,
		"outbound.username": r.SMTP.Username, "ca_pem": caSummary(r.CAPEM)}
}

// changedSecrets names the secrets a change set, replaced or cleared —
// only their names: events never carry a secret, sealed or not.
func changedSecrets(before, after *row, oldAuth, auth oauthRow) []string {
	var out []string
	for _, s := range []struct {
		name     string
		old, new string
	}{{"inbound.password", before.imapPass, after.imapPass}, {"outbound.password", before.smtpPass, after.smtpPass},
		{"inbound.oauth.client_secret", oldAuth.secret, auth.secret}, {"inbound.oauth.refresh_token", oldAuth.refresh, auth.refresh}} {
		if s.old != s.new {
			out = append(out, s.name)
		}
	}
	return out
}
