package agent

import (
	"net/http"
	"net/url"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/web"
)

// The SLA report page: Admin → Reports → SLA. Team leads are agents, so
// agents open it too (with only this section of the administration); the
// report counts the tickets each reader may see.

type slaReportPage struct {
	adminFrame
	reportPeriod
	GroupBy  string
	GroupBys []string
	Targets  []string
	Report   *report.SLAReport
	CSVURL   string
}

func (a *Agent) adminReportRoutes(mux web.Router) {
	mux.Handle("GET /admin/reports", a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/admin/reports/sla", http.StatusSeeOther)
		return nil
	}))
	mux.Handle("GET /admin/reports/sla", a.page(a.slaReport))
	mux.Handle("GET /admin/reports/sla.csv", a.page(a.slaReportCSV))
	mux.Handle("GET /admin/reports/satisfaction", a.page(a.satisfactionReport))
	mux.Handle("GET /admin/reports/satisfaction.csv", a.page(a.satisfactionReportCSV))
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

// reportPeriod is a report form's period as typed: whole UTC days, Until
// included (the last 30 days by default), and the form's errors.
type reportPeriod struct {
	From, Until string
	Errors      map[string]string
}

// readPeriod reads the period of a report form into p and returns it as
// [from, to).
func readPeriod(r *http.Request, p *reportPeriod) (from, to time.Time) {
	q := r.URL.Query()
	p.From, p.Until, p.Errors = q.Get("from"), q.Get("until"), map[string]string{}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if p.From == "" && p.Until == "" {
		p.From, p.Until = today.AddDate(0, 0, -29).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", p.From, &from}, {"until", p.Until, &to}} {
		d, err := time.Parse(time.DateOnly, f.v)
		if err != nil {
			p.Errors[f.name] = "Enter a date such as 2026-03-31."
		}
		*f.dst = d
	}
	return from, to.AddDate(0, 0, 1)
}

// checked adds the errors of the query's check to the form's, the period's
// end as the form names it.
func (p *reportPeriod) checked(check func() error) bool {
	if len(p.Errors) == 0 {
		if err := check(); err != nil {
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
	return len(p.Errors) == 0
}

// slaReportForm reads the period and the grouping.
func slaReportForm(r *http.Request) (slaReportPage, report.SLAQuery, bool) {
	p := slaReportPage{GroupBy: r.URL.Query().Get("group_by"), GroupBys: report.GroupBys, Targets: report.Targets}
	var sq report.SLAQuery
	sq.From, sq.To = readPeriod(r, &p.reportPeriod)
	if p.GroupBy == "" {
		p.GroupBy = "policy"
	}
	sq.GroupBy = p.GroupBy
	return p, sq, p.checked(sq.Check)
}

func (a *Agent) slaReport(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.actor.IsAgent() {
		return fault.ErrNotFound
	}
	p, sq, ok := slaReportForm(r)
	status := http.StatusOK
	if ok {
		rep, err := a.Reports.SLA(r.Context(), rq.actor, sq)
		if err != nil {
			return err
		}
		p.Report = rep
		p.CSVURL = "/admin/reports/sla.csv?" + url.Values{"from": {p.From}, "until": {p.Until}, "group_by": {p.GroupBy}}.Encode()
	} else {
		status = http.StatusUnprocessableEntity
	}
	p.adminFrame = a.reportFrame(w, r, rq, "SLA report")
	return a.tmpl.Render(w, status, "admin_reports_sla", p)
}

func (a *Agent) slaReportCSV(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.actor.IsAgent() {
		return fault.ErrNotFound
	}
	p, sq, ok := slaReportForm(r)
	if !ok {
		return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "Correct the period on the report page first."}
	}
	rep, err := a.Reports.SLA(r.Context(), rq.actor, sq)
	if err != nil {
		return err
	}
	return web.CSVDownload(w, "sla-"+p.GroupBy+"-"+p.From+"-"+p.Until+".csv", rep.WriteCSV)
}
