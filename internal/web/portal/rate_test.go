package portal_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

var rateRe = regexp.MustCompile(`/portal/rate/[A-Za-z0-9_.-]+\?score=[a-z0-9]+`)

// ratingLinks returns the one-click rating links of the resolution mails
// queued for address, as paths, in the mails' order.
func ratingLinks(t *testing.T, e *apptest.Env, address string) []string {
	t.Helper()
	var body string
	err := e.DB.R.QueryRowContext(ctx, e.DB.Rebind(`SELECT body_text FROM outbox WHERE kind = 'resolution' AND to_addrs LIKE $1
		ORDER BY id DESC LIMIT 1`), "%"+address+"%").Scan(&body)
	if err != nil {
		t.Fatalf("resolution mail to %s: %v", address, err)
	}
	return rateRe.FindAllString(body, -1)
}

// resolved has agent resolve tk.
func resolved(t *testing.T, e *apptest.Env, agent *user.Actor, tk *ticket.Ticket) {
	t.Helper()
	st, res := ticket.StatusResolved, ticket.ResolutionFixed
	if _, err := e.Tickets.Update(ctx, agent, tk.Number, ticket.Patch{Status: &st, Resolution: &res}, 0); err != nil {
		t.Fatal(err)
	}
}

func rating(t *testing.T, e *apptest.Env, tk *ticket.Ticket) *satisfaction.Rating {
	t.Helper()
	r, err := e.Satisfaction.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The resolution mail's links rate with one click on the page they open:
// opening a link (as mail scanners open every link) records nothing; the
// page's button does; the rating can be changed for 7 days and not after;
// a link tampered with, or one ticket's signature on another, is not
// found; and only after resolution.
func TestRatingFromTheMailLink(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		withMailbox(t, e)
		req := apptest.User(t, e.Services, user.RoleRequester, "rita@example.test")
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		tk := apptest.Ticket(t, e.Services, req, func(n *ticket.NewTicket) { n.Subject = "Printer jams" })
		resolved(t, e, agent, tk)
		links := ratingLinks(t, e, "rita@example.test")
		if len(links) != 2 || !strings.HasSuffix(links[0], "score=good") || !strings.HasSuffix(links[1], "score=bad") {
			t.Fatalf("rating links: %v", links)
		}
		v := newVisitor(t, e)
		for _, l := range links { // a scanner opens them all
			code, body, h := v.get(l)
			if code != 200 || !strings.Contains(body, "Printer jams") || h.Get("Referrer-Policy") != "no-referrer" {
				t.Fatalf("GET %s: %d", l, code)
			}
		}
		code, body, _ := v.get(links[1])
		if !regexp.MustCompile(`value="bad" required checked`).MatchString(body) || strings.Contains(body, `value="good" required checked`) {
			t.Fatalf("the link's score is not the one chosen (%d): %s", code, body)
		}
		if r := rating(t, e, tk); r != nil {
			t.Fatalf("opening the links rated: %+v", r)
		}
		page, _, _ := strings.Cut(links[1], "?")
		if code, _, h := v.post(page, url.Values{"score": {"bad"}, "comment": {"Took <b>three</b> days."}}); code != 303 || h.Get("Location") != page {
			t.Fatalf("rate: %d %v", code, h)
		}
		r := rating(t, e, tk)
		if r == nil || r.Score != "bad" || r.Sentiment != -1 || r.Comment != "Took <b>three</b> days." || r.AgentID != 0 {
			t.Fatalf("rating: %+v", r)
		}
		_, body, _ = v.get(page)
		if !strings.Contains(body, "Thank you for rating") || !strings.Contains(body, "Took &lt;b&gt;three&lt;/b&gt; days.") {
			t.Fatalf("after rating: %s", body)
		}
		// Changed within 7 days: the comment stays as sent with the form.
		if code, _, _ := v.post(page, url.Values{"score": {"good"}, "comment": {"Fine after all."}}); code != 303 {
			t.Fatalf("change: %d", code)
		}
		if r := rating(t, e, tk); r.Score != "good" || r.Comment != "Fine after all." || r.Sentiment != 1 {
			t.Fatalf("changed rating: %+v", r)
		}
		// A score not on the scale is a field error.
		if code, body, _ := v.post(page, url.Values{"score": {"7"}}); code != 422 || !strings.Contains(body, `id="score-error"`) {
			t.Fatalf("bad score: %d", code)
		}
		// Wrong tokens: tampered, another ticket's id under this signature, nonsense.
		other := apptest.Ticket(t, e.Services, req)
		_, sig, _ := strings.Cut(strings.TrimPrefix(page, "/portal/rate/"), ".")
		for _, bad := range []string{page + "x", "/portal/rate/" + other.UID + "." + sig, "/portal/rate/" + tk.UID, "/portal/rate/nope.nope"} {
			if code, _, _ := v.get(bad + "?score=good"); code != 404 {
				t.Errorf("GET %s: %d", bad, code)
			}
			if code, _, _ := v.post(bad, url.Values{"score": {"bad"}}); code != 404 {
				t.Errorf("POST %s: %d", bad, code)
			}
		}
		if r := rating(t, e, tk); r.Score != "good" {
			t.Fatalf("a wrong token changed the rating: %+v", r)
		}
		// Not resolved: refused, the form is not offered.
		resolved(t, e, agent, other)
		otherPage, _, _ := strings.Cut(ratingLinks(t, e, "rita@example.test")[0], "?")
		body2 := "reopened"
		if _, err := e.Tickets.Reply(ctx, req, other.Number, ticket.NewReply{Body: body2, Channel: ticket.ChannelPortal}); err != nil {
			t.Fatal(err)
		}
		if now, _ := e.Tickets.Get(ctx, req, other.Number); now.Status == ticket.StatusResolved {
			st := ticket.StatusOpen
			if _, err := e.Tickets.Update(ctx, agent, other.Number, ticket.Patch{Status: &st}, 0); err != nil {
				t.Fatal(err)
			}
		}
		if code, body, _ := v.post(otherPage, url.Values{"score": {"good"}}); code != 409 || !strings.Contains(body, "not resolved") {
			t.Fatalf("rating an open ticket: %d %s", code, body)
		}
		// After 7 days the rating stays as it is.
		if _, err := e.DB.W.ExecContext(ctx, e.DB.Rebind(`UPDATE satisfaction_ratings SET created_at = $1 WHERE ticket_id = $2`),
			time.Now().Add(-8*24*time.Hour).UnixMicro(), tk.ID); err != nil {
			t.Fatal(err)
		}
		if code, body, _ := v.post(page, url.Values{"score": {"bad"}}); code != 409 || !strings.Contains(body, "7 days") {
			t.Fatalf("change after 7 days: %d", code)
		}
		if _, body, _ := v.get(page); strings.Contains(body, `id="rating-form"`) || !strings.Contains(body, `id="rating-closed"`) {
			t.Fatalf("the page offers a change after 7 days: %s", body)
		}
		if r := rating(t, e, tk); r.Score != "good" {
			t.Fatalf("changed after 7 days: %+v", r)
		}
		// Ratings turned off: the links lead nowhere.
		if _, err := e.Satisfaction.SetSettings(ctx, e.Admin, satisfaction.Settings{Enabled: false, Scale: satisfaction.GoodBad}); err != nil {
			t.Fatal(err)
		}
		if code, _, _ := v.get(links[0]); code != 404 {
			t.Fatalf("link with ratings off: %d", code)
		}
		third := apptest.Ticket(t, e.Services, req)
		resolved(t, e, agent, third)
		if links := ratingLinks(t, e, "rita@example.test"); len(links) != 0 {
			t.Fatalf("a resolution mail with ratings off has rating links: %v", links)
		}
	})
}

// On the portal's ticket page the requester rates a resolved request;
// another requester (even one who knows the number) cannot, and someone
// who may see the ticket but did not ask is refused.
func TestRatingOnTheTicketPage(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		if _, err := e.Satisfaction.SetSettings(ctx, e.Admin, satisfaction.Settings{Enabled: true, Scale: satisfaction.Five}); err != nil {
			t.Fatal(err)
		}
		req := apptest.User(t, e.Services, user.RoleRequester, "")
		agent := apptest.User(t, e.Services, user.RoleAgent, "")
		tk := apptest.Ticket(t, e.Services, req)
		v := signedIn(t, e, req)
		path := "/portal/tickets/" + num(tk.Number)
		if _, body, _ := v.get(path); strings.Contains(body, `id="rating"`) {
			t.Fatal("an open ticket offers a rating")
		}
		resolved(t, e, agent, tk)
		_, body, _ := v.get(path)
		if !strings.Contains(body, `id="rating-form"`) || strings.Count(body, `name="score"`) != 5 {
			t.Fatalf("the resolved ticket's page has no 1–5 rating form: %s", body)
		}
		if code, body, _ := v.post(path+"/rating", url.Values{"score": {"4"}, "comment": {strings.Repeat("x", 4001)}}); code != 422 || !strings.Contains(body, `id="comment-error"`) {
			t.Fatalf("long comment: %d", code)
		}
		if code, _, _ := v.post(path+"/rating", url.Values{"score": {"4"}, "comment": {"Quick."}}); code != 303 {
			t.Fatalf("rate: %d", code)
		}
		if r := rating(t, e, tk); r == nil || r.Score != "4" || r.Scale != satisfaction.Five || r.Sentiment != 1 {
			t.Fatalf("rating: %+v", r)
		}
		if _, body, _ := v.get(path); !strings.Contains(body, `id="rating-given"`) || !strings.Contains(body, `value="4" required checked`) {
			t.Fatalf("the page does not show the rating: %s", body)
		}
		other := signedIn(t, e, apptest.User(t, e.Services, user.RoleRequester, ""))
		if code, _, _ := other.post(path+"/rating", url.Values{"score": {"1"}}); code != 404 {
			t.Fatalf("another requester rates: %d", code)
		}
		if _, err := e.Satisfaction.Rate(ctx, agent, tk.ID, satisfaction.Input{Score: "1"}); !isForbidden(err) {
			t.Fatalf("an agent who may see it rates: %v", err)
		}
		if r := rating(t, e, tk); r.Score != "4" {
			t.Fatalf("rating changed by someone else: %+v", r)
		}
	})
}

func isForbidden(err error) bool {
	return err != nil && strings.Contains(fault.Detail(err), "only the person who asked")
}
