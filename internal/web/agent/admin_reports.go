package agent

import (
	"bytes"
	"mime"
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
	From, Until, GroupBy string // the form as submitted; Until is included
	GroupBys             []string
	Targets              []string
	Errors               map[string]string
	Report               *report.SLAReport
	CSVURL               string
}

func (a *Agent) adminReportRoutes(mux web.Router) {
	mux.Handle("GET /admin/reports", a.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/admin/reports/sla", http.StatusSeeOther)
		return nil
	}))
	mux.Handle("GET /admin/reports/sla", a.page(a.slaReport))
	mux.Handle("GET /admin/reports/sla.csv", a.page(a.slaReportCSV))
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

// slaReportForm reads the period (from and until, whole UTC days, until
// included; the last 30 days by default) and the grouping.
func slaReportForm(r *http.Request) (slaReportPage, report.SLAQuery, bool) {
	q := r.URL.Query()
	p := slaReportPage{From: q.Get("from"), Until: q.Get("until"), GroupBy: q.Get("group_by"), Errors: map[string]string{},
		GroupBys: report.GroupBys, Targets: report.Targets}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if p.From == "" && p.Until == "" {
		p.From, p.Until = today.AddDate(0, 0, -29).Format(time.DateOnly), today.Format(time.DateOnly)
	}
	if p.GroupBy == "" {
		p.GroupBy = "policy"
	}
	var sq report.SLAQuery
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", p.From, &sq.From}, {"until", p.Until, &sq.To}} {
		d, err := time.Parse(time.DateOnly, f.v)
		if err != nil {
			p.Errors[f.name] = "Enter a date such as 2026-03-31."
		}
		*f.dst = d
	}
	sq.To, sq.GroupBy = sq.To.AddDate(0, 0, 1), p.GroupBy
	if len(p.Errors) == 0 {
		if err := sq.Check(); err != nil {
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
	return p, sq, len(p.Errors) == 0
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
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "sla-" + p.GroupBy + "-" + p.From + "-" + p.Until + ".csv"}))
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(buf.Bytes())
	return err
}
