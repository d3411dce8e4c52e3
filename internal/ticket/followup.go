package ticket

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// FollowUp opens a new ticket that continues closed ticket number: a
// closed ticket takes no more replies. An agent opens it for the closed
// ticket's requester, with in.Body as its first, public message; it keeps
// the closed ticket's type, category, team and custom fields and is linked
// to it as related. (A requester does not call this: writing to a closed
// ticket opens the follow-up by itself, see Reply.) in.InTx runs in the
// transaction that creates it.
func (s *Service) FollowUp(ctx context.Context, a *user.Actor, number int64, in NewReply) (*Ticket, error) {
	if !a.IsAgent() || !a.IsPerson() {
		return nil, fmt.Errorf("ticket: follow-up of %d: %w", number, fault.Forbidden("only agents open follow-up tickets"))
	}
	closed, err := s.Get(ctx, a, number)
	if err != nil {
		return nil, err
	}
	switch {
	case closed.MergedInto != 0:
		return nil, fmt.Errorf("ticket: follow-up of %d: %w", number,
			fault.Conflict("ticket %s was merged into #%d; continue there", closed.Reference, closed.MergedInto))
	case closed.Status != StatusClosed:
		return nil, fmt.Errorf("ticket: follow-up of %d: %w", number,
			fault.Conflict("ticket %s is not closed; reply to it instead", closed.Reference))
	}
	if in.Channel == "" {
		in.Channel = ChannelWeb
	}
	return s.followUp(ctx, a, closed, in)
}

// dropCarried takes out of a refused follow-up what it failed on among
// what it took over from the closed ticket (a category since deactivated,
// a team since removed, a custom field since made stricter), so it can be
// opened without them. It reports false when anything else failed too.
func dropCarried(err error, nt *NewTicket) bool {
	var inv *fault.Invalid
	if !errors.As(err, &inv) {
		return false
	}
	for _, f := range inv.Fields {
		switch {
		case f.Field == "category" && nt.Category != "":
			nt.Category = ""
		case f.Field == "team" && nt.Team != "":
			nt.Team = ""
		case strings.HasPrefix(f.Field, "custom_fields") && nt.CustomFields != nil:
			nt.CustomFields = nil
		default:
			return false
		}
	}
	return true
}
