package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type slaMeasureJSON struct {
	Measured   int      `json:"measured"`
	Met        int      `json:"met"`
	Breached   int      `json:"breached"`
	Compliance *float64 `json:"compliance"` // percent, null when nothing was measured
}

type slaGroupJSON struct {
	Key     string                    `json:"key"`
	Name    string                    `json:"name"`
	Targets map[string]slaMeasureJSON `json:"targets"`
}

type slaReportJSON struct {
	From    time.Time      `json:"from"`
	To      time.Time      `json:"to"`
	GroupBy string         `json:"group_by"`
	Groups  []slaGroupJSON `json:"groups"`
	Total   slaGroupJSON   `json:"total"`
}

func toSLAGroupJSON(g *report.SLAGroup) slaGroupJSON {
	j := slaGroupJSON{Key: g.Key, Name: g.Name, Targets: map[string]slaMeasureJSON{}}
	for t, m := range g.Targets {
		j.Targets[t] = slaMeasureJSON{m.Measured, m.Met, m.Breached, m.Compliance}
	}
	return j
}

// slaReport answers GET /api/v1/reports/sla?from=&to=&group_by=&format=:
// SLA compliance per group and target for [from, to), as JSON or, with
// format=csv, as a CSV download. Agents and admins; requesters get a 404.
func (a *API) slaReport(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAgent() {
		return fault.ErrNotFound
	}
	qs := r.URL.Query()
	q, err := report.ParseSLAQuery(qs.Get("from"), qs.Get("to"), qs.Get("group_by"))
	format, err := reportFormat(r, err)
	if err != nil {
		return err
	}
	rep, err := a.Reports.SLA(r.Context(), actor, q)
	if err != nil {
		return err
	}
	if format == "csv" {
		return web.CSVDownload(w, "sla-"+q.GroupBy+"-"+q.From.UTC().Format("20060102")+"-"+q.To.UTC().Format("20060102")+".csv", rep.WriteCSV)
	}
	out := slaReportJSON{From: q.From.UTC(), To: q.To.UTC(), GroupBy: q.GroupBy, Groups: []slaGroupJSON{}, Total: toSLAGroupJSON(rep.Total)}
	for _, g := range rep.Groups {
		out.Groups = append(out.Groups, toSLAGroupJSON(g))
	}
	return web.JSON(w, http.StatusOK, out)
}

// reportFormat checks a report's format parameter (json, the default, or
// csv) and answers it with the query's own field errors, all at once.
func reportFormat(r *http.Request, queryErr error) (string, error) {
	format := r.URL.Query().Get("format")
	inv := &fault.Invalid{}
	if qe := (*fault.Invalid)(nil); errors.As(queryErr, &qe) {
		inv.Fields = append(inv.Fields, qe.Fields...)
	} else if queryErr != nil {
		return "", queryErr
	}
	if format != "" && format != "json" && format != "csv" {
		inv.Add("format", "must be json or csv")
	}
	return format, inv.Err()
}
