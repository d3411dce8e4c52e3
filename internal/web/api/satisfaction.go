package api

import (
	"net/http"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/report"
	"github.com/docket/docket/internal/satisfaction"
	"github.com/docket/docket/internal/ticket"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

// satisfactionJSON is a ticket's satisfaction rating in ticket JSON (null
// when it has none).
type satisfactionJSON struct {
	Scale           satisfaction.Scale `json:"scale"`
	Score           string             `json:"score"`
	Label           string             `json:"label"`
	Sentiment       string             `json:"sentiment"`
	Comment         string             `json:"comment"`
	RatedAt         time.Time          `json:"rated_at"`
	CreatedAt       time.Time          `json:"created_at"`
	ChangeableUntil time.Time          `json:"changeable_until"`
}

func toSatisfactionJSON(r *satisfaction.Rating) *satisfactionJSON {
	return &satisfactionJSON{Scale: r.Scale, Score: r.Score, Label: r.Label(), Sentiment: satisfaction.SentimentName(r.Sentiment),
		Comment: r.Comment, RatedAt: r.RatedAt, CreatedAt: r.CreatedAt, ChangeableUntil: r.ChangeableUntil()}
}

// withSatisfaction fills in the tickets' ratings, in one query. The
// tickets are the ones actor may see.
func (a *API) withSatisfaction(r *http.Request, ts []*ticket.Ticket, js []*ticketJSON) error {
	if a.Satisfaction == nil || len(ts) == 0 {
		return nil
	}
	// Only rated tickets have a rating: a page of none reads none.
	var ids []int64
	for _, t := range ts {
		if t.Rated {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	m, err := a.Satisfaction.ForTickets(r.Context(), ids)
	if err != nil {
		return err
	}
	for i, t := range ts {
		if rt := m[t.ID]; rt != nil {
			js[i].Satisfaction = toSatisfactionJSON(rt)
		}
	}
	return nil
}

type csatJSON struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	Ratings  int      `json:"ratings"`
	Positive int      `json:"positive"`
	Neutral  int      `json:"neutral"`
	Negative int      `json:"negative"`
	CSAT     *float64 `json:"csat"` // percent, null without ratings
}

func toCSATJSON(g *report.CSATGroup) csatJSON {
	return csatJSON{Key: g.Key, Name: g.Name, Ratings: g.Ratings, Positive: g.Positive, Neutral: g.Neutral(), Negative: g.Negative, CSAT: g.Percent}
}

type satisfactionReportJSON struct {
	From    time.Time  `json:"from"`
	To      time.Time  `json:"to"`
	GroupBy string     `json:"group_by"`
	Groups  []csatJSON `json:"groups"`
	Total   csatJSON   `json:"total"`
}

// satisfactionReport answers GET /api/v1/reports/satisfaction?from=&to=&
// group_by=&format=: CSAT per agent, team or period for [from, to), as
// JSON or, with format=csv, a CSV download. Agents and admins; requesters
// get a 404.
func (a *API) satisfactionReport(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if !actor.IsAgent() {
		return fault.ErrNotFound
	}
	qs := r.URL.Query()
	q, err := report.ParseSatisfactionQuery(qs.Get("from"), qs.Get("to"), qs.Get("group_by"))
	format, err := reportFormat(r, err)
	if err != nil {
		return err
	}
	rep, err := a.Reports.Satisfaction(r.Context(), actor, q)
	if err != nil {
		return err
	}
	if format == "csv" {
		return web.CSVDownload(w, "satisfaction-"+q.GroupBy+"-"+q.From.UTC().Format("20060102")+"-"+q.To.UTC().Format("20060102")+".csv", rep.WriteCSV)
	}
	out := satisfactionReportJSON{From: q.From.UTC(), To: q.To.UTC(), GroupBy: q.GroupBy, Groups: []csatJSON{}, Total: toCSATJSON(rep.Total)}
	for _, g := range rep.Groups {
		out.Groups = append(out.Groups, toCSATJSON(g))
	}
	return web.JSON(w, http.StatusOK, out)
}
