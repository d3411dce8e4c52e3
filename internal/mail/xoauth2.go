package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"golang.org/x/oauth2"

	"github.com/docket/docket/internal/mailbox"
)

// xoauth2 is the SASL XOAUTH2 mechanism (Google, Microsoft): the user name
// and a bearer access token in one initial response.
type xoauth2 struct{ user, token string }

func (x xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + x.user + "\x01auth=Bearer " + x.token + "\x01\x01"), nil
}

// Next answers the server's error challenge with an empty response, after
// which the server reports the failure.
func (x xoauth2) Next(challenge []byte) ([]byte, error) { return []byte{}, nil }

var _ sasl.Client = xoauth2{}

// accessToken exchanges the mailbox's refresh token for an access token,
// keeping a rotated refresh token if the provider issues one.
func accessToken(ctx context.Context, mb *mailbox.Mailbox, mailboxes *mailbox.Service) (string, error) {
	cfg := oauth2.Config{ClientID: mb.OAuth.ClientID, ClientSecret: mb.OAuth.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: mb.OAuth.TokenURL}}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: mb.OAuth.RefreshToken}).Token()
	if err != nil {
		return "", fmt.Errorf("oauth token from %s: %w", mb.OAuth.TokenURL, err)
	}
	if tok.RefreshToken != "" && tok.RefreshToken != mb.OAuth.RefreshToken && mailboxes != nil {
		if err := mailboxes.SetRefreshToken(context.WithoutCancel(ctx), mb.ID, tok.RefreshToken); err != nil {
			return "", fmt.Errorf("store the rotated refresh token: %w", err)
		}
	}
	return tok.AccessToken, nil
}

// login signs in with a password or XOAUTH2, as the mailbox says.
func login(ctx context.Context, c *imapclient.Client, mb *mailbox.Mailbox, mailboxes *mailbox.Service) error {
	if mb.IMAPAuth != "xoauth2" {
		return c.Login(mb.IMAP.Username, mb.IMAP.Password).Wait()
	}
	token, err := accessToken(ctx, mb, mailboxes)
	if err != nil {
		return err
	}
	return c.Authenticate(xoauth2{mb.IMAP.Username, token})
}
