package agent

import (
	"io"
	"net/http"

	"github.com/docket/docket/internal/brand"
	"github.com/docket/docket/internal/fault"
)

// brandForm is the branding form as typed.
type brandForm struct {
	Name, Color, Welcome string
}

// adminSaveBrand saves the help desk's name, colour and welcome text.
func (a *Agent) adminSaveBrand(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := brandForm{Name: r.PostFormValue("name"), Color: r.PostFormValue("color"), Welcome: r.PostFormValue("welcome")}
	_, err := a.Brand.Set(r.Context(), rq.actor, brand.Input{Name: &f.Name, Color: &f.Color, Welcome: &f.Welcome})
	return a.brandSaved(w, r, rq, f, err, "Branding saved.")
}

// adminSaveLogo stores an uploaded logo.
func (a *Agent) adminSaveLogo(w http.ResponseWriter, r *http.Request, rq *request) error {
	var err error
	f, _, ferr := r.FormFile("logo")
	if ferr != nil {
		err = fault.Field("logo", "choose an image file")
	} else {
		defer f.Close()
		var data []byte
		if data, err = io.ReadAll(io.LimitReader(f, brand.MaxLogo+1)); err == nil {
			_, err = a.Brand.SetLogo(r.Context(), rq.actor, data)
		}
	}
	return a.brandSaved(w, r, rq, brandForm{}, err, "Logo saved.")
}

// adminRemoveLogo removes the logo.
func (a *Agent) adminRemoveLogo(w http.ResponseWriter, r *http.Request, rq *request) error {
	_, err := a.Brand.RemoveLogo(r.Context(), rq.actor)
	return a.brandSaved(w, r, rq, brandForm{}, err, "Logo removed.")
}

// brandSaved answers a branding form: back to the page with a flash, or
// the page again with the errors next to their fields.
func (a *Agent) brandSaved(w http.ResponseWriter, r *http.Request, rq *request, f brandForm, err error, done string) error {
	if err == nil {
		a.site.Flash(w, done)
		http.Redirect(w, r, "/admin/portal#branding", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	s, serr := a.Auth.PortalSettings(r.Context())
	if serr != nil {
		return serr
	}
	return a.renderPortal(w, r, rq, status, adminPortalPage{Form: portalFormOf(s), Brand: f, BrandError: errs})
}
