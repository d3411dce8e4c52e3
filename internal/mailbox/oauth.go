package mailbox

import (
	"context"
	"net/url"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
)

// OAuth holds the settings of IMAP sign-in by OAuth 2.0 (XOAUTH2): Docket
// exchanges the refresh token for an access token at the provider's token
// endpoint whenever it connects. The secrets are write-only like passwords.
type OAuth struct {
	TokenURL     string
	ClientID     string
	ClientSecret string // only from Credentials
	RefreshToken string // only from Credentials
	HasSecret    bool
	HasRefresh   bool
}

// OAuthInput changes the OAuth settings; nil fields are kept, and an empty
// secret keeps the stored one.
type OAuthInput struct {
	TokenURL     *string
	ClientID     *string
	ClientSecret *string
	RefreshToken *string
}

type oauthRow struct {
	auth, tokenURL, clientID, secret, refresh string
}

func (s *Service) oauth(ctx context.Context, q db.Queryer, id int64) (oauthRow, error) {
	var o oauthRow
	err := q.QueryRowContext(ctx, s.q.Get("select-mailbox-oauth"), id).Scan(&o.auth, &o.tokenURL, &o.clientID, &o.secret, &o.refresh)
	return o, err
}

// applyOAuth validates and stores the sign-in method and OAuth settings,
// and returns them as they were and as they are now. Like passwords, the
// stored secrets go only where they were set for: a new token URL needs
// the client secret and refresh token again (both are sent there), and so
// does a new IMAP server (imapMoved) for the refresh token, whose access
// tokens are sent to it.
func (s *Service) applyOAuth(ctx context.Context, tx *db.Tx, id int64, auth *string, in OAuthInput, imapMoved bool) (was, is oauthRow, err error) {
	o, err := s.oauth(ctx, tx, id)
	if err != nil {
		return was, is, err
	}
	was = o
	inv := &fault.Invalid{}
	setStr(&o.auth, auth)
	setStr(&o.tokenURL, in.TokenURL)
	setStr(&o.clientID, in.ClientID)
	switch o.auth {
	case "password":
	case "xoauth2":
		if u, err := url.Parse(o.tokenURL); err != nil || u.Scheme != "https" && !(u.Scheme == "http" && strings.HasPrefix(u.Host, "127.0.0.1")) || u.Host == "" {
			inv.Add("inbound.oauth.token_url", "must be the provider's https token endpoint")
		}
		if o.clientID == "" {
			inv.Add("inbound.oauth.client_id", "is required for xoauth2")
		}
	default:
		inv.Add("inbound.auth", "must be password or xoauth2")
	}
	for _, v := range []struct {
		in  *string
		dst *string
	}{{in.ClientSecret, &o.secret}, {in.RefreshToken, &o.refresh}} {
		if v.in != nil && *v.in != "" {
			if len(*v.in) > 8192 {
				inv.Add("inbound.oauth", "a secret is too long")
				continue
			}
			sealed, err := s.box.Seal(*v.in)
			if err != nil {
				return was, is, err
			}
			*v.dst = sealed
		}
	}
	if o.auth == "xoauth2" && o.refresh == "" {
		inv.Add("inbound.oauth.refresh_token", "is required for xoauth2")
	}
	given := func(v *string) bool { return v != nil && *v != "" }
	if o.auth == "xoauth2" && o.tokenURL != was.tokenURL {
		if was.secret != "" && !given(in.ClientSecret) {
			inv.Add("inbound.oauth.client_secret", "must be given again when the token URL changes")
		}
		if was.refresh != "" && !given(in.RefreshToken) {
			inv.Add("inbound.oauth.refresh_token", "must be given again when the token URL changes")
		}
	} else if o.auth == "xoauth2" && imapMoved && was.refresh != "" && !given(in.RefreshToken) {
		inv.Add("inbound.oauth.refresh_token", "must be given again when the IMAP host, port, TLS or username changes")
	}
	if err := inv.Err(); err != nil {
		return was, is, err
	}
	_, err = tx.ExecContext(ctx, s.q.Get("update-mailbox-oauth"), id, o.auth, o.tokenURL, o.clientID, o.secret, o.refresh)
	return was, o, err
}

// fillOAuth adds the sign-in settings to m, opening the secrets when open.
func (s *Service) fillOAuth(ctx context.Context, q db.Queryer, m *Mailbox, open bool) error {
	o, err := s.oauth(ctx, q, m.ID)
	if err != nil {
		return err
	}
	m.IMAPAuth = o.auth
	m.OAuth = OAuth{TokenURL: o.tokenURL, ClientID: o.clientID, HasSecret: o.secret != "", HasRefresh: o.refresh != ""}
	if open {
		if m.OAuth.ClientSecret, err = s.box.Unseal(o.secret); err != nil {
			return err
		}
		if m.OAuth.RefreshToken, err = s.box.Unseal(o.refresh); err != nil {
			return err
		}
	}
	return nil
}

// SetRefreshToken stores a new refresh token the provider issued (some
// rotate them at every use).
func (s *Service) SetRefreshToken(ctx context.Context, id int64, token string) error {
	sealed, err := s.box.Seal(token)
	if err != nil {
		return err
	}
	forgetKept(ctx)
	_, err = s.db.W.ExecContext(ctx, s.q.Get("set-refresh-token"), id, sealed)
	return err
}
