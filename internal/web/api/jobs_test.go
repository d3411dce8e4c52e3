package api_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docket/docket/client"
	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/user"
)

// jobKindsForTests gives s a runner of the job kinds the job tests use
// alone (the periodic maintenance jobs of its own runner would add to the
// lists and counts): test.ok completes, test.flaky fails for good on its
// first run and completes on any later one. Any other kind has no handler
// here, so its jobs stay where they are put.
func jobKindsForTests(s *app.Services) {
	s.Runner = job.NewRunner(s.Jobs, s.Leases, job.Options{})
	s.Runner.Register("test.ok", job.Kind{Handler: func(context.Context, *job.Job) error { return nil }})
	var runs atomic.Int32
	s.Runner.Register("test.flaky", job.Kind{Handler: func(context.Context, *job.Job) error {
		if runs.Add(1) == 1 {
			return job.Permanent(errors.New(`smtp: 550 <b>mailbox</b> "unavailable"`))
		}
		return nil
	}})
}

// newJobsFixture is a fixture whose runner knows the test job kinds.
func newJobsFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	e := apptest.ServerWith(t, d, jobKindsForTests)
	f := &fixture{Env: e, admin: e.Client}
	f.agent = apptest.User(t, e.Services, user.RoleAgent, "")
	f.agentC = e.ClientFor(t, f.agent)
	f.requester = apptest.User(t, e.Services, user.RoleRequester, "")
	f.reqC = e.ClientFor(t, f.requester)
	return f
}

func insertJob(t *testing.T, s *app.Services, n job.New) int64 {
	t.Helper()
	id, err := s.Jobs.InsertNow(context.Background(), n)
	if err != nil || id == 0 {
		t.Fatalf("insert job %s: %d %v", n.Kind, id, err)
	}
	return id
}

// waitJob polls the API until job id is in state.
func waitJob(t *testing.T, c *client.Client, id int64, state string) *client.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := c.GetJob(t.Context(), id)
		check(t, err)
		if j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s, want %s", id, j.State, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func jobIDs(js []client.Job) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

// testJobs keeps the jobs of the test kinds.
func testJobs(js []client.Job) []client.Job {
	var out []client.Job
	for _, j := range js {
		if strings.HasPrefix(j.Kind, "test.") {
			out = append(out, j)
		}
	}
	return out
}

func TestJobsListFilterAndPage(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newJobsFixture(t, d)
		ctx := t.Context()
		ok := insertJob(t, f.Services, job.New{Kind: "test.ok", Args: map[string]any{"ticket": 7}})
		flaky := insertJob(t, f.Services, job.New{Kind: "test.flaky", MaxAttempts: 3})
		var idle []int64
		for range 5 {
			idle = append(idle, insertJob(t, f.Services, job.New{Kind: "test.idle", UniqueKey: uniqueEmail("key")}))
		}
		done := waitJob(t, f.admin, ok, job.Completed)
		if string(done.Args) != `{"ticket":7}` || done.Kind != "test.ok" || done.Attempt != 1 || done.MaxAttempts != 10 ||
			done.FinishedAt == nil || done.LastError != nil || done.CreatedAt.IsZero() || done.RunAt.IsZero() {
			t.Fatalf("completed job = %+v", done)
		}
		failed := waitJob(t, f.admin, flaky, job.Failed)
		if failed.LastError == nil || !strings.Contains(*failed.LastError, `<b>mailbox</b> "unavailable"`) || failed.MaxAttempts != 3 {
			t.Fatalf("failed job = %+v", failed)
		}

		// Newest first; the filters narrow it. (Jobs of Docket's own kinds
		// may be queued too: only the test's are compared.)
		all, err := f.admin.ListJobs(ctx, client.JobFilter{})
		check(t, err)
		want := append([]int64{}, idle...)
		slices.Reverse(want)
		want = append(want, flaky, ok)
		if got := jobIDs(testJobs(all.Items)); !slices.Equal(got, want) || all.NextCursor != nil {
			t.Fatalf("all jobs = %v (next %s), want %v", got, str(all.NextCursor), want)
		}
		if first := testJobs(all.Items)[0]; first.UniqueKey == nil || first.State != job.Available {
			t.Fatalf("idle job = %+v", first)
		}
		for _, c := range []struct {
			filter client.JobFilter
			want   []int64
		}{
			{client.JobFilter{State: job.Failed}, []int64{flaky}},
			{client.JobFilter{State: job.Completed}, []int64{ok}},
			{client.JobFilter{Kind: "test.ok"}, []int64{ok}},
			{client.JobFilter{Kind: "test.idle", State: job.Failed}, []int64{}},
			{client.JobFilter{Kind: "nothing.like.it"}, []int64{}},
		} {
			p, err := f.admin.ListJobs(ctx, c.filter)
			check(t, err)
			if got := jobIDs(p.Items); !slices.Equal(got, c.want) {
				t.Errorf("jobs %+v = %v, want %v", c.filter, got, c.want)
			}
		}

		// The cursor walks the list in pages, each job once.
		var walked []int64
		opts := client.JobFilter{Kind: "test.idle", State: job.Available, ListOptions: client.ListOptions{Limit: 2}}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("the cursor does not end")
			}
			p, err := f.admin.ListJobs(ctx, opts)
			check(t, err)
			if len(p.Items) > 2 {
				t.Fatalf("a page of %d, limit 2", len(p.Items))
			}
			walked = append(walked, jobIDs(p.Items)...)
			if p.NextCursor == nil {
				break
			}
			opts.Cursor = *p.NextCursor
		}
		if want := want[:5]; !slices.Equal(walked, want) {
			t.Fatalf("paged = %v, want %v", walked, want)
		}
		// A full page of 200 plus one more still pages (List's own cap
		// used to cut it to 50).
		p, err := f.admin.ListJobs(ctx, client.JobFilter{ListOptions: client.ListOptions{Limit: 200}})
		check(t, err)
		if len(testJobs(p.Items)) != 7 || p.NextCursor != nil {
			t.Fatalf("limit 200: %d jobs, next %s", len(p.Items), str(p.NextCursor))
		}

		// Bad parameters are 422s naming the field.
		_, err = f.admin.ListJobs(ctx, client.JobFilter{State: "exploded"})
		wantField(t, err, "state")
		if !strings.Contains(client.FieldErrorFor(err, "state"), "failed") {
			t.Errorf("the state error does not list the states: %v", err)
		}
		_, err = f.admin.ListJobs(ctx, client.JobFilter{ListOptions: client.ListOptions{Limit: 201}})
		wantField(t, err, "limit")
		_, err = f.admin.ListJobs(ctx, client.JobFilter{ListOptions: client.ListOptions{Cursor: "bm90LWEtam9i"}})
		wantField(t, err, "cursor")
		// A cursor of another list is not one of this list.
		users, err := f.admin.ListUsers(ctx, client.UserFilter{ListOptions: client.ListOptions{Limit: 1}})
		check(t, err)
		_, err = f.admin.ListJobs(ctx, client.JobFilter{ListOptions: client.ListOptions{Cursor: *users.NextCursor}})
		wantField(t, err, "cursor")
	})
}

func TestJobsRetryCancelAndStats(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newJobsFixture(t, d)
		ctx := t.Context()
		flaky := insertJob(t, f.Services, job.New{Kind: "test.flaky"})
		idle := insertJob(t, f.Services, job.New{Kind: "test.idle"})
		later := insertJob(t, f.Services, job.New{Kind: "test.ok", RunAt: time.Now().Add(time.Hour)})
		failed := waitJob(t, f.admin, flaky, job.Failed)

		// A failed job retried runs again, with fresh attempts, and this
		// time completes.
		j, err := f.admin.RetryJob(ctx, flaky)
		check(t, err)
		if j.ID != flaky || j.State == job.Failed || j.FinishedAt != nil && j.State != job.Completed {
			t.Fatalf("retried job = %+v", j)
		}
		done := waitJob(t, f.admin, flaky, job.Completed)
		if done.Attempt != 1 || failed.Attempt != 1 {
			t.Fatalf("attempts: %d after failing, %d after the retry; want 1 and 1 (fresh)", failed.Attempt, done.Attempt)
		}
		// Nothing left to retry or cancel once it completed: 409 problem+json.
		for name, call := range map[string]func(context.Context, int64, ...client.Option) (*client.Job, error){
			"retry": f.admin.RetryJob, "cancel": f.admin.CancelJob} {
			_, err := call(ctx, flaky)
			e := wantStatus(t, err, http.StatusConflict)
			if !strings.HasPrefix(e.Header.Get("Content-Type"), "application/problem+json") || e.Detail == "" {
				t.Errorf("%s a completed job: %+v (%s)", name, e, e.Header.Get("Content-Type"))
			}
			if _, err := call(ctx, 987654); client.StatusOf(err) != http.StatusNotFound {
				t.Errorf("%s a missing job: %v, want 404", name, err)
			}
		}

		// A job that has not started can be cancelled, once; a cancelled
		// job can be retried.
		j, err = f.admin.CancelJob(ctx, idle)
		check(t, err)
		if j.State != job.Cancelled || j.FinishedAt == nil {
			t.Fatalf("cancelled job = %+v", j)
		}
		_, err = f.admin.CancelJob(ctx, idle)
		wantStatus(t, err, http.StatusConflict)
		if j, err = f.admin.RetryJob(ctx, idle); err != nil || j.State != job.Available {
			t.Fatalf("retry a cancelled job: %+v %v", j, err)
		}
		// A job waiting for its time runs now when retried.
		if j, err := f.admin.GetJob(ctx, later); err != nil || j.State != job.Available || j.RunAt.Before(time.Now().Add(time.Minute)) {
			t.Fatalf("scheduled job = %+v %v", j, err)
		}
		_, err = f.admin.RetryJob(ctx, later)
		check(t, err)
		waitJob(t, f.admin, later, job.Completed)

		if _, err := f.admin.GetJob(ctx, 987654); client.StatusOf(err) != http.StatusNotFound {
			t.Errorf("get a missing job: %v", err)
		}
		if r := raw(t, f.URL, "", "GET", "/api/v1/jobs/abc", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", r.status)
		}

		// The stats count every state, and this lone instance leads.
		deadline := time.Now().Add(10 * time.Second)
		var st *client.JobStats
		for {
			st, err = f.admin.JobStats(ctx)
			check(t, err)
			if st.Leader || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !st.Leader || len(st.ByState) != 6 {
			t.Fatalf("stats = %+v", st)
		}
		sums := map[string]int64{}
		var counts []client.JobCount
		for _, c := range st.Counts {
			sums[c.State] += c.Count
			if strings.HasPrefix(c.Kind, "test.") {
				counts = append(counts, c)
			}
		}
		for state, n := range st.ByState {
			if sums[state] != n {
				t.Errorf("by_state[%s] = %d, but the counts of that state add up to %d", state, n, sums[state])
			}
		}
		wantCounts := []client.JobCount{{Kind: "test.flaky", State: job.Completed, Count: 1},
			{Kind: "test.idle", State: job.Available, Count: 1}, {Kind: "test.ok", State: job.Completed, Count: 1}}
		if !slices.Equal(counts, wantCounts) {
			t.Fatalf("counts = %+v, want %+v", counts, wantCounts)
		}
	})
}

func TestJobsAreForAdmins(t *testing.T) {
	t.Parallel()
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		f := newJobsFixture(t, d)
		ctx := t.Context()
		idle := insertJob(t, f.Services, job.New{Kind: "test.idle"})
		for who, c := range map[string]*client.Client{"agent": f.agentC, "requester": f.reqC} {
			_, err := c.ListJobs(ctx, client.JobFilter{})
			wantStatus(t, err, http.StatusForbidden)
			_, err = c.GetJob(ctx, idle)
			wantStatus(t, err, http.StatusForbidden)
			_, err = c.JobStats(ctx)
			wantStatus(t, err, http.StatusForbidden)
			_, err = c.CancelJob(ctx, idle)
			e := wantStatus(t, err, http.StatusForbidden)
			if !strings.HasPrefix(e.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %s", who, e.Header.Get("Content-Type"))
			}
			_, err = c.RetryJob(ctx, idle)
			wantStatus(t, err, http.StatusForbidden)
		}
		if j, err := f.admin.GetJob(ctx, idle); err != nil || j.State != job.Available {
			t.Fatalf("after refused requests: %+v %v", j, err)
		}
		// A read-only admin token reads jobs but changes none.
		ro, err := f.admin.CreateToken(ctx, client.NewToken{Name: "jobs reader", Scopes: []string{client.ScopeRead}})
		check(t, err)
		c := f.ClientWith(ro.Token)
		if _, err := c.ListJobs(ctx, client.JobFilter{}); err != nil {
			t.Fatal(err)
		}
		_, err = c.CancelJob(ctx, idle)
		wantStatus(t, err, http.StatusForbidden)
	})
}
