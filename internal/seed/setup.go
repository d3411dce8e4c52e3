package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
)

// setUp makes the teams, agents, organizations, categories, custom fields
// and requesters, through the services.
func (w *world) setUp(ctx context.Context) error {
	u, t := w.d.Users, w.d.Tickets
	// A ticket resolved longer ago than the built-in rule waits is seeded
	// closed, as the rule would have closed it: otherwise the first start
	// of a seeded desk spends its first seconds closing thousands of them.
	var minutes int64
	err := w.d.DB.R.QueryRowContext(ctx, `SELECT minutes FROM time_rules
WHERE builtin = $1 AND enabled AND calendar_id IS NULL`, automation.BuiltinCloseResolved).Scan(&minutes)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("seed: the rule that closes resolved tickets: %w", err)
	}
	w.closeAfter = (time.Duration(minutes) * time.Minute).Microseconds()
	for i := range w.o.Organizations {
		name := fmt.Sprintf("%s %s", pick(w.r, orgWords), pick(w.r, orgKinds)) + fmt.Sprintf(" %d", i+1)
		if _, err := u.CreateOrganization(ctx, Seeder, user.OrganizationInput{Name: &name}); err != nil {
			return err
		}
		w.orgs = append(w.orgs, name)
	}
	w.teamAgents = make([][]*user.Actor, w.o.Teams)
	agentIDs := make([][]int64, w.o.Teams)
	for i := range w.o.Agents {
		first, last := pick(w.r, firstNames), pick(w.r, lastNames)
		nu, err := u.Create(ctx, Seeder, user.NewUser{Email: fmt.Sprintf("agent%d@desk.example", i+1), Name: first + " " + last, Role: user.RoleAgent})
		if err != nil {
			return err
		}
		agentIDs[i%w.o.Teams] = append(agentIDs[i%w.o.Teams], nu.ID)
	}
	for i := range w.o.Teams {
		name := teamNames[i%len(teamNames)]
		if i >= len(teamNames) {
			name += fmt.Sprintf(" %d", i/len(teamNames)+1)
		}
		var members []string
		for _, id := range agentIDs[i] {
			a, err := u.Get(ctx, id)
			if err != nil {
				return err
			}
			members = append(members, a.Email)
		}
		if _, err := u.CreateTeam(ctx, Seeder, user.TeamInput{Name: &name, Members: &members}); err != nil {
			return err
		}
		w.teams = append(w.teams, name)
	}
	for i := range agentIDs { // as the agents sign in: with their teams
		for _, id := range agentIDs[i] {
			a, err := u.Actor(ctx, id)
			if err != nil {
				return err
			}
			w.teamAgents[i] = append(w.teamAgents[i], a)
		}
	}
	active := true
	for _, c := range categoryNames {
		name := c
		if _, err := t.CreateCategory(ctx, Seeder, ticket.CategoryInput{Name: &name, Active: &active}); err != nil {
			return err
		}
		w.categories = append(w.categories, c)
	}
	for _, f := range []ticket.FieldDefInput{
		{Key: ptr("asset_tag"), Label: ptr("Asset tag"), Type: ptr(ticket.FieldText), RequesterVisible: ptr(true)},
		{Key: ptr("location"), Label: ptr("Location"), Type: ptr(ticket.FieldSelect), Options: &[]string{"HQ", "Branch", "Remote", "Warehouse"}},
		{Key: ptr("users_affected"), Label: ptr("Users affected"), Type: ptr(ticket.FieldNumber)},
	} {
		if _, err := t.CreateFieldDef(ctx, Seeder, f); err != nil {
			return err
		}
	}
	// Requesters: a thousand per transaction, each in an organization most
	// of the time.
	var ids []int64
	for done := 0; done < w.o.Requesters; {
		n := min(1000, w.o.Requesters-done)
		err := w.d.DB.WithTx(ctx, func(tx *db.Tx) error {
			tctx := db.WithinTx(ctx, tx)
			for i := done; i < done+n; i++ {
				org := ""
				if len(w.orgs) > 0 && w.r.IntN(10) < 8 {
					org = w.orgs[w.r.IntN(len(w.orgs))]
				}
				email := fmt.Sprintf("user%d@customer.example", i+1)
				nu, err := u.Create(tctx, Seeder, user.NewUser{Email: email, Name: pick(w.r, firstNames) + " " + pick(w.r, lastNames),
					Role: user.RoleRequester, Organization: org})
				if err != nil {
					return err
				}
				ids = append(ids, nu.ID)
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += n
	}
	// As each requester signs in, once they are committed.
	for _, id := range ids {
		a, err := u.Actor(ctx, id)
		if err != nil {
			return err
		}
		w.requesters = append(w.requesters, a)
	}
	return nil
}
