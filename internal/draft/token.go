package draft

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// A session can end while its agent is typing (idle timeout, sign-out in
// another tab, a password change). The composer then carries a draft
// token: sealed with the instance's secret key, it names the agent and the
// ticket, so the text sent with an ended session is kept as that agent's
// draft of that ticket and nothing else; it is not a session and sends
// nothing. It lasts as long as a session may.
const (
	tokenPrefix   = "docket-draft/1 "
	TokenLifetime = auth.MaxAge
)

// ErrBadToken means a draft token is not one of this instance's, is for
// another ticket, or has expired.
var ErrBadToken = fmt.Errorf("draft: token not valid: %w", fault.ErrUnauthorized)

// Token returns the draft token of a's composer on ticket number.
func (s *Service) Token(a *user.Actor, number int64) (string, error) {
	exp := s.now().Add(TokenLifetime).Unix()
	return s.box.Seal(tokenPrefix + strconv.FormatInt(a.ID, 10) + " " + strconv.FormatInt(number, 10) + " " + strconv.FormatInt(exp, 10))
}

// tokenUser returns the user a draft token for ticket number names.
func (s *Service) tokenUser(token string, number int64) (int64, error) {
	if token == "" || len(token) > 500 {
		return 0, ErrBadToken
	}
	plain, err := s.box.Unseal(token)
	if err != nil {
		return 0, ErrBadToken
	}
	rest, ok := strings.CutPrefix(plain, tokenPrefix)
	f := strings.Fields(rest)
	if !ok || len(f) != 3 {
		return 0, ErrBadToken
	}
	uid, err1 := strconv.ParseInt(f[0], 10, 64)
	n, err2 := strconv.ParseInt(f[1], 10, 64)
	exp, err3 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || n != number || s.now().After(time.Unix(exp, 0)) {
		return 0, ErrBadToken
	}
	return uid, nil
}

// SaveWithToken keeps a draft sent without a live session, as the draft of
// the agent the token names, if they are still an active agent who may
// see the ticket.
func (s *Service) SaveWithToken(ctx context.Context, token string, number int64, kind Kind, body string) (*Draft, error) {
	uid, err := s.tokenUser(token, number)
	if err != nil {
		return nil, err
	}
	a, err := s.users.Actor(ctx, uid)
	if err != nil {
		return nil, fmt.Errorf("draft: token of user %d: %w", uid, err)
	}
	return s.Save(ctx, a, number, kind, body)
}
