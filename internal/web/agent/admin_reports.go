package agent

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// The report pages: Admin → Reports → SLA and → Satisfaction. Team leads
// are agents, so agents open them too (with only this section of the
// administration); a report counts the tickets each reader may see. Each
// shows a period of whole UTC days and a grouping, with a CSV download.

// reportDef is one report: its name in paths, its page's title and
// template, its groupings (the first the default) and how it is computed.
type reportDef struct {
	name, title, tmpl string
	groupBys          []string
	targets           []string // the SLA targets, for the SLA report's columns
	// check reports what is wrong with a query, field by field; run
	// computes the report of a query that passed.
	check func(from, to time.Time, groupBy string) error
	run   func(ctx context.Context, a *user.Actor, from, to time.Time, groupBy string) (csvReport, error)
}

// csvReport is a computed report: the page shows it, WriteCSV downloads it.
type csvReport interface{ WriteCSV(io.Writer) error }

func (a *Agent) reportDefs() []reportDef {
	return []reportDef{{
		name: "sla", title: "SLA report", tmpl: "admin_reports_sla", groupBys: report.GroupBys, targets: report.Targets,
		check: func(from, to time.Time, groupBy string) error {
			q := report.SLAQuery{From: from, To: to, GroupBy: groupBy}
			return q.Check()
		},
		run: func(ctx context.Context, ac *user.Actor, from, to time.Time, groupBy string) (csvReport, error) {
			return a.Reports.SLA(ctx, ac, report.SLAQuery{From: from, To: to, GroupBy: groupBy})
		},
	}, {
		name: "satisfaction", title: "Satisfaction report", tmpl: "admin_reports_satisfaction", groupBys: report.SatisfactionGroupBys,
		check: func(from, to time.Time, groupBy string) error {
			q := report.SatisfactionQuery{From: from, To: to, GroupBy: groupBy}
			return q.Check()
		},
		run: func(ctx context.Context, ac *user.Actor, from, to time.Time, groupBy string) (csvReport, error) {
			return a.Reports.Satisfaction(ctx, ac, report.SatisfactionQuery{From: from, To: to, GroupBy: groupBy})
		},
	}}
}

// reportPage is a report's page.
type reportPage struct {
	adminFrame
	Name                 string
	From, Until, GroupBy string // the form as submitted; Until is included
	GroupBys             []string
	Targets              []string
	Errors               map[string]string
	Report               csvReport
	CSVURL               string
}

func (a *Agent) adminReportRoutes(mux web.Router) {
	mux.Handle("GET /admin/reports", a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/admin/reports/sla", http.StatusSeeOther)
		return nil
	}))
	for _, d := range a.reportDefs() {
		mux.Handle("GET /admin/reports/"+d.name, a.page(a.reportPage(d)))
		mux.Handle("GET /admin/reports/"+d.name+".csv", a.page(a.reportCSV(d)))
	}
}

// reportFrame is the administration frame for admins, and for agents a
// frame with the reports alone.
func (a *Agent) reportFrame(w http.ResponseWriter, r *http.Request, rq *request, title string) adminFrame {
	f := a.adminFrame(w, r, rq, title, "reports")
	if !rq.actor.IsAdmin() {
		f.Sections = []navItem{{Key: "reports", Label: "Reports", URL: "/admin/reports/sla"}}
	}
	return f
}

// reportForm reads the period (from and until, whole UTC days, until
// included; the last 30 days by default) and the grouping, and returns
// them as [from, to).
func reportForm(r *http.Request, d reportDef) (p reportPage, from, to time.Time, ok bool) {
	q := r.URL.Query()
	p = reportPage{Name: d.name, From: q.Get("from"), Until: q.Get("until"), GroupBy: q.Get("group_by"), Errors: map[string]string{},
		GroupBys: d.groupBys, Targets: d.targets}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if p.From == "" && p.Until == "" {
		p.From, p.Until = today.AddDate(0, 0, -29).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	if p.GroupBy == "" {
		p.GroupBy = d.groupBys[0]
	}
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", p.From, &from}, {"until", p.Until, &to}} {
		day, err := time.Parse(time.DateOnly, f.v)
		if err != nil {
			p.Errors[f.name] = "Enter a date such as 2026-03-31."
		}
		*f.dst = day
	}
	to = to.AddDate(0, 0, 1)
	if len(p.Errors) == 0 {
		if err := d.check(from, to, p.GroupBy); err != nil {
			m := map[string]string{}
			fieldErrors(err, m)
			for k, v := range m {
				if k == "to" {
					k, v = "until", "Must not be before the first day."
				}
				p.Errors[k] = v
			}
		}
	}
	return p, from, to, len(p.Errors) == 0
}

func (a *Agent) reportPage(d reportDef) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if !rq.actor.IsAgent() {
			return fault.ErrNotFound
		}
		p, from, to, ok := reportForm(r, d)
		status := http.StatusOK
		if ok {
			rep, err := d.run(r.Context(), rq.actor, from, to, p.GroupBy)
			if err != nil {
				return err
			}
			p.Report = rep
			p.CSVURL = "/admin/reports/" + d.name + ".csv?" + url.Values{"from": {p.From}, "until": {p.Until}, "group_by": {p.GroupBy}}.Encode()
		} else {
			status = http.StatusUnprocessableEntity
		}
		p.adminFrame = a.reportFrame(w, r, rq, d.title)
		return a.tmpl.Render(w, status, d.tmpl, p)
	}
}

func (a *Agent) reportCSV(d reportDef) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		if !rq.actor.IsAgent() {
			return fault.ErrNotFound
		}
		p, from, to, ok := reportForm(r, d)
		if !ok {
			return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "Correct the period on the report page first."}
		}
		rep, err := d.run(r.Context(), rq.actor, from, to, p.GroupBy)
		if err != nil {
			return err
		}
		return web.CSVDownload(w, d.name+"-"+p.GroupBy+"-"+p.From+"-"+p.Until+".csv", rep.WriteCSV)
	}
}
