package agent

import (
	"net/http"

	"github.com/docket/docket/internal/web"
)

// adminRoutes registers the administration pages (admins only) and the
// profile page every agent has.
func (a *Agent) adminRoutes(mux web.Router) {
	toUsers := a.admin(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
		return nil
	})
	mux.Handle("GET /admin", toUsers)
	mux.Handle("GET /admin/{$}", toUsers)

	mux.Handle("GET /admin/users", a.admin(a.adminUsers))
	mux.Handle("GET /admin/users/new", a.admin(a.adminNewUserForm))
	mux.Handle("POST /admin/users/new", a.admin(a.adminCreateUser))
	mux.Handle("GET /admin/users/{id}", a.admin(a.adminUserForm))
	mux.Handle("POST /admin/users/{id}", a.admin(a.adminUpdateUser))
	mux.Handle("POST /admin/users/{id}/skills", a.admin(a.adminUserSkills))

	mux.Handle("GET /admin/teams", a.admin(a.adminTeams))
	mux.Handle("POST /admin/teams", a.admin(a.adminCreateTeam))
	mux.Handle("GET /admin/teams/{id}", a.admin(a.adminTeamForm))
	mux.Handle("POST /admin/teams/{id}", a.admin(a.adminUpdateTeam))
	mux.Handle("POST /admin/teams/{id}/members", a.admin(a.adminAddMember))
	mux.Handle("POST /admin/teams/{id}/members/remove", a.admin(a.adminRemoveMember))
	mux.Handle("POST /admin/teams/{id}/members/lead", a.admin(a.adminSetLead))
	mux.Handle("POST /admin/teams/{id}/assignment", a.admin(a.adminTeamAssignment))

	mux.Handle("GET /admin/organizations", a.admin(a.adminOrgs))
	mux.Handle("POST /admin/organizations", a.admin(a.adminCreateOrg))
	mux.Handle("GET /admin/organizations/{id}", a.admin(a.adminOrgForm))
	mux.Handle("POST /admin/organizations/{id}", a.admin(a.adminUpdateOrg))

	mux.Handle("GET /admin/categories", a.admin(a.adminCategories))
	mux.Handle("POST /admin/categories", a.admin(a.adminCreateCategory))
	mux.Handle("GET /admin/categories/{id}", a.admin(a.adminCategoryForm))
	mux.Handle("POST /admin/categories/{id}", a.admin(a.adminUpdateCategory))

	mux.Handle("GET /admin/fields", a.admin(a.adminFields))
	mux.Handle("GET /admin/fields/new", a.admin(a.adminNewFieldForm))
	mux.Handle("POST /admin/fields/new", a.admin(a.adminCreateField))
	mux.Handle("GET /admin/fields/{id}", a.admin(a.adminFieldForm))
	mux.Handle("POST /admin/fields/{id}", a.admin(a.adminUpdateField))

	a.adminCalendarRoutes(mux)
	a.adminSLARoutes(mux)
	a.adminMailboxRoutes(mux)
	a.adminTemplateRoutes(mux)
	a.adminPortalRoutes(mux)
	a.adminSatisfactionRoutes(mux)
	a.adminFormRoutes(mux)
	a.adminJobRoutes(mux)
	a.adminWebhookRoutes(mux)
	a.adminReportRoutes(mux)
	a.adminTriggerRoutes(mux)
	a.adminTimeRuleRoutes(mux)
	a.adminMacroRoutes(mux)

	mux.Handle("GET /admin/tokens", a.admin(a.adminTokens))
	mux.Handle("POST /admin/tokens", a.admin(a.adminCreateToken))
	mux.Handle("POST /admin/tokens/{id}/revoke", a.admin(a.adminRevokeToken))

	mux.Handle("GET /admin/audit", a.admin(a.adminAudit))

	mux.Handle("GET /profile", a.page(a.profile))
	mux.Handle("POST /profile", a.page(a.updateProfile))
	mux.Handle("POST /profile/password", a.page(a.changePassword))
	mux.Handle("POST /profile/tokens", a.page(a.createOwnToken))
	mux.Handle("POST /profile/tokens/{id}/revoke", a.page(a.revokeOwnToken))
}
