package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Job is a unit of background work (sending a notification, say) as the
// runner sees it. State is available, running, retryable (waiting for its
// next attempt at RunAt), completed, failed or cancelled.
type Job struct {
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

// JobFilter narrows ListJobs.
type JobFilter struct {
	State string
	Kind  string
	ListOptions
}

// ListJobs returns a page of jobs, newest first (admins only).
func (c *Client) ListJobs(ctx context.Context, f JobFilter) (*Page[Job], error) {
	v := f.ListOptions.values()
	if f.State != "" {
		v.Set("state", f.State)
	}
	if f.Kind != "" {
		v.Set("kind", f.Kind)
	}
	var p Page[Job]
	if _, err := c.Do(ctx, http.MethodGet, withQuery("/api/v1/jobs", v), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// GetJob returns job id (admins only).
func (c *Client) GetJob(ctx context.Context, id int64) (*Job, error) {
	return c.job(ctx, http.MethodGet, idPath("/api/v1/jobs", id))
}

// RetryJob makes a failed, cancelled or waiting job run now (a failed one
// with a fresh set of attempts) and returns it; a running or completed job
// is a 409.
func (c *Client) RetryJob(ctx context.Context, id int64, opts ...Option) (*Job, error) {
	return c.job(ctx, http.MethodPost, idPath("/api/v1/jobs", id)+"/retry", opts...)
}

// CancelJob stops a job that has not started and returns it; a job that
// has started or finished is a 409.
func (c *Client) CancelJob(ctx context.Context, id int64, opts ...Option) (*Job, error) {
	return c.job(ctx, http.MethodPost, idPath("/api/v1/jobs", id)+"/cancel", opts...)
}

func (c *Client) job(ctx context.Context, method, path string, opts ...Option) (*Job, error) {
	var j Job
	if _, err := c.Do(ctx, method, path, nil, &j, opts...); err != nil {
		return nil, err
	}
	return &j, nil
}

// JobCount is the number of jobs of one kind in one state.
type JobCount struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
	Count int64  `json:"count"`
}

// JobStats are the job counts, and whether the instance that answered is
// the leader (it queues periodic jobs and rescues those of stopped runners).
type JobStats struct {
	Leader bool `json:"leader"`
	// ByState has every state, zero included.
	ByState map[string]int64 `json:"by_state"`
	Counts  []JobCount       `json:"counts"`
}

// JobStats counts jobs by kind and state (admins only).
func (c *Client) JobStats(ctx context.Context) (*JobStats, error) {
	var s JobStats
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/jobs/stats", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
