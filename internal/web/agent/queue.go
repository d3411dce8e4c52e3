package agent

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/search"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/view"
)

type queuePage struct {
	Layout
	View       string
	ViewLabel  string
	Query      string
	Sort       string
	Tickets    []*ticket.Ticket
	NextURL    string
	FirstURL   string
	Error      string
	SortLinks  []sortLink
	Statuses   []ticket.Status
	Options    options
	ColSort    map[string]string // column → URL sorting by it (toggling direction)
	SavedView  *view.View        // when showing a saved view
	BackURL    string
	BulkErrors []string
}

type sortLink struct {
	Label, URL string
	Active     bool
}

var sortOptions = []struct{ key, label string }{
	{"-updated_at", "Recently updated"}, {"updated_at", "Least recently updated"}, {"-created_at", "Newest"},
	{"created_at", "Oldest"}, {"priority", "Priority"}, {"-number", "Number"},
}

func (a *Agent) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	if r.URL.Path != "/" {
		return fault.ErrNotFound
	}
	http.Redirect(w, r, "/tickets?view=mine", http.StatusSeeOther)
	return nil
}

func (a *Agent) queue(w http.ResponseWriter, r *http.Request, rq *request) error {
	qs := r.URL.Query()
	if qs.Get("filter") == "1" {
		// The filter panel composes a query in the search language, so the
		// result can be refined by hand and saved as a view.
		http.Redirect(w, r, queueURL("", composeQuery(qs), qs.Get("sort"), ""), http.StatusSeeOther)
		return nil
	}
	key := qs.Get("view")
	q := strings.TrimSpace(qs.Get("q"))
	var f ticket.Filter
	label := "Search"
	var saved *view.View
	if id, ok := strings.CutPrefix(key, "v"); ok && id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return fault.ErrNotFound
		}
		if saved, err = a.Views.Get(r.Context(), rq.actor, n); err != nil {
			return err
		}
		if f, err = savedFilter(saved); err != nil {
			return err
		}
		label = saved.Name
		if qs.Get("sort") == "" {
			qs.Set("sort", saved.Sort)
		}
	} else if v, ok := findView(key); ok {
		f, label = v.filter(rq.actor), v.label
	} else if q == "" {
		key, label = "open", "All open"
		v, _ := findView(key)
		f = v.filter(rq.actor)
	} else {
		key = ""
	}
	page := queuePage{View: key, ViewLabel: label, Query: q, Sort: qs.Get("sort"), Statuses: ticket.Statuses, SavedView: saved}
	if q != "" {
		parsed, err := search.Parse(q)
		if err != nil {
			page.Error = err.Error()
		} else {
			applyQuery(&f, parsed)
			if err := f.ApplyTerms(parsed, time.Now()); err != nil {
				var inv *fault.Invalid
				if errors.As(err, &inv) {
					page.Error = inv.Fields[0].Message
				}
			}
		}
	}
	f.Sort, f.Cursor, f.Limit = page.Sort, qs.Get("cursor"), 50
	if page.Error == "" {
		ts, next, err := a.Tickets.List(r.Context(), rq.actor, f)
		var inv *fault.Invalid
		switch {
		case errors.As(err, &inv):
			page.Error = inv.Fields[0].Field + " " + inv.Fields[0].Message
		case err != nil:
			return err
		}
		page.Tickets = ts
		if next != "" {
			page.NextURL = queueURL(key, q, page.Sort, next)
		}
	}
	if f.Cursor != "" {
		page.FirstURL = queueURL(key, q, page.Sort, "")
	}
	page.ColSort = map[string]string{}
	for _, col := range []string{"number", "priority", "updated_at"} {
		next := "-" + col
		if page.Sort == "-"+col || page.Sort == "" && col == "updated_at" {
			next = col
		}
		if col == "priority" && page.Sort != "priority" {
			next = "priority" // p1 first
		} else if col == "priority" {
			next = "-priority"
		}
		page.ColSort[col] = queueURL(key, q, next, "")
	}
	for _, o := range sortOptions {
		active := o.key == page.Sort || page.Sort == "" && o.key == "-updated_at"
		page.SortLinks = append(page.SortLinks, sortLink{o.label, queueURL(key, q, o.key, ""), active})
	}
	page.BackURL = r.URL.RequestURI()
	page.BulkErrors = bulkErrors(r)
	var err error
	if page.Options, err = a.options(r); err != nil {
		return err
	}
	page.Layout = a.layout(w, r, rq, label, key)
	return a.tmpl.render(w, http.StatusOK, "queue", page)
}

// applyQuery narrows f by the search language's filters and text.
func applyQuery(f *ticket.Filter, q search.Query) {
	// An explicit status in the query replaces the view's.
	if st := q.Values("status"); len(st) > 0 {
		f.Status = nil
		for _, s := range st {
			f.Status = append(f.Status, ticket.Status(strings.ToLower(s)))
		}
	}
	for _, s := range q.Values("type") {
		f.Type = append(f.Type, ticket.Type(strings.ToLower(s)))
	}
	for _, s := range q.Values("priority") {
		if p, ok := ticket.ParsePriority(s); ok {
			f.Priority = append(f.Priority, p)
		}
	}
	f.Assignee = append(f.Assignee, q.Values("assignee")...)
	f.Team = append(f.Team, q.Values("team")...)
	f.Requester = append(f.Requester, q.Values("requester")...)
	f.Tag = append(f.Tag, q.Values("tag")...)
	f.Category = append(f.Category, q.Values("category")...)
	f.Organization = append(f.Organization, q.Values("organization")...)
	f.Text = q
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

// filterKeys are the filter panel's fields, in the order they are written
// into the query.
var filterKeys = []string{"status", "type", "priority", "assignee", "team", "requester", "organization", "category", "tag",
	"missing"}

// composeQuery turns the filter panel's fields into a search-language query.
func composeQuery(v url.Values) string {
	var parts []string
	quote := func(s string) string {
		if strings.ContainsAny(s, " ,\"") {
			return `"` + strings.ReplaceAll(s, `"`, "") + `"`
		}
		return s
	}
	for _, k := range filterKeys {
		var vals []string
		for _, x := range v["f_"+k] {
			if x = strings.TrimSpace(x); x != "" {
				vals = append(vals, x)
			}
		}
		switch {
		case len(vals) == 1:
			parts = append(parts, k+":"+quote(vals[0]))
		case len(vals) > 1:
			var qs []string
			for _, x := range vals {
				qs = append(qs, strings.ReplaceAll(strings.ReplaceAll(x, ",", ""), " ", ""))
			}
			parts = append(parts, k+":"+strings.Join(qs, ","))
		}
	}
	for _, k := range []string{"created", "updated"} {
		from, to := strings.TrimSpace(v.Get("f_"+k+"_from")), strings.TrimSpace(v.Get("f_"+k+"_to"))
		switch {
		case from != "" && to != "":
			parts = append(parts, k+":"+from+".."+to)
		case from != "":
			parts = append(parts, k+":>="+from)
		case to != "":
			parts = append(parts, k+":<="+to)
		}
	}
	if t := strings.TrimSpace(v.Get("f_text")); t != "" {
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}
