package agent_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/assign"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/user"
)

// Admin → Teams edits a team's strategy, cap and members' own caps; each
// refused value comes back as typed next to its field and saves nothing.
// Admin → Users edits an agent's skills. Names are escaped.
func TestAdminTeamAssignmentForm(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	admin, _ := signIn(t, e, user.RoleAdmin)
	carol := apptest.User(t, e.Services, user.RoleAgent, "")
	evil := "<b>Carol</b>"
	if _, err := e.Users.Update(ctx, apptest.Setup, carol.ID, user.Patch{Name: &evil}); err != nil {
		t.Fatal(err)
	}
	name, members := "Service Desk", []string{carol.Email}
	team, err := e.Users.CreateTeam(ctx, e.Admin, user.TeamInput{Name: &name, Members: &members})
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/teams/" + strconv.FormatInt(team.ID, 10)
	code, body, _ := admin.get(path)
	if code != http.StatusOK || !strings.Contains(body, `id="assignment-form"`) || strings.Contains(body, evil) ||
		!strings.Contains(body, "&lt;b&gt;Carol&lt;/b&gt;") {
		t.Fatalf("team page: %d, escaped name shown: %v", code, strings.Contains(body, "&lt;b&gt;Carol&lt;/b&gt;"))
	}
	form := func(strategy, cap, own string) url.Values {
		return url.Values{"_csrf": {admin.csrf}, "strategy": {strategy}, "cap": {cap}, "member": {carol.Email}, "member_cap": {own}}
	}
	for _, c := range []struct {
		form      url.Values
		errID, in string
	}{
		{form("round_robin", "many", ""), "err-assignment-cap", `value="many"`},
		{form("lottery", "5", ""), "err-assignment-strategy", ""},
		{form("round_robin", "5", "-1"), "err-assignment-members-0-cap", `value="-1"`},
	} {
		code, body, _ := admin.post(path+"/assignment", c.form)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+c.errID+`"`) || !strings.Contains(body, c.in) {
			t.Errorf("%v: %d, error %s shown: %v", c.form, code, c.errID, strings.Contains(body, c.errID))
		}
	}
	st, err := e.Assign.Settings(ctx, e.Admin, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Strategy != assign.Off || st.Cap != 0 || st.Members[0].OwnCap != nil {
		t.Fatalf("refused forms saved something: %+v", st)
	}
	if code, _, h := admin.post(path+"/assignment", form("least_loaded", "5", "2")); code != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "#assignment") {
		t.Fatalf("save: %d → %s", code, h.Get("Location"))
	}
	st, _ = e.Assign.Settings(ctx, e.Admin, team.ID)
	if st.Strategy != assign.LeastLoaded || st.Cap != 5 || st.Members[0].Cap != 2 {
		t.Errorf("saved: %+v", st)
	}

	upath := "/admin/users/" + strconv.FormatInt(carol.ID, 10)
	admin.get(upath)
	if code, _, _ := admin.post(upath+"/skills", url.Values{"_csrf": {admin.csrf}, "skills": {"VPN, network,, vpn"}}); code != http.StatusSeeOther {
		t.Fatalf("skills: %d", code)
	}
	if got, _ := e.Assign.Skills(ctx, carol.ID); !slices.Equal(got, []string{"vpn", "network"}) {
		t.Errorf("skills = %v", got)
	}
	if _, body, _ := admin.get(upath); !strings.Contains(body, `value="vpn, network"`) {
		t.Error("the user page does not show the skills")
	}
	long := strings.Repeat("x", assign.MaxSkill+1)
	if code, body, _ := admin.post(upath+"/skills", url.Values{"_csrf": {admin.csrf}, "skills": {"vpn, " + long}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="err-skills"`) {
		t.Errorf("too long a skill: %d", code)
	}
	if got, _ := e.Assign.Skills(ctx, carol.ID); !slices.Equal(got, []string{"vpn", "network"}) {
		t.Errorf("a refused form changed the skills to %v", got)
	}
}
