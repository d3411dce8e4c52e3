package portal

import (
	"net/http"

	"github.com/docket/docket/internal/web"
)

// Routes registers the portal's pages and actions on mux.
func (p *Portal) Routes(mux web.Router) {
	mux.HandleFunc("GET /portal/assets/{name}", p.assets.Serve)
	mux.Handle("GET /portal/brand.css", p.errors(p.brandStylesheet))
	mux.Handle("GET /portal/brand/logo", p.errors(p.brandLogo))
	mux.Handle("GET /portal", http.RedirectHandler("/portal/", http.StatusSeeOther))
	mux.Handle("GET /portal/{$}", p.public(p.home))
	mux.Handle("GET /portal/signin", p.public(p.signinForm))
	mux.Handle("POST /portal/signin", p.public(p.signin))
	mux.Handle("POST /portal/signin/link", p.public(p.requestLink))
	mux.Handle("GET /portal/link/{token}", p.public(p.linkForm))
	mux.Handle("POST /portal/link/{token}", p.public(p.useLink))
	mux.Handle("GET /portal/forgot", p.public(p.forgotForm))
	mux.Handle("POST /portal/forgot", p.public(p.forgot))
	mux.Handle("GET /portal/reset/{token}", p.public(p.resetForm))
	mux.Handle("POST /portal/reset/{token}", p.public(p.reset))
	mux.Handle("GET /portal/signup", p.public(p.signupForm))
	mux.Handle("POST /portal/signup", p.public(p.signup))
	mux.Handle("GET /portal/t/{uid}", p.public(p.ticketLink))
	mux.Handle("POST /portal/t/{uid}/link", p.public(p.ticketLinkRequest))
	mux.Handle("POST /portal/signout", p.page(p.signout))
	mux.Handle("GET /form/{uid}", p.public(p.formShow))
	mux.Handle("POST /form/{uid}", p.public(p.formSubmit))
	mux.Handle("GET /form/{uid}/thanks", p.public(p.formThanks))

	mux.Handle("GET /portal/tickets", p.page(p.tickets))
	mux.Handle("GET /portal/tickets/new", p.page(p.newForm))
	mux.Handle("POST /portal/tickets/new", p.page(p.create))
	mux.Handle("POST /portal/preview", p.page(p.preview))
	mux.Handle("GET /portal/tickets/{number}", p.page(p.ticket))
	mux.Handle("POST /portal/tickets/{number}/reply", p.page(p.reply))
	mux.Handle("POST /portal/tickets/{number}/resolve", p.page(p.resolve))
	mux.Handle("POST /portal/tickets/{number}/reopen", p.page(p.reopen))
	mux.Handle("GET /portal/attachments/{id}", p.page(p.download))
	mux.Handle("/portal/", p.errors(func(w http.ResponseWriter, r *http.Request) error {
		return web.Errorf(http.StatusNotFound, "no such page")
	}))
}
