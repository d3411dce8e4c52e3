package agent

import (
	"net/http"
	"net/url"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/web"
)

// The satisfaction report page: Admin → Reports → Satisfaction, for
// agents and admins like the SLA report: CSAT per agent, team or period,
// over the tickets each reader may see.

type satisfactionReportPage struct {
	adminFrame
	reportPeriod
	GroupBy  string
	GroupBys []string
	Report   *report.SatisfactionReport
	CSVURL   string
}

// satisfactionReportForm reads the period and the grouping.
func satisfactionReportForm(r *http.Request) (satisfactionReportPage, report.SatisfactionQuery, bool) {
	p := satisfactionReportPage{GroupBy: r.URL.Query().Get("group_by"), GroupBys: report.SatisfactionGroupBys}
	var q report.SatisfactionQuery
	q.From, q.To = readPeriod(r, &p.reportPeriod)
	if p.GroupBy == "" {
		p.GroupBy = "agent"
	}
	q.GroupBy = p.GroupBy
	return p, q, p.checked(q.Check)
}

func (a *Agent) satisfactionReport(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.actor.IsAgent() {
		return fault.ErrNotFound
	}
	p, q, ok := satisfactionReportForm(r)
	status := http.StatusOK
	if ok {
		rep, err := a.Reports.Satisfaction(r.Context(), rq.actor, q)
		if err != nil {
			return err
		}
		p.Report = rep
		p.CSVURL = "/admin/reports/satisfaction.csv?" + url.Values{"from": {p.From}, "until": {p.Until}, "group_by": {p.GroupBy}}.Encode()
	} else {
		status = http.StatusUnprocessableEntity
	}
	p.adminFrame = a.reportFrame(w, r, rq, "Satisfaction report")
	return a.tmpl.Render(w, status, "admin_reports_satisfaction", p)
}

func (a *Agent) satisfactionReportCSV(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.actor.IsAgent() {
		return fault.ErrNotFound
	}
	p, q, ok := satisfactionReportForm(r)
	if !ok {
		return &web.StatusError{Status: http.StatusUnprocessableEntity, Detail: "Correct the period on the report page first."}
	}
	rep, err := a.Reports.Satisfaction(r.Context(), rq.actor, q)
	if err != nil {
		return err
	}
	return web.CSVDownload(w, "satisfaction-"+p.GroupBy+"-"+p.From+"-"+p.Until+".csv", rep.WriteCSV)
}
