package agent

import (
	"net/http"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/web"
)

// Routes registers the workspace's pages and actions on mux.
func (a *Agent) Routes(mux web.Router) {
	mux.HandleFunc("GET /assets/{name}", a.assets.Serve)
	mux.Handle("GET /login", a.errors(a.signinForm))
	mux.Handle("POST /login", a.errors(a.limitBody(a.signin)))
	mux.Handle("GET /setup/{token}", a.errors(a.setupForm))
	mux.Handle("POST /setup/{token}", a.errors(a.limitBody(a.setup)))
	mux.Handle("POST /logout", a.page(a.signout))

	mux.Handle("GET /{$}", a.root(a.page(a.home)))
	mux.Handle("GET /welcome", a.page(a.welcome))
	mux.Handle("GET /tickets", a.page(a.queue))
	mux.Handle("POST /tickets/bulk", a.page(a.bulk))
	mux.Handle("GET /articles", a.page(a.kbArticles))
	mux.Handle("GET /articles/new", a.page(a.kbNew))
	mux.Handle("GET /articles/pick", a.page(a.kbPick))
	mux.Handle("POST /articles/new", a.page(a.kbSave))
	mux.Handle("GET /articles/{id}", a.page(a.kbEdit))
	mux.Handle("POST /articles/{id}", a.page(a.kbSave))
	mux.Handle("POST /articles/{id}/delete", a.page(a.kbDelete))
	mux.Handle("GET /articles/{id}/versions", a.page(a.kbVersions))
	mux.Handle("POST /views", a.page(a.saveView))
	mux.Handle("POST /views/{id}/delete", a.page(a.deleteView))
	mux.Handle("GET /views/{id}/rename", a.page(a.renameForm))
	mux.Handle("POST /views/{id}/rename", a.page(a.renameView))
	mux.Handle("GET /tickets/new", a.page(a.newTicketForm))
	mux.Handle("POST /tickets/new", a.page(a.createTicket))
	mux.Handle("GET /contacts", a.page(a.contacts))
	mux.Handle("GET /tickets/{number}", a.page(a.ticketView))
	mux.Handle("POST /tickets/{number}/reply", a.page(a.reply))
	mux.Handle("POST /tickets/{number}/update", a.page(a.update))
	mux.Handle("POST /tickets/{number}/draft", a.page(a.saveDraft))
	mux.Handle("POST /tickets/{number}/follow-up", a.page(a.followUp))
	mux.Handle("POST /tickets/{number}/article", a.page(a.kbFromTicket))
	mux.Handle("POST /tickets/{number}/relate", a.page(a.relate))
	mux.Handle("POST /tickets/{number}/unlink", a.page(a.unlink))
	mux.Handle("GET /attachments/{id}", a.page(a.download))
	mux.Handle("POST /preview", a.page(a.preview))
	mux.Handle("POST /uploads", a.page(a.upload))
	mux.Handle("GET /events", a.page(a.events))
	mux.Handle("POST /tickets/{number}/presence", a.page(a.heartbeat))
	mux.Handle("GET /notifications", a.page(a.notifications))
	mux.Handle("POST /notifications/read", a.page(a.readAllNotifications))
	mux.Handle("POST /availability", a.page(a.setAvailability))
	mux.Handle("POST /notifications/{id}/open", a.page(a.openNotification))
	mux.Handle("POST /notifications/{id}/read", a.page(a.readNotification))
	mux.Handle("POST /profile/notifications", a.page(a.setPreferences))
	mux.Handle("GET /mail/inbound", a.page(a.inbound))
	mux.Handle("GET /mail/inbound/{id}/raw", a.page(a.inboundRaw))
	mux.Handle("POST /mail/inbound/{id}/file", a.page(a.inboundAction(a.fileInbound)))
	mux.Handle("POST /mail/inbound/{id}/attach", a.page(a.inboundAction(a.attachInbound)))
	mux.Handle("POST /mail/inbound/{id}/discard", a.page(a.inboundAction(a.discardInbound)))
	mux.Handle("POST /mail/quarantine/{id}/release", a.page(a.inboundAction(a.releaseHeld)))
	// The quarantine page is the inbound list's quarantined part now.
	mux.Handle("GET /mail/quarantine", a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/mail/inbound?state=quarantined", http.StatusSeeOther)
		return nil
	}))
	a.adminRoutes(mux)
	mux.Handle("/", a.errors(func(w http.ResponseWriter, r *http.Request) error {
		return fault.ErrNotFound
	}))
}
