package agent

import (
	"fmt"
	"net/http"

	"github.com/docket/docket/internal/ticket"
)

type adminCategoriesPage struct {
	adminFrame
	Categories []*ticket.Category
	NextURL    string
	Form       categoryForm
	Errors     map[string]string
}

type categoryForm struct {
	Name, Description string
	Active            bool
}

func (f categoryForm) input() ticket.CategoryInput {
	return ticket.CategoryInput{Name: &f.Name, Description: &f.Description, Active: &f.Active}
}

func (a *Agent) renderCategories(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminCategoriesPage) error {
	cs, err := a.Tickets.Categories(r.Context(), afterParam(r), adminPageSize+1)
	if err != nil {
		return err
	}
	if len(cs) > adminPageSize {
		cs = cs[:adminPageSize]
		p.NextURL = nextPage(r, cs[len(cs)-1].ID)
	}
	p.Categories = cs
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Categories", "categories")
	return a.tmpl.Render(w, status, "admin_categories", p)
}

func (a *Agent) adminCategories(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderCategories(w, r, rq, http.StatusOK, adminCategoriesPage{})
}

// adminCreateCategory adds a category; new categories start active.
func (a *Agent) adminCreateCategory(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := categoryForm{Name: formValue(r, "name"), Description: formValue(r, "description"), Active: true}
	c, err := a.Tickets.CreateCategory(r.Context(), rq.actor, f.input())
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Created category %s.", c.Name))
		http.Redirect(w, r, "/admin/categories", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderCategories(w, r, rq, status, adminCategoriesPage{Form: f, Errors: errs})
}

type adminCategoryPage struct {
	adminFrame
	C      *ticket.Category
	Form   categoryForm
	Errors map[string]string
}

func (a *Agent) renderCategory(w http.ResponseWriter, r *http.Request, rq *request, status int, p adminCategoryPage) error {
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	p.adminFrame = a.adminFrame(w, r, rq, "Category "+p.C.Name, "categories")
	return a.tmpl.Render(w, status, "admin_category", p)
}

func (a *Agent) category(r *http.Request) (*ticket.Category, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return a.Tickets.Category(r.Context(), id)
}

func (a *Agent) adminCategoryForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.category(r)
	if err != nil {
		return err
	}
	return a.renderCategory(w, r, rq, http.StatusOK, adminCategoryPage{C: c,
		Form: categoryForm{Name: c.Name, Description: c.Description, Active: c.Active}})
}

func (a *Agent) adminUpdateCategory(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := a.category(r)
	if err != nil {
		return err
	}
	f := categoryForm{Name: formValue(r, "name"), Description: formValue(r, "description"), Active: checked(r, "active")}
	u, err := a.Tickets.UpdateCategory(r.Context(), rq.actor, c.ID, f.input())
	if err == nil {
		a.site.Flash(w, fmt.Sprintf("Saved category %s.", u.Name))
		http.Redirect(w, r, "/admin/categories", http.StatusSeeOther)
		return nil
	}
	errs := map[string]string{}
	status, ok := formFailure(err, errs)
	if !ok {
		return err
	}
	return a.renderCategory(w, r, rq, status, adminCategoryPage{C: c, Form: f, Errors: errs})
}
