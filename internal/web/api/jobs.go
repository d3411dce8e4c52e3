package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/user"
	"github.com/docket/docket/internal/web"
)

type jobJSON struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Args        json.RawMessage `json:"args"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at"`
	UniqueKey   *string         `json:"unique_key"`
	LastError   *string         `json:"last_error"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	FinishedAt  *time.Time      `json:"finished_at"`
}

func toJobJSON(j *job.Job) jobJSON {
	args := j.Args
	if !json.Valid(args) {
		args = json.RawMessage("null")
	}
	return jobJSON{ID: j.ID, Kind: j.Kind, Args: args, State: j.State, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		RunAt: j.RunAt, UniqueKey: strPtr(j.UniqueKey), LastError: strPtr(j.LastError), CreatedAt: j.CreatedAt,
		UpdatedAt: j.UpdatedAt, FinishedAt: j.FinishedAt}
}

func requireAdminForJobs(actor *user.Actor) error {
	if !actor.IsAdmin() {
		return fault.Forbidden("only admins manage background jobs")
	}
	return nil
}

// listJobs lists jobs newest first, by state and kind.
func (a *API) listJobs(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdminForJobs(actor); err != nil {
		return err
	}
	after, limit, err := page(r, "j")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state != "" && !slices.Contains(job.States, state) {
		return fault.Field("state", "must be one of %s", strings.Join(job.States, ", "))
	}
	js, err := a.Jobs.List(r.Context(), job.Filter{State: state, Kind: q.Get("kind"), Before: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	out := list[jobJSON]{Items: []jobJSON{}}
	if len(js) > limit {
		js = js[:limit]
		out.NextCursor = idCursor("j", js[len(js)-1].ID)
	}
	for i := range js {
		out.Items = append(out.Items, toJobJSON(&js[i]))
	}
	return web.JSON(w, http.StatusOK, out)
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdminForJobs(actor); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := a.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toJobJSON(j))
}

// retryJob makes a failed, cancelled or waiting job run now; 409 for a
// job that is running or completed.
func (a *API) retryJob(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	return a.changeJob(w, r, actor, a.Jobs.RetryNow)
}

// cancelJob stops a job that has not started; 409 once it has.
func (a *API) cancelJob(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	return a.changeJob(w, r, actor, a.Jobs.Cancel)
}

func (a *API) changeJob(w http.ResponseWriter, r *http.Request, actor *user.Actor, change func(ctx context.Context, id int64) error) error {
	if err := requireAdminForJobs(actor); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := change(r.Context(), id); err != nil {
		return err
	}
	j, err := a.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, toJobJSON(j))
}

type jobCountJSON struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	Count int64  `json:"count"`
}

type jobStatsJSON struct {
	// Leader: this instance queues periodic jobs and rescues the jobs of
	// stopped runners.
	Leader bool `json:"leader"`
	// ByState has every state, zero included.
	ByState map[string]int64 `json:"by_state"`
	Counts  []jobCountJSON   `json:"counts"`
}

// jobStats counts jobs by kind and state.
func (a *API) jobStats(w http.ResponseWriter, r *http.Request, actor *user.Actor) error {
	if err := requireAdminForJobs(actor); err != nil {
		return err
	}
	cs, err := a.Jobs.Counts(r.Context())
	if err != nil {
		return err
	}
	out := jobStatsJSON{Leader: a.Runner != nil && a.Runner.Leader(), ByState: map[string]int64{}, Counts: []jobCountJSON{}}
	for _, s := range job.States {
		out.ByState[s] = 0
	}
	for _, c := range cs {
		out.ByState[c.State] += c.N
		out.Counts = append(out.Counts, jobCountJSON{c.Kind, c.State, c.N})
	}
	slices.SortFunc(out.Counts, func(x, y jobCountJSON) int {
		if c := strings.Compare(x.Kind, y.Kind); c != 0 {
			return c
		}
		return slices.Index(job.States, x.State) - slices.Index(job.States, y.State)
	})
	return web.JSON(w, http.StatusOK, out)
}
