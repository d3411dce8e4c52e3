package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// TestTimesInTheAgentsZone: the workspace shows times in the zone of the
// agent's profile, with its abbreviation, and in UTC for an agent who set
// none; a change of zone shows on the next page.
func TestTimesInTheAgentsZone(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	b, me := signIn(t, e, user.RoleAgent)
	tk := apptest.Ticket(t, e.Services, me)
	evs, err := e.Tickets.Events(ctx, me, tk.Number, 0, 5)
	if err != nil || len(evs) == 0 {
		t.Fatal(err)
	}
	at := evs[0].At
	page := "/tickets/" + itoa(tk.Number)
	format := func(zone string) string {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		return at.In(loc).Format("2006-01-02 15:04 MST")
	}
	if _, body, _ := b.get(page); !strings.Contains(body, format("UTC")) {
		t.Errorf("without a zone the history does not show %q", format("UTC"))
	}
	for _, zone := range []string{"Asia/Tokyo", "America/New_York"} {
		if _, err := e.Users.Update(ctx, me, me.ID, user.Patch{Timezone: &zone}); err != nil {
			t.Fatal(err)
		}
		_, body, _ := b.get(page)
		want := format(zone)
		if !strings.Contains(body, `>`+want+`</time>`) || !strings.Contains(body, `title="`+want+`"`) {
			t.Errorf("%s: the ticket page does not show %q", zone, want)
		}
		if strings.Contains(body, format("UTC")) {
			t.Errorf("%s: the ticket page still shows UTC times", zone)
		}
		if _, body, _ := b.get("/tickets?view=open"); !strings.Contains(body, `title="`+want+`"`) {
			t.Errorf("%s: the queue does not show %q", zone, want)
		}
	}
}
