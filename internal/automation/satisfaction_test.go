package automation_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/event"
	"github.com/docket/docket/internal/user"
)

// A trigger runs on satisfaction.received and its conditions read the
// rating: a bad rating gets a tag and a note, a good one nothing.
func TestTriggerOnSatisfactionReceived(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := apptest.Services(t, d)
		admin := apptest.User(t, s, user.RoleAdmin, "")
		mustTrigger(t, s, admin, "Unhappy", []string{event.SatisfactionReceived},
			automation.Conditions{All: []automation.Condition{{Field: automation.FieldSatisfactionSentiment, Op: automation.OpIs, Value: "negative"}}},
			automation.Actions{{Type: automation.ActAddTags, Tags: []string{"unhappy"}},
				{Type: automation.ActNote, Body: "Rated bad: call them back."}})
		bad := apptest.RatedTicket(t, s, admin, admin.Email, "", "bad", time.Now())
		good := apptest.RatedTicket(t, s, admin, admin.Email, "", "good", time.Now())
		settle(t, s)
		got, err := s.Tickets.Get(ctx, admin, bad.Number)
		if err != nil || !slices.Contains(got.Tags, "unhappy") {
			t.Fatalf("bad rating: tags %v, %v", got.Tags, err)
		}
		msgs, _ := s.Tickets.Messages(ctx, admin, bad.Number, 0, 10)
		if last := msgs[len(msgs)-1]; !last.Internal || last.Body != "Rated bad: call them back." {
			t.Errorf("last message %+v", last)
		}
		if g, _ := s.Tickets.Get(ctx, admin, good.Number); slices.Contains(g.Tags, "unhappy") {
			t.Error("a good rating was tagged")
		}
		// The rating's fields are offered to forms, with their operators.
		var names []string
		for _, f := range automation.ConditionFields(nil) {
			names = append(names, f.Name)
		}
		if !slices.Contains(names, automation.FieldSatisfactionScore) || !slices.Contains(automation.Events, event.SatisfactionReceived) {
			t.Errorf("fields %v, events %v", names, automation.Events)
		}
	})
}
