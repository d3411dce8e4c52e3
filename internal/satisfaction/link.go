package satisfaction

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/mail/outbox"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// tokenPurpose keeps rating signatures apart from every other signature.
const tokenPurpose = "satisfaction-link"

// Token is ticket t's rating token: its unguessable id and a signature of
// that id and its requester, so a link works only for this ticket and
// stops working when the ticket changes requester. One token serves every
// score (the link's ?score= chooses).
func (s *Service) Token(t *ticket.Ticket) string {
	return t.UID + "." + base64.RawURLEncoding.EncodeToString(s.sign(t.UID, t.Requester.ID)[:16])
}

func (s *Service) sign(uid string, requester int64) []byte {
	return s.box.Sign(tokenPurpose, uid+"/"+strconv.FormatInt(requester, 10))
}

// linkReader reads the ticket a rating link names, before anything says
// who holds it.
var linkReader = user.System(event.ActorSystem, 0, "Satisfaction link")

// ByToken returns the ticket of a rating token and its requester, who
// rates by it; ErrNotFound for anything but a token Token made for the
// ticket's current requester.
func (s *Service) ByToken(ctx context.Context, token string) (*ticket.Ticket, *user.Actor, error) {
	uid, sig, ok := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || uid == "" || len(token) > 128 {
		return nil, nil, fmt.Errorf("satisfaction: link: %w", fault.ErrNotFound)
	}
	t, err := s.tickets.ByUID(ctx, linkReader, uid)
	if err != nil {
		return nil, nil, err
	}
	if !s.box.Verify(tokenPurpose, uid+"/"+strconv.FormatInt(t.Requester.ID, 10), raw) {
		return nil, nil, fmt.Errorf("satisfaction: link: %w", fault.ErrNotFound)
	}
	a, err := s.users.Actor(ctx, t.Requester.ID)
	if err != nil {
		return nil, nil, err
	}
	return t, a, nil
}

// MailLinks are the links a resolution mail to t's requester offers: the
// rating page, and one link per score of the scale. None when ratings are
// off or there is no base URL. It reads the settings through q, the
// ticket write's transaction (outbox.RatingLinks).
func (s *Service) MailLinks(ctx context.Context, q db.Queryer, t *ticket.Ticket, baseURL string) (string, []outbox.RatingLink, error) {
	if baseURL == "" || t.UID == "" {
		return "", nil, nil
	}
	set, err := s.settings(ctx, q)
	if err != nil || !set.Enabled {
		return "", nil, err
	}
	page := strings.TrimSuffix(baseURL, "/") + "/portal/rate/" + s.Token(t)
	var links []outbox.RatingLink
	for _, sc := range set.Scale.Scores() {
		links = append(links, outbox.RatingLink{Score: sc.Value, Label: sc.Label, URL: page + "?" + url.Values{"score": {sc.Value}}.Encode()})
	}
	return page, links, nil
}
