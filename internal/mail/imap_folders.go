package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mailbox"
)

// CheckFolders is the mailbox.FolderChecker: it signs in to mb's IMAP
// server, lists the folder mail is read from and the folder it is moved
// to, and creates the latter when create is set. A missing folder is a
// field error, and so is a server that cannot be reached or refuses the
// sign-in, since then nothing says the folder is there.
func CheckFolders(ctx context.Context, mb *mailbox.Mailbox, create bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cannot := func(err error) error {
		return fault.Field("inbound.move_to", "cannot be checked: %v", err)
	}
	c, _, err := dialIMAP(ctx, mb, mb.TLSConfig(mb.IMAP.Host), &imapclient.Options{}, 20*time.Second)
	if err != nil {
		return cannot(fmt.Errorf("cannot connect to %s: %w", mb.IMAP.Addr(), err))
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	// The refresh token is not stored from here: the save does (see
	// mailbox.FolderChecker).
	if err := login(ctx, c, mb, nil); err != nil {
		return cannot(fmt.Errorf("sign-in as %s refused: %w", mb.IMAP.Username, err))
	}
	inv := &fault.Invalid{}
	for _, f := range []struct{ field, name string }{{"inbound.folder", mb.Folder}, {"inbound.move_to", mb.MoveTo}} {
		ok, err := folderExists(c, f.name)
		switch {
		case err != nil:
			return cannot(fmt.Errorf("listing folders: %w", err))
		case ok:
		case f.field == "inbound.move_to" && create:
			if err := c.Create(f.name, nil).Wait(); err != nil {
				inv.Add(f.field, "could not create the folder %q: %v", f.name, err)
			}
		case f.field == "inbound.move_to":
			inv.Add(f.field, "no folder %q on the server: create it there, or let Docket create it", f.name)
		default:
			inv.Add(f.field, "no folder %q on the server", f.name)
		}
	}
	_ = c.Logout().Wait()
	return inv.Err()
}

// folderExists lists name on the server. LIST takes a pattern, so the
// answer is searched for the exact name (INBOX is case-insensitive).
func folderExists(c *imapclient.Client, name string) (bool, error) {
	list, err := c.List("", name, nil).Collect()
	if err != nil {
		return false, err
	}
	for _, l := range list {
		if l.Mailbox == name || strings.EqualFold(name, "INBOX") && strings.EqualFold(l.Mailbox, "INBOX") {
			return true, nil
		}
	}
	return false, nil
}
