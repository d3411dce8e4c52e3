package agent

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/docket/docket/internal/auth"
	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/web"
)

// adminPortalRoutes registers the requester portal's settings page.
func (a *Agent) adminPortalRoutes(mux web.Router) {
	mux.Handle("GET /admin/portal", a.admin(a.adminPortal))
	mux.Handle("POST /admin/portal", a.admin(a.adminSavePortal))
	mux.Handle("POST /admin/portal/brand", a.admin(a.adminSaveBrand))
	mux.Handle("POST /admin/portal/logo", a.admin(a.adminSaveLogo))
	mux.Handle("POST /admin/portal/logo/remove", a.admin(a.adminRemoveLogo))
}

type adminPortalPage struct {
	adminFrame
	Form   portalForm
	Errors map[string]string
	// Brand is the branding form as typed; Logo the stored logo.
	Brand      brandForm
	Logo       *brand.Logo
	Version    string
	BrandError map[string]string
}

// portalForm is the settings form as typed.
type portalForm struct {
	Root       bool
	SignUp     string
	Domains    string // one per line or separated by commas
	ReopenDays string
}

func (a *Agent) renderPortal(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminPortalPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if p.BrandError == nil {
		p.BrandError = map[string]string{}
	}
	b, err := a.Brand.Current(r.Context())
	if err != nil {
		return err
	}
	if p.Brand == (brandForm{}) {
		p.Brand = brandForm{Name: b.Name, Color: b.Color, Welcome: b.Welcome}
	}
	p.Logo, p.Version = b.Logo, b.Version()
	p.adminFrame = a.adminFrame(w, r, rq, "Requester portal", "portal")
	return a.tmpl.Render(w, status, "admin_portal", p)
}

func (a *Agent) adminPortal(w http.ResponseWriter, r *http.Request, rq *request) error {
	s, err := a.Auth.PortalSettings(r.Context())
	if err != nil {
		return err
	}
	return a.renderPortal(w, r, rq, http.StatusOK, adminPortalPage{Form: portalFormOf(s)})
}

// portalFormOf is the settings form showing s.
func portalFormOf(s auth.PortalSettings) portalForm {
	return portalForm{Root: s.Root, SignUp: string(s.SignUp), Domains: strings.Join(s.Domains, "\n"), ReopenDays: strconv.Itoa(s.ReopenDays)}
}

func (a *Agent) adminSavePortal(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := portalForm{Root: checked(r, "root"), SignUp: formValue(r, "signup"), Domains: r.PostFormValue("domains"),
		ReopenDays: formValue(r, "reopen_days")}
	errs := map[string]string{}
	days, err := strconv.Atoi(f.ReopenDays)
	if err != nil {
		errs["reopen_days"] = "Enter a number of days."
	}
	in := auth.PortalSettings{Root: f.Root, SignUp: auth.SignUpPolicy(f.SignUp), ReopenDays: days,
		Domains: strings.FieldsFunc(f.Domains, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' })}
	if len(errs) == 0 {
		if _, err = a.Auth.SetPortalSettings(r.Context(), rq.actor, in); err == nil {
			a.site.Flash(w, "Portal settings saved.")
			http.Redirect(w, r, "/admin/portal", http.StatusSeeOther)
			return nil
		}
	}
	status, ok := http.StatusUnprocessableEntity, len(errs) > 0
	if !ok {
		status, ok = formFailure(err, errs)
	}
	if !ok {
		return err
	}
	return a.renderPortal(w, r, rq, status, adminPortalPage{Form: f, Errors: errs})
}
