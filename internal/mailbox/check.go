package mailbox

import (
	"context"
	"fmt"
)

// FolderChecker connects to the IMAP server of a mailbox about to be saved
// (mb carries its credentials) and makes sure the folders it needs exist:
// the folder it reads, and the move_to folder when after_import is move,
// which it creates when create is set. It returns field errors
// (*fault.Invalid) for what is wrong. If the OAuth provider rotates the
// refresh token while signing in, it leaves the new one in mb.
type FolderChecker func(ctx context.Context, mb *Mailbox, create bool) error

// SetFolderChecker makes Create and Update check the folders of an IMAP
// mailbox that moves imported mail, whenever its inbound settings change,
// so a folder that does not exist is refused at save rather than breaking
// every import after it. The mail package provides it.
func (s *Service) SetFolderChecker(fn FolderChecker) { s.checkFolders = fn }

// precheck runs the folder check on the mailbox as in would save it (id 0:
// a new one), before the saving transaction: a network round trip must not
// hold the database's write lock. The transaction validates again.
func (s *Service) precheck(ctx context.Context, id int64, in *Input) error {
	if s.checkFolders == nil {
		return nil
	}
	r := newRow()
	if id != 0 {
		var err error
		if r, err = s.get(ctx, s.db.R, id); err != nil {
			return err
		}
	}
	before := *r
	if err := s.validate(ctx, s.db.R, r, *in, id == 0); err != nil {
		return err
	}
	if r.Inbound != "imap" || !r.Active || r.AfterImport != "move" {
		return nil
	}
	o := oauthRow{auth: "password"}
	if id != 0 {
		var err error
		if o, err = s.oauth(ctx, s.db.R, id); err != nil {
			return err
		}
	}
	changed := id == 0 || in.CreateFolder || before.Inbound != r.Inbound || before.Active != r.Active ||
		before.IMAP != r.IMAP || before.imapPass != r.imapPass || before.Folder != r.Folder ||
		before.AfterImport != r.AfterImport || before.MoveTo != r.MoveTo || given(in.IMAPAuth) && *in.IMAPAuth != o.auth ||
		given(in.OAuth.TokenURL) || given(in.OAuth.ClientID) || given(in.OAuth.ClientSecret) || given(in.OAuth.RefreshToken)
	if !changed {
		return nil
	}
	mb := r.Mailbox
	mb.ID = id
	var err error
	if mb.IMAP.Password, err = s.box.Unseal(r.imapPass); err != nil {
		return fmt.Errorf("mailbox: inbound password: %w", err)
	}
	setStr(&o.auth, in.IMAPAuth)
	setStr(&o.tokenURL, in.OAuth.TokenURL)
	setStr(&o.clientID, in.OAuth.ClientID)
	mb.IMAPAuth, mb.OAuth = o.auth, OAuth{TokenURL: o.tokenURL, ClientID: o.clientID}
	for _, v := range []struct {
		in     *string
		sealed string
		dst    *string
	}{{in.OAuth.ClientSecret, o.secret, &mb.OAuth.ClientSecret}, {in.OAuth.RefreshToken, o.refresh, &mb.OAuth.RefreshToken}} {
		if given(v.in) {
			*v.dst = *v.in
		} else if *v.dst, err = s.box.Unseal(v.sealed); err != nil {
			return fmt.Errorf("mailbox: oauth: %w", err)
		}
	}
	refresh := mb.OAuth.RefreshToken
	err = s.checkFolders(ctx, &mb, in.CreateFolder)
	if mb.OAuth.RefreshToken != refresh {
		// The provider rotated the refresh token: the old one is dead, so
		// the new one is what the save must store.
		in.OAuth.RefreshToken = &mb.OAuth.RefreshToken
	}
	return err
}

func given(v *string) bool { return v != nil && *v != "" }
