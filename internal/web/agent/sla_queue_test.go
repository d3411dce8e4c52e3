package agent_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// TestSLAQueues: the built-in "At risk" and "Breached" views list the open
// tickets in those states, soonest due first, with counts in the sidebar;
// every queue's Due column says when the next target falls, coloured by
// its state, and the filter panel writes sla: and due: terms.
func TestSLAQueues(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := apptest.Server(t, d)
		b, agent := signIn(t, e, user.RoleAgent)
		now := time.Now()
		at := func(d time.Duration) *time.Time { return apptest.At(now.Add(d)) }
		mk := func(subject string, clocks ...apptest.Clock) *ticket.Ticket {
			tk := apptest.Ticket(t, e.Services, agent, func(n *ticket.NewTicket) { n.Subject = subject })
			for _, c := range clocks {
				c.Goal = 600
				apptest.SLAClock(t, e.Services, tk.ID, c)
			}
			return tk
		}
		mk("Calm ticket", apptest.Clock{Target: "resolution", Warn: at(5 * time.Hour), Due: at(7 * time.Hour)})
		mk("Risky later", apptest.Clock{Target: "resolution", Warn: at(-time.Minute), Due: at(3*time.Hour + 30*time.Second)})
		mk("Risky soon", apptest.Clock{Target: "first_response", Warn: at(-time.Hour), Due: at(2*time.Hour + 10*time.Minute + 30*time.Second)})
		mk("Late ticket", apptest.Clock{Target: "resolution", Warn: at(-3 * time.Hour), Due: at(-35*time.Minute - 10*time.Second)})
		mk("Breached before", apptest.Clock{Target: "first_response", Stopped: at(-time.Hour), Breached: at(-2 * time.Hour)},
			apptest.Clock{Target: "resolution", Warn: at(20 * time.Hour), Due: at(26*time.Hour + 30*time.Second)})
		mk("Waiting ticket", apptest.Clock{Target: "resolution", Paused: at(-time.Hour)})

		code, body, _ := b.get("/tickets?view=at-risk")
		if code != 200 {
			t.Fatalf("at risk: %d", code)
		}
		if got := subjects(body); strings.Join(got, "|") != "Risky soon|Risky later" {
			t.Errorf("At risk lists %v", got)
		}
		if !strings.Contains(body, `data-count="at-risk">2<`) || !strings.Contains(body, `data-count="breached">2<`) {
			t.Error("the sidebar does not count the SLA views")
		}
		if !regexp.MustCompile(`<time class="due due-at_risk" datetime="[^"]+" data-due="[^"]+" data-warn="[^"]+" title="Due [^"]+">in 2 h 10 m</time>`).MatchString(body) {
			t.Errorf("the Due column of an at-risk ticket: %s", dueCells(body))
		}
		_, body, _ = b.get("/tickets?view=breached")
		if got := subjects(body); strings.Join(got, "|") != "Late ticket|Breached before" {
			t.Errorf("Breached lists %v", got)
		}
		if !strings.Contains(body, `">overdue 35 m</time>`) || !strings.Contains(body, "due due-breached") ||
			!strings.Contains(body, `">in 1 d 2 h</time> <span class="due-flag"`) {
			t.Errorf("the Due column of breached tickets: %s", dueCells(body))
		}
		// All open, by due time: running clocks first, paused and none last.
		_, body, _ = b.get("/tickets?view=open&sort=due_at")
		if got := subjects(body); strings.Join(got[:5], "|") != "Late ticket|Risky soon|Risky later|Calm ticket|Breached before" {
			t.Errorf("by due time: %v", got)
		}
		if !strings.Contains(body, `due-on_track`) || !strings.Contains(body, `<span class="due due-paused"`) {
			t.Errorf("on track and paused: %s", dueCells(body))
		}
		// The column sorts: the header toggles the direction.
		if !strings.Contains(body, `href="/tickets?sort=-due_at&amp;view=open">Due</a>`) {
			t.Error("the Due header does not sort the other way")
		}
		// The filter panel composes the terms, and shows them ticked.
		code, _, h := b.get("/tickets?filter=1&f_sla=at_risk&f_sla=paused&f_due=%3C1d")
		if code != 303 || h.Get("Location") != "/tickets?q=sla%3Aat_risk%2Cpaused+due%3A%3C1d" {
			t.Fatalf("filter panel: %d %s", code, h.Get("Location"))
		}
		_, body, _ = b.get(h.Get("Location"))
		if got := subjects(body); strings.Join(got, "|") != "Risky soon|Risky later" {
			t.Errorf("sla:at_risk,paused due:<1d lists %v", got)
		}
		if !strings.Contains(body, `value="at_risk" checked`) || !strings.Contains(body, `value="paused" checked`) || !strings.Contains(body, `value="&lt;1d" selected`) {
			t.Error("the filter panel does not show the SLA terms it wrote")
		}
		// A malformed due: says what is wrong under the search box.
		_, body, _ = b.get("/tickets?q=due%3A%3Cxyz")
		if !strings.Contains(body, `due: &#34;&lt;xyz&#34; is not a due time`) {
			t.Errorf("due:<xyz: %s", body[strings.Index(body, "qerr")-20:][:300])
		}
	})
}

// subjects are the ticket subjects a queue page lists, in order.
func subjects(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td class="subj"><span class="subj-line"><a href="/tickets/\d+" title="[^"]*">([^<]+)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func dueCells(body string) string {
	return strings.Join(regexp.MustCompile(`<td class="due-col">.*?</td>`).FindAllString(body, -1), "\n")
}
