package api

import (
	"net/http"
	"strings"

	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// Routes registers every /api/v1 endpoint on mux.
func (a *API) Routes(mux *http.ServeMux) {
	h := func(pattern string, fn func(http.ResponseWriter, *http.Request, *user.Actor) error) {
		a.handle(mux, pattern, fn)
	}
	h("POST /api/v1/tickets", a.createTicket)
	h("GET /api/v1/tickets", a.listTickets)
	h("GET /api/v1/tickets/{number}", a.getTicket)
	h("PATCH /api/v1/tickets/{number}", a.patchTicket)
	h("GET /api/v1/tickets/{number}/messages", a.listMessages)
	h("POST /api/v1/tickets/{number}/messages", a.createMessage)
	h("GET /api/v1/tickets/{number}/events", a.listEvents)
	h("POST /api/v1/tickets/{number}/merge", a.mergeTicket)
	h("GET /api/v1/tickets/{number}/links", a.listLinks)
	h("POST /api/v1/tickets/{number}/links", a.addLink)
	h("DELETE /api/v1/tickets/{number}/links/{other}", a.removeLink)
	h("GET /api/v1/tickets/{number}/draft", a.getDraft)
	h("PUT /api/v1/tickets/{number}/draft", a.putDraft)
	h("DELETE /api/v1/tickets/{number}/draft", a.deleteDraft)

	h("POST /api/v1/attachments", a.uploadAttachment)
	h("GET /api/v1/attachments/{id}", a.downloadAttachment)

	h("GET /api/v1/users", a.listUsers)
	h("POST /api/v1/users", a.createUser)
	h("GET /api/v1/users/{id}", a.getUser)
	h("PATCH /api/v1/users/{id}", a.patchUser)
	h("GET /api/v1/users/{id}/availability", a.getAvailability)
	h("PUT /api/v1/users/{id}/availability", a.putAvailability)

	h("GET /api/v1/teams", a.listTeams)
	h("POST /api/v1/teams", a.createTeam)
	h("GET /api/v1/teams/{id}", a.getTeam)
	h("PATCH /api/v1/teams/{id}", a.patchTeam)
	h("POST /api/v1/teams/{id}/members", a.addMember)
	h("DELETE /api/v1/teams/{id}/members/{email}", a.removeMember)

	h("GET /api/v1/organizations", a.listOrganizations)
	h("POST /api/v1/organizations", a.createOrganization)
	h("GET /api/v1/organizations/{id}", a.getOrganization)
	h("PATCH /api/v1/organizations/{id}", a.patchOrganization)

	h("GET /api/v1/categories", a.listCategories)
	h("POST /api/v1/categories", a.createCategory)
	h("GET /api/v1/categories/{id}", a.getCategory)
	h("PATCH /api/v1/categories/{id}", a.patchCategory)

	h("GET /api/v1/custom-fields", a.listCustomFields)
	h("POST /api/v1/custom-fields", a.createCustomField)
	h("GET /api/v1/custom-fields/{id}", a.getCustomField)
	h("PATCH /api/v1/custom-fields/{id}", a.patchCustomField)

	h("GET /api/v1/mailboxes", a.listMailboxes)
	h("POST /api/v1/mailboxes", a.createMailbox)
	h("GET /api/v1/mailboxes/{id}", a.getMailbox)
	h("PATCH /api/v1/mailboxes/{id}", a.patchMailbox)
	h("DELETE /api/v1/mailboxes/{id}", a.deleteMailbox)
	h("POST /api/v1/mailboxes/{id}/test", a.testMailbox)

	h("GET /api/v1/calendars", a.listCalendars)
	h("POST /api/v1/calendars", a.createCalendar)
	h("GET /api/v1/calendars/{id}", a.getCalendar)
	h("PUT /api/v1/calendars/{id}", a.putCalendar)
	h("PATCH /api/v1/calendars/{id}", a.patchCalendar)
	h("DELETE /api/v1/calendars/{id}", a.deleteCalendar)
	h("POST /api/v1/calendars/{id}/holidays/import", a.importHolidays)

	h("GET /api/v1/sla-policies", a.listPolicies)
	h("POST /api/v1/sla-policies", a.createPolicy)
	h("GET /api/v1/sla-policies/{id}", a.getPolicy)
	h("PATCH /api/v1/sla-policies/{id}", a.patchPolicy)
	h("DELETE /api/v1/sla-policies/{id}", a.deletePolicy)

	h("GET /api/v1/mail/templates", a.listTemplates)
	h("GET /api/v1/mail/templates/{key}", a.getTemplate)
	h("PUT /api/v1/mail/templates/{key}", a.putTemplate)
	h("DELETE /api/v1/mail/templates/{key}", a.resetTemplate)
	h("GET /api/v1/mail/quarantine", a.listQuarantine)
	h("POST /api/v1/mail/quarantine/{id}/release", a.releaseQuarantine)
	h("GET /api/v1/mail/inbound", a.listInbound)
	h("GET /api/v1/mail/inbound/{id}", a.getInbound)
	h("GET /api/v1/mail/inbound/{id}/raw", a.inboundRaw)
	h("POST /api/v1/mail/inbound/{id}/file", a.fileInbound)
	h("POST /api/v1/mail/inbound/{id}/attach", a.attachInbound)
	h("POST /api/v1/mail/inbound/{id}/discard", a.discardInbound)

	h("GET /api/v1/jobs", a.listJobs)
	h("GET /api/v1/jobs/stats", a.jobStats)
	h("GET /api/v1/jobs/{id}", a.getJob)
	h("POST /api/v1/jobs/{id}/retry", a.retryJob)
	h("POST /api/v1/jobs/{id}/cancel", a.cancelJob)

	h("GET /api/v1/web-forms", a.listWebForms)
	h("POST /api/v1/web-forms", a.createWebForm)
	h("GET /api/v1/web-forms/{id}", a.getWebForm)
	h("PATCH /api/v1/web-forms/{id}", a.patchWebForm)
	h("DELETE /api/v1/web-forms/{id}", a.deleteWebForm)
	h("GET /api/v1/webhooks", a.listWebhooks)
	h("POST /api/v1/webhooks", a.createWebhook)
	h("GET /api/v1/webhooks/{id}", a.getWebhook)
	h("PATCH /api/v1/webhooks/{id}", a.patchWebhook)
	h("DELETE /api/v1/webhooks/{id}", a.deleteWebhook)
	h("GET /api/v1/webhooks/{id}/deliveries", a.listDeliveries)
	h("POST /api/v1/webhooks/{id}/deliveries/{d}/redeliver", a.redeliver)
	h("GET /api/v1/triggers", a.listTriggers)
	h("POST /api/v1/triggers", a.createTrigger)
	h("GET /api/v1/triggers/{id}", a.getTrigger)
	h("PATCH /api/v1/triggers/{id}", a.patchTrigger)
	h("DELETE /api/v1/triggers/{id}", a.deleteTrigger)
	h("POST /api/v1/triggers/{id}/test", a.testTrigger)
	a.timeRuleRoutes(h)

	h("GET /api/v1/kb/articles", a.listArticles)
	h("POST /api/v1/kb/articles", a.createArticle)
	h("GET /api/v1/kb/articles/{id}", a.getArticle)
	h("PATCH /api/v1/kb/articles/{id}", a.patchArticle)
	h("DELETE /api/v1/kb/articles/{id}", a.deleteArticle)
	h("GET /api/v1/kb/articles/{id}/versions", a.listVersions)
	h("GET /api/v1/kb/articles/{id}/versions/{n}", a.getVersion)
	h("GET /api/v1/kb/articles/{id}/diff", a.diffArticle)
	h("GET /api/v1/kb/categories", a.listKBCategories)
	h("POST /api/v1/kb/categories", a.createKBCategory)
	h("GET /api/v1/kb/categories/{id}", a.getKBCategory)
	h("PATCH /api/v1/kb/categories/{id}", a.patchKBCategory)
	h("DELETE /api/v1/kb/categories/{id}", a.deleteKBCategory)

	h("GET /api/v1/macros", a.listMacros)
	h("POST /api/v1/macros", a.createMacro)
	h("GET /api/v1/macros/{id}", a.getMacro)
	h("PATCH /api/v1/macros/{id}", a.patchMacro)
	h("DELETE /api/v1/macros/{id}", a.deleteMacro)
	h("POST /api/v1/tickets/{number}/macros/{id}", a.applyMacro)
	h("GET /api/v1/canned-responses", a.listCanned)
	h("POST /api/v1/canned-responses", a.createCanned)
	h("GET /api/v1/canned-responses/{id}", a.getCanned)
	h("PATCH /api/v1/canned-responses/{id}", a.patchCanned)
	h("DELETE /api/v1/canned-responses/{id}", a.deleteCanned)

	h("GET /api/v1/tokens", a.listTokens)
	h("POST /api/v1/tokens", a.createToken)
	h("DELETE /api/v1/tokens/{id}", a.deleteToken)

	h("GET /api/v1/audit", a.listAudit)

	h("GET /api/v1/notifications", a.listNotifications)
	h("POST /api/v1/notifications/{id}/read", a.readNotification)
	h("POST /api/v1/notifications/read-all", a.readAllNotifications)
	h("GET /api/v1/notifications/preferences", a.getNotificationPreferences)
	h("PUT /api/v1/notifications/preferences", a.putNotificationPreferences)

	h("GET /api/v1/reports/sla", a.slaReport)
	h("GET /api/v1/reports/satisfaction", a.satisfactionReport)

	// Anything else under /api/ is a JSON 405 (the path exists with other
	// methods) or 404, never an HTML page.
	mux.Handle("/api/", web.API(a.Log, func(w http.ResponseWriter, r *http.Request) error {
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/api/" {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			return &web.StatusError{Status: http.StatusMethodNotAllowed, Detail: "This endpoint does not support " + r.Method + "."}
		}
		return &web.StatusError{Status: http.StatusNotFound, Detail: "No such API endpoint."}
	}))
}
