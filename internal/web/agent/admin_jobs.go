package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/web"
)

// adminJobRoutes registers the background jobs page: what the runner did
// and is doing, with Retry and Cancel.
func (a *Agent) adminJobRoutes(mux web.Router) {
	mux.Handle("GET /admin/jobs", a.admin(a.adminJobs))
	mux.Handle("POST /admin/jobs/{id}/retry", a.admin(a.adminRetryJob))
	mux.Handle("POST /admin/jobs/{id}/cancel", a.admin(a.adminCancelJob))
}

// jobStateLabels are the words the page uses for the job states.
var jobStateLabels = map[string]string{job.Available: "Available", job.Running: "Running", job.Retryable: "Waiting to retry",
	job.Completed: "Completed", job.Failed: "Failed", job.Cancelled: "Cancelled"}

func jobStateLabel(state string) string {
	if l, ok := jobStateLabels[state]; ok {
		return l
	}
	return state
}

// jobsFilter is what the jobs page shows: a state, a kind and the keyset
// cursor (jobs older than After).
type jobsFilter struct {
	State, Kind string
	After       int64
}

func jobsFilterOf(q url.Values) jobsFilter {
	f := jobsFilter{State: q.Get("state"), Kind: q.Get("kind")}
	if !slices.Contains(job.States, f.State) {
		f.State = ""
	}
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	f.After = max(f.After, 0)
	return f
}

// url is the page's address for f; after moves the cursor (0: first page).
func (f jobsFilter) url(after int64) string {
	q := url.Values{}
	if f.State != "" {
		q.Set("state", f.State)
	}
	if f.Kind != "" {
		q.Set("kind", f.Kind)
	}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	if len(q) == 0 {
		return "/admin/jobs"
	}
	return "/admin/jobs?" + q.Encode()
}

type adminJobsPage struct {
	adminFrame
	Filter jobsFilter
	// Back is this page's address, sent with Retry and Cancel so the page
	// comes back as it was.
	Back   string
	Counts []jobStateCount
	Total  int64
	Kinds  []string
	Leader bool
	AllURL string // every state, the same kind
	Jobs   []adminJobRow
	// Error says why Retry or Cancel was refused.
	Error             string
	NextURL, FirstURL string
}

type jobStateCount struct {
	Key, Label, URL string
	Count           int64
}

type adminJobRow struct {
	job.Job
	StateLabel string
	ArgsText   string
	// ErrorSummary is the start of LastError's first line; LongError is
	// set when that is not all of it.
	ErrorSummary string
	LongError    bool
	// Due says when a job that waits runs next ("in 5m"), or "now".
	Due       string
	CanRetry  bool
	RetryText string
	CanCancel bool
}

func (a *Agent) adminJobs(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.renderJobs(w, r, rq, http.StatusOK, jobsFilterOf(r.URL.Query()), "")
}

func (a *Agent) renderJobs(w http.ResponseWriter, r *http.Request, rq *request, status int, f jobsFilter, problem string) error {
	ctx := r.Context()
	counts, err := a.Jobs.Counts(ctx)
	if err != nil {
		return err
	}
	p := adminJobsPage{Filter: f, Error: problem, Leader: a.Runner != nil && a.Runner.Leader()}
	byState := map[string]int64{}
	kinds := map[string]bool{}
	for _, c := range counts {
		kinds[c.Kind] = true
		if f.Kind == "" || c.Kind == f.Kind { // the counts are of the kind shown
			byState[c.State] += c.N
			p.Total += c.N
		}
	}
	for _, s := range job.States {
		p.Counts = append(p.Counts, jobStateCount{Key: s, Label: jobStateLabel(s), Count: byState[s],
			URL: jobsFilter{State: s, Kind: f.Kind}.url(0)})
	}
	if f.Kind != "" {
		kinds[f.Kind] = true // keep a filter on a kind with no jobs left
	}
	for k := range kinds {
		p.Kinds = append(p.Kinds, k)
	}
	sort.Strings(p.Kinds)
	js, err := a.Jobs.List(ctx, job.Filter{State: f.State, Kind: f.Kind, Before: f.After, Limit: adminPageSize + 1})
	if err != nil {
		return err
	}
	if len(js) > adminPageSize {
		js = js[:adminPageSize]
		p.NextURL = f.url(js[len(js)-1].ID)
	}
	if f.After > 0 {
		p.FirstURL = f.url(0)
	}
	now := time.Now()
	for _, j := range js {
		p.Jobs = append(p.Jobs, jobRow(j, now))
	}
	p.Back, p.AllURL = f.url(f.After), jobsFilter{Kind: f.Kind}.url(0)
	p.adminFrame = a.adminFrame(w, r, rq, "Jobs", "jobs")
	return a.tmpl.Render(w, status, "admin_jobs", p)
}

// jobRow decides what the page says about j and which buttons it gets:
// the same rules job.Queue enforces, so a button that shows works unless
// the job moved on meanwhile.
func jobRow(j job.Job, now time.Time) adminJobRow {
	row := adminJobRow{Job: j, StateLabel: jobStateLabel(j.State), ArgsText: string(j.Args)}
	row.ErrorSummary = firstLineCut(j.LastError, 140)
	row.LongError = row.ErrorSummary != j.LastError
	waiting := j.State == job.Available || j.State == job.Retryable
	if waiting {
		row.Due = "now"
		if d := j.RunAt.Sub(now); d >= time.Minute {
			row.Due = "in " + shortDuration(d)
		}
	}
	switch {
	case j.State == job.Failed || j.State == job.Cancelled:
		row.CanRetry, row.RetryText = true, "Retry"
	case waiting && row.Due != "now":
		row.CanRetry, row.RetryText = true, "Run now"
	}
	row.CanCancel = waiting
	return row
}

// firstLineCut is s's first line, cut to at most n characters (with an
// ellipsis when cut).
func firstLineCut(s string, n int) string {
	line, _, more := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	if more {
		return line + " …"
	}
	return line
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func (a *Agent) adminRetryJob(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.changeJob(w, r, rq, a.Jobs.RetryNow, "Job %d (%s) will run now.")
}

func (a *Agent) adminCancelJob(w http.ResponseWriter, r *http.Request, rq *request) error {
	return a.changeJob(w, r, rq, a.Jobs.Cancel, "Job %d (%s) is cancelled; it will not run.")
}

// changeJob retries or cancels a job and goes back to the list as it was.
// A job that moved on since the page was drawn (it ran meanwhile) is
// refused with the reason, above the list as it is now.
func (a *Agent) changeJob(w http.ResponseWriter, r *http.Request, rq *request, change func(ctx context.Context, id int64) error, done string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// Only the filter is taken from back, never a place to redirect to.
	var f jobsFilter
	if u, err := url.Parse(r.PostFormValue("back")); err == nil {
		f = jobsFilterOf(u.Query())
	}
	if err := change(r.Context(), id); err != nil {
		if !errors.Is(err, fault.ErrConflict) {
			return err
		}
		return a.renderJobs(w, r, rq, http.StatusConflict, f, fmt.Sprintf("Job %d: %s.", id, fault.Detail(err)))
	}
	j, err := a.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	a.site.Flash(w, fmt.Sprintf(done, id, j.Kind))
	http.Redirect(w, r, f.url(f.After), http.StatusSeeOther)
	return nil
}
