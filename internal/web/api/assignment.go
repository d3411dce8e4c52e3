package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// assignmentJSON is a team's automatic assignment: its strategy, the cap
// on each member's active tickets (0: none) and its members as
// assignment sees them.
type assignmentJSON struct {
	Strategy string                 `json:"strategy"`
	Cap      int                    `json:"cap"`
	Members  []assignmentMemberJSON `json:"members"`
}

type assignmentMemberJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	// Cap is the member's own cap, null when the team's applies;
	// EffectiveCap is the one that applies (0: none).
	Cap           *int     `json:"cap"`
	EffectiveCap  int      `json:"effective_cap"`
	Availability  string   `json:"availability"`
	ActiveTickets int      `json:"active_tickets"`
	Skills        []string `json:"skills"`
}

func toAssignmentJSON(st *assign.Settings) *assignmentJSON {
	out := &assignmentJSON{Strategy: st.Strategy, Cap: st.Cap, Members: []assignmentMemberJSON{}}
	for _, m := range st.Members {
		out.Members = append(out.Members, assignmentMemberJSON{Email: m.Email, Name: m.Name, Cap: m.OwnCap, EffectiveCap: m.Cap,
			Availability: m.Availability, ActiveTickets: m.Load, Skills: m.Skills})
	}
	return out
}

type assignmentInput struct {
	Strategy *string `json:"strategy"`
	Cap      *int    `json:"cap"`
	// Members set members' own caps: {"email", "cap"}, cap null for the
	// team's.
	Members []struct {
		Email string `json:"email"`
		Cap   *int   `json:"cap"`
	} `json:"members"`
}

// setAssignment applies in (when given) to team id.
func (a *API) setAssignment(ctx context.Context, actor *user.Actor, id int64, in *assignmentInput) error {
	if in == nil {
		return nil
	}
	var caps []assign.MemberCap
	for _, m := range in.Members {
		caps = append(caps, assign.MemberCap{Email: m.Email, Cap: m.Cap})
	}
	_, err := a.Assign.Update(ctx, actor, id, assign.Input{Strategy: in.Strategy, Cap: in.Cap, MemberCaps: caps})
	return err
}

// teamJSON is team t as the API answers it, with its assignment.
func (a *API) teamJSON(ctx context.Context, actor *user.Actor, t *user.Team) (teamJSON, error) {
	out := toTeamJSON(t)
	st, err := a.Assign.Settings(ctx, actor, t.ID)
	if err != nil {
		return out, err
	}
	out.Assignment = toAssignmentJSON(st)
	return out, nil
}

func (a *API) writeTeam(w http.ResponseWriter, r *http.Request, actor *user.Actor, status int, t *user.Team) error {
	out, err := a.teamJSON(r.Context(), actor, t)
	if err != nil {
		return err
	}
	return web.JSON(w, status, out)
}

// userExtras adds an agent's or admin's skills and availability to u's
// answer (requesters have neither).
func (a *API) userExtras(ctx context.Context, actor *user.Actor, u *user.User, out *userJSON) error {
	if u.Role == user.RoleRequester {
		return nil
	}
	skills, err := a.Assign.Skills(ctx, u.ID)
	if err != nil {
		return err
	}
	av, err := a.Assign.Availability(ctx, actor, u.ID)
	if err != nil {
		return err
	}
	out.Skills, out.Availability = &skills, av.Status
	return nil
}

type availabilityJSON struct {
	UserID       int64     `json:"user_id"`
	Availability string    `json:"availability"`
	Automatic    bool      `json:"automatic"`
	ChangedAt    time.Time `json:"changed_at"`
	LastActiveAt time.Time `json:"last_active_at"`
}

func toAvailabilityJSON(av *assign.Availability) availabilityJSON {
	return availabilityJSON{av.UserID, av.Status, av.Auto, av.ChangedAt, av.LastActiveAt}
}

// availabilityUser is the user {id} names: "me" is the caller.
func availabilityUser(r *http.Request, actor *user.Actor) (int64, error) {
	if r.PathValue("id") == "me" {
		return actor.ID, nil
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("user %q: %w", r.PathValue("id"), fault.ErrNotFound)
	}
	return id, nil
}

func (a *API) getAvailability(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := availabilityUser(r, actor)
	if err != nil {
		return err
	}
	av, err := a.Assign.Availability(r.Context(), actor, id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toAvailabilityJSON(av))
}

func (a *API) putAvailability(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	id, err := availabilityUser(r, actor)
	if err != nil {
		return err
	}
	if !actor.IsAgent() {
		return fault.Forbidden("only agents and admins have an availability")
	}
	var in struct {
		Availability *string `json:"availability"`
	}
	if _, err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.Availability == nil {
		return fault.Field("availability", "is required: available, away or off")
	}
	av, err := a.Assign.SetAvailability(r.Context(), actor, id, *in.Availability)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toAvailabilityJSON(av))
}
