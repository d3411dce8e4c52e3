package agent

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/macro"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/view"
)

type queuePage struct {
	Layout
	View      string
	ViewLabel string
	Query     string
	Sort      string
	Tickets   []*ticket.Ticket
	Total     int // how many tickets match, over every page
	NextURL   string
	FirstURL  string
	Error     string // what is wrong with the query, shown by the search box
	SortLinks []sortLink
	Statuses  []ticket.Status
	Options   options
	ColSort   map[string]string // column → URL sorting by it (toggling direction)
	SavedView *view.View        // when showing a saved view
	BackURL   string
	Since     int64             // when the list was read (Unix µs): the live stream catches up from it
	Panel     filterPanel       // the filter panel, filled from the query
	Bulk      bulkForm          // the bulk form as the agent left it
	Dues      map[int64]dueCell // ticket id → its Due column
	Macros    []*macro.Macro    // the macros the bulk form may apply
}

type sortLink struct {
	Label, URL string
	Active     bool
}

var sortOptions = []struct{ key, label string }{
	{"-updated_at", "Recently updated"}, {"updated_at", "Least recently updated"}, {"-created_at", "Newest"},
	{"created_at", "Oldest"}, {"priority", "Priority"}, {"due_at", "Due soonest"}, {"-number", "Number"},
}

// sortRelevance is offered when the query has words to search for.
var sortRelevance = struct{ key, label string }{"relevance", "Relevance"}

func (a *Agent) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	if r.URL.Path != "/" {
		return fault.ErrNotFound
	}
	http.Redirect(w, r, "/tickets?view=mine", http.StatusSeeOther)
	return nil
}

// root is the site root: the workspace for agents; the requester portal
// for everyone else when an admin made it the root for requesters.
func (a *Agent) root(home http.Handler) http.Handler {
	return a.errors(func(w http.ResponseWriter, r *http.Request) error {
		set, err := a.Auth.PortalSettings(r.Context())
		if err != nil {
			return err
		}
		if set.Root {
			if _, actor, err := a.site.Session(r); err != nil || !actor.IsAgent() {
				http.Redirect(w, r, "/portal/", http.StatusSeeOther)
				return nil
			}
		}
		home.ServeHTTP(w, r)
		return nil
	})
}

func (a *Agent) queue(w http.ResponseWriter, r *http.Request, rq *request) error {
	qs := r.URL.Query()
	if qs.Get("filter") == "1" {
		// The filter panel composes a query in the search language, so the
		// result can be refined by hand and saved as a view.
		http.Redirect(w, r, queueURL("", composeQuery(qs), qs.Get("sort"), ""), http.StatusSeeOther)
		return nil
	}
	q := strings.TrimSpace(qs.Get("q"))
	if qs.Get("view") == "" && q != "" {
		// A ticket's number typed in the search box opens the ticket.
		if n, ok := a.typedTicket(r.Context(), rq.actor, q); ok {
			http.Redirect(w, r, "/tickets/"+strconv.FormatInt(n, 10), http.StatusSeeOther)
			return nil
		}
	}
	page, err := a.queuePage(w, r, rq, r.URL, bulkForm{})
	if err != nil {
		return err
	}
	return a.tmpl.Render(w, http.StatusOK, "queue", page)
}

// typedTicket reports the ticket an agent named in the search box ("1001",
// "#1001", "INC-1001"), when it exists and they may see it.
func (a *Agent) typedTicket(ctx context.Context, actor *user.Actor, q string) (int64, bool) {
	n, prefixed, ok := a.Tickets.ParseReference(q)
	if !ok {
		return 0, false
	}
	t, err := a.Tickets.Get(ctx, actor, n)
	if err != nil || prefixed && !strings.EqualFold(t.Reference, q) {
		return 0, false
	}
	return t.Number, true
}

// selection is what a queue lists: a view, narrowed by a query.
type selection struct {
	key, label string
	sort       string // the view's own order
	saved      *view.View
	filter     ticket.Filter
	problem    string // what is wrong with the query
}

// selection resolves a view key and a query into a filter, through the
// same translation the API uses.
func (a *Agent) selection(ctx context.Context, actor *user.Actor, key, q string) (selection, error) {
	sel := selection{key: key, label: "Search"}
	if id, ok := strings.CutPrefix(key, "v"); ok && id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return sel, fault.ErrNotFound
		}
		if sel.saved, err = a.Views.Get(ctx, actor, n); err != nil {
			return sel, err
		}
		if sel.filter, err = savedFilter(sel.saved, actor); err != nil {
			sel.problem = "This view's query: " + problem(err)
		}
		sel.label, sel.sort = sel.saved.Name, sel.saved.Sort
	} else if v, ok := findView(key); ok {
		sel.filter, sel.label, sel.sort = v.filter(actor), v.label, v.sort
	} else if q == "" {
		v, _ := findView("open")
		sel.key, sel.label, sel.filter = v.key, v.label, v.filter(actor)
	} else {
		sel.key = ""
	}
	if q != "" && sel.problem == "" {
		if err := sel.filter.ApplySearch(q, time.Now().In(zoneOf(actor))); err != nil {
			sel.problem = problem(err)
		}
	}
	return sel, nil
}

// problem says what is wrong with a query, or with the names it uses.
func problem(err error) string {
	var inv *fault.Invalid
	if !errors.As(err, &inv) || len(inv.Fields) == 0 {
		return err.Error()
	}
	msgs := make([]string, len(inv.Fields))
	for i, f := range inv.Fields {
		msgs[i] = f.Message
		if f.Field != "q" {
			msgs[i] = f.Field + ": " + f.Message
		}
	}
	return strings.Join(msgs, "; ")
}

// queuePage builds the page of the queue at u (its view, q, sort and
// cursor), with the bulk form as given.
func (a *Agent) queuePage(w http.ResponseWriter, r *http.Request, rq *request, u *url.URL, bulk bulkForm) (queuePage, error) {
	since := time.Now().UnixMicro() // before the list is read
	qs := u.Query()
	q := strings.TrimSpace(qs.Get("q"))
	sel, err := a.selection(r.Context(), rq.actor, qs.Get("view"), q)
	if err != nil {
		return queuePage{}, err
	}
	key, f := sel.key, sel.filter
	if qs.Get("sort") == "" {
		qs.Set("sort", sel.sort)
	}
	page := queuePage{View: key, ViewLabel: sel.label, Query: q, Sort: qs.Get("sort"), Statuses: ticket.Statuses,
		SavedView: sel.saved, Error: sel.problem, Bulk: bulk}
	if page.Macros, err = a.Macros.Usable(r.Context(), rq.actor); err != nil {
		return page, err
	}
	f.Sort, f.Cursor, f.Limit = page.Sort, qs.Get("cursor"), 50
	if page.Error == "" {
		ts, next, err := a.Tickets.List(r.Context(), rq.actor, f)
		var inv *fault.Invalid
		switch {
		case errors.As(err, &inv):
			page.Error = problem(err)
		case err != nil:
			return page, err
		}
		page.Tickets, page.Total = ts, len(ts)
		if page.Dues, err = a.dueCells(r.Context(), ts, time.Now()); err != nil {
			return page, err
		}
		if next != "" || f.Cursor != "" {
			if page.Total, err = a.Tickets.Count(r.Context(), rq.actor, f); err != nil {
				return page, err
			}
		}
		if next != "" {
			page.NextURL = queueURL(key, q, page.Sort, next)
		}
	}
	if f.Cursor != "" {
		page.FirstURL = queueURL(key, q, page.Sort, "")
	}
	page.ColSort = map[string]string{}
	for _, col := range []string{"number", "priority", "updated_at", "due_at"} {
		next := "-" + col
		if page.Sort == "-"+col || page.Sort == "" && col == "updated_at" {
			next = col
		}
		if (col == "priority" || col == "due_at") && page.Sort != col {
			next = col // p1 first, soonest due first
		} else if col == "priority" || col == "due_at" {
			next = "-" + col
		}
		page.ColSort[col] = queueURL(key, q, next, "")
	}
	options := sortOptions
	if f.Text.HasText() {
		// Ranking needs words to rank by.
		options = append(slices.Clip(options), sortRelevance)
	}
	for _, o := range options {
		active := o.key == page.Sort || page.Sort == "" && o.key == "-updated_at"
		page.SortLinks = append(page.SortLinks, sortLink{o.label, queueURL(key, q, o.key, ""), active})
	}
	page.BackURL, page.Since = u.RequestURI(), since
	if page.Options, err = a.options(r); err != nil {
		return page, err
	}
	// The panel shows the whole query the list answers: a saved view's
	// own, then what narrows it.
	full := q
	if sel.saved != nil {
		full = strings.TrimSpace(sel.saved.Query + " " + q)
	}
	page.Panel = panelFor(full, page.Options)
	page.Layout = a.layout(w, r, rq, sel.label, key)
	page.QueryError = page.Error
	return page, nil
}

func queueURL(view, q, sort, cursor string) string {
	v := url.Values{}
	if view != "" {
		v.Set("view", view)
	}
	if q != "" {
		v.Set("q", q)
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return "/tickets?" + v.Encode()
}
