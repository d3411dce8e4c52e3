package agent

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/docket/docket/internal/automation"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/web"
)

// adminMacroRoutes registers Admin → Macros, which every agent may open:
// admins manage every macro, agents their personal ones (and see the
// others they may apply). Canned responses are macros with only a reply:
// their old page sends here.
func (a *Agent) adminMacroRoutes(mux web.Router) {
	mux.Handle("GET /admin/macros", a.page(a.adminMacros))
	mux.Handle("GET /admin/macros/new", a.page(a.adminNewMacroForm))
	mux.Handle("POST /admin/macros/new", a.page(a.adminCreateMacro))
	mux.Handle("GET /admin/macros/{id}", a.page(a.adminMacroForm))
	mux.Handle("POST /admin/macros/{id}", a.page(a.adminUpdateMacro))
	mux.Handle("POST /admin/macros/{id}/delete", a.page(a.adminDeleteMacro))
	mux.Handle("GET /macros/{id}/fill", a.page(a.macroFill))
	mux.Handle("GET /canned", a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/admin/macros", http.StatusMovedPermanently)
		return nil
	}))
}

// macrosFrame is Admin → Macros' frame: the administration sections for
// admins, none for agents (they may open no other).
func (a *Agent) macrosFrame(w http.ResponseWriter, r *http.Request, rq *request, title string) adminFrame {
	f := a.adminFrame(w, r, rq, title, "macros")
	if !rq.actor.IsAdmin() {
		f.Sections = nil
	}
	return f
}

// adminMacrosPage lists the macros the agent may see.
type adminMacrosPage struct {
	adminFrame
	Macros            []*macro.Macro
	NextURL, FirstURL string
}

// CanEdit reports whether the agent may change m.
func (p adminMacrosPage) CanEdit(m *macro.Macro) bool { return macro.Editable(p.Actor, m) }

func (a *Agent) adminMacros(w http.ResponseWriter, r *http.Request, rq *request) error {
	after := afterParam(r)
	ms, err := a.Macros.List(r.Context(), rq.actor, after, adminPageSize+1)
	if err != nil {
		return err
	}
	p := adminMacrosPage{Macros: ms}
	if len(ms) > adminPageSize {
		p.Macros = ms[:adminPageSize]
		p.NextURL = nextPage(r, p.Macros[len(p.Macros)-1].ID)
	}
	if after > 0 {
		p.FirstURL = r.URL.Path
	}
	p.adminFrame = a.macrosFrame(w, r, rq, "Macros")
	return a.tmpl.Render(w, http.StatusOK, "admin_macros", p)
}

// macro is the macro of the page's path when the agent may change it:
// another's (one they only apply) is not found here.
func (a *Agent) macro(r *http.Request, rq *request) (*macro.Macro, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	m, err := a.Macros.Get(r.Context(), rq.actor, id)
	if err == nil && !macro.Editable(rq.actor, m) {
		return nil, fault.ErrNotFound
	}
	return m, err
}

func (a *Agent) adminNewMacroForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := macroForm{Visibility: macro.Personal}
	if rq.actor.IsAdmin() {
		f.Visibility = macro.Everyone
	}
	return a.renderMacro(w, r, rq, http.StatusOK, adminMacroPage{Form: f})
}

func (a *Agent) adminMacroForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.macro(r, rq)
	if err != nil {
		return err
	}
	return a.renderMacro(w, r, rq, http.StatusOK, adminMacroPage{M: m, Form: macroFormOf(m)})
}

func (a *Agent) adminCreateMacro(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.saveMacro(w, r, rq, nil)
}

func (a *Agent) adminUpdateMacro(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.macro(r, rq)
	if err != nil {
		return err
	}
	return a.saveMacro(w, r, rq, m)
}

// saveMacro creates (m nil) or changes a macro from the posted form, or
// shows the form again with an action row added or removed. A refused
// form comes back as typed, each error next to its field or row.
func (a *Agent) saveMacro(w http.ResponseWriter, r *http.Request, rq *request, m *macro.Macro) error {
	f, edit := readMacroForm(r)
	if edit {
		return a.renderMacro(w, r, rq, http.StatusOK, adminMacroPage{M: m, Form: f})
	}
	defs, err := a.Tickets.FieldDefs(r.Context())
	if err != nil {
		return err
	}
	in, errs := f.input(defs)
	if len(errs) > 0 {
		return a.renderMacro(w, r, rq, http.StatusUnprocessableEntity, adminMacroPage{M: m, Form: f, Errors: errs})
	}
	var saved *macro.Macro
	if m == nil {
		saved, err = a.Macros.Create(r.Context(), rq.actor, in)
	} else {
		saved, err = a.Macros.Update(r.Context(), rq.actor, m.ID, in)
	}
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved the macro “%s”.", saved.Name))
		http.Redirect(w, r, "/admin/macros#macro-"+strconv.FormatInt(saved.ID, 10), http.StatusSeeOther)
		return nil
	}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderMacro(w, r, rq, status, adminMacroPage{M: m, Form: f, Errors: errs})
}

func (a *Agent) adminDeleteMacro(w http.ResponseWriter, r *http.Request, rq *request) error {
	m, err := a.macro(r, rq)
	if err != nil {
		return err
	}
	errs := map[string]string{}
	return a.confirmedDelete(w, r, errs, func() error { return a.Macros.Delete(r.Context(), rq.actor, m.ID) },
		fmt.Sprintf("Deleted the macro “%s”.", m.Name), "/admin/macros", func(status int) error {
			return a.renderMacro(w, r, rq, status, adminMacroPage{M: m, Form: macroFormOf(m), Errors: errs})
		})
}

// macroFill answers a macro's reply text filled for a ticket, and what its
// actions will do when the reply is sent: the composer's macro menu
// stages it.
func (a *Agent) macroFill(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, ok := ticket.ParseNumber(r.URL.Query().Get("ticket"))
	if !ok {
		return fault.Field("ticket", "is required")
	}
	m, body, err := a.Macros.FillFor(r.Context(), rq.actor, id, n)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, map[string]any{"id": m.ID, "name": m.Name, "body": body,
		"actions": macro.Describe(m.Actions)})
}

// Describe says what a macro's actions do, in words.
func (adminMacrosPage) Describe(acts automation.Actions) []string { return macro.Describe(acts) }
