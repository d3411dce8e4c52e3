package agent_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/user"
)

// jobsServer is a server whose runner has test.flaky alone (the periodic
// maintenance jobs of the services' own runner would add to the counts):
// it fails for good on its first run, with an error holding markup, and
// completes on any later one. Jobs of other kinds stay where they are put.
func jobsServer(t *testing.T, d *db.DB) *apptest.Env {
	t.Helper()
	return apptest.ServerWith(t, d, func(s *app.Services) {
		s.Runner = job.NewRunner(s.Jobs, s.Leases, job.Options{})
		var runs atomic.Int32
		s.Runner.Register("test.flaky", job.Kind{Handler: func(context.Context, *job.Job) error {
			if runs.Add(1) == 1 {
				return job.Permanent(errors.New(`smtp: 550 <script>alert("x")</script> mailbox unavailable`))
			}
			return nil
		}})
	})
}

func waitJobState(t *testing.T, e *apptest.Env, id int64, state string) *job.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := e.Jobs.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == state {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s, want %s", id, j.State, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countOf(body, state string) string {
	m := regexp.MustCompile(`id="count-` + state + `"[^>]*><span class="n">(\d+)</span>`).FindStringSubmatch(body)
	if m == nil {
		return "missing"
	}
	return m[1]
}

func TestAdminJobs(t *testing.T) {
	apptest.ForEachDB(t, func(t *testing.T, d *db.DB) {
		e := jobsServer(t, d)
		ctx := context.Background()
		flaky, err := e.Jobs.InsertNow(ctx, job.New{Kind: "test.flaky", Args: map[string]int{"ticket": 42}})
		if err != nil {
			t.Fatal(err)
		}
		idle, err := e.Jobs.InsertNow(ctx, job.New{Kind: "test.idle"})
		if err != nil {
			t.Fatal(err)
		}
		waitJobState(t, e, flaky, job.Failed)
		b, _ := signIn(t, e, user.RoleAdmin)
		id := itoa

		code, body, _ := b.get("/admin/jobs")
		admExpect(t, "jobs page", code, body, http.StatusOK, `id="admin-jobs"`, `href="/admin/jobs" aria-current="page"`,
			`id="job-`+id(flaky)+`"`, `id="job-`+id(idle)+`"`, `{&#34;ticket&#34;:42}`,
			`smtp: 550 &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; mailbox unavailable`,
			`id="retry-`+id(flaky)+`"`, `id="cancel-`+id(idle)+`"`)
		if strings.Contains(body, `<script>alert`) {
			t.Fatal("the job's error is on the page unescaped")
		}
		if strings.Contains(body, `id="cancel-`+id(flaky)+`"`) || strings.Contains(body, `id="retry-`+id(idle)+`"`) {
			t.Error("a failed job offers Cancel, or a due job offers Retry")
		}
		for state, want := range map[string]string{"all": "2", "failed": "1", "available": "1", "completed": "0", "running": "0"} {
			if got := countOf(body, state); got != want {
				t.Errorf("count of %s = %s, want %s", state, got, want)
			}
		}
		// Filters by state and kind.
		_, body, _ = b.get("/admin/jobs?state=failed")
		if !strings.Contains(body, `id="job-`+id(flaky)+`"`) || strings.Contains(body, `id="job-`+id(idle)+`"`) ||
			!strings.Contains(body, `aria-current="true" id="count-failed"`) {
			t.Error("state=failed does not show only the failed job, marked")
		}
		_, body, _ = b.get("/admin/jobs?kind=test.idle")
		if strings.Contains(body, `id="job-`+id(flaky)+`"`) || !strings.Contains(body, `id="job-`+id(idle)+`"`) {
			t.Error("kind=test.idle does not show only the idle job")
		}
		if countOf(body, "all") != "1" || countOf(body, "failed") != "0" || !strings.Contains(body, `href="/admin/jobs?kind=test.idle&amp;state=failed"`) {
			t.Error("with a kind chosen, the counts should be that kind's and their links keep the kind")
		}
		_, body, _ = b.get("/admin/jobs?state=bogus")
		if !strings.Contains(body, `id="job-`+id(flaky)+`"`) || !strings.Contains(body, `id="job-`+id(idle)+`"`) {
			t.Error("an unknown state should show every job")
		}

		// Retry is a form POST with the CSRF token; it comes back to the
		// list as it was, with a flash, and the job runs again.
		if code, _, _ := b.post("/admin/jobs/"+id(flaky)+"/retry", url.Values{"back": {"/admin/jobs?state=failed"}}); code != http.StatusForbidden {
			t.Fatalf("retry without the CSRF token: %d", code)
		}
		code, _, h := admSubmit(b, "/admin/jobs/"+id(flaky)+"/retry", "back", "https://evil.example/admin/jobs?state=failed&kind=test.flaky")
		if code != http.StatusSeeOther || h.Get("Location") != "/admin/jobs?kind=test.flaky&state=failed" {
			t.Fatalf("retry: %d %s", code, h.Get("Location"))
		}
		_, body, _ = b.get(h.Get("Location"))
		admExpect(t, "after retry", http.StatusOK, body, http.StatusOK, `class="flash"`, "Job "+id(flaky)+" (test.flaky) will run now.")
		if j := waitJobState(t, e, flaky, job.Completed); j.LastError != "" {
			t.Errorf("completed job keeps its error: %+v", j)
		}

		// Cancel, once; the second time says why not.
		code, _, h = admSubmit(b, "/admin/jobs/"+id(idle)+"/cancel", "back", "/admin/jobs")
		if code != http.StatusSeeOther || h.Get("Location") != "/admin/jobs" {
			t.Fatalf("cancel: %d %s", code, h.Get("Location"))
		}
		if j, _ := e.Jobs.Get(ctx, idle); j.State != job.Cancelled {
			t.Fatalf("cancelled job is %s", j.State)
		}
		code, body, _ = admSubmit(b, "/admin/jobs/"+id(idle)+"/cancel", "back", "/admin/jobs")
		admExpect(t, "cancel twice", code, body, http.StatusConflict, `id="job-error"`, "only a job that has not started can be cancelled",
			`id="retry-`+id(idle)+`"`)
		if code, _, _ := admSubmit(b, "/admin/jobs/987654/retry"); code != http.StatusNotFound {
			t.Errorf("retry a missing job: %d", code)
		}

		// Agents may not see or touch jobs.
		agent, _ := signIn(t, e, user.RoleAgent)
		if code, _, _ := agent.get("/admin/jobs"); code != http.StatusForbidden {
			t.Errorf("an agent opens the jobs page: %d", code)
		}
		if code, _, _ := admSubmit(agent, "/admin/jobs/"+id(idle)+"/retry"); code != http.StatusForbidden {
			t.Errorf("an agent retries a job: %d", code)
		}
		if j, _ := e.Jobs.Get(ctx, idle); j.State != job.Cancelled {
			t.Errorf("the agent's retry changed the job: %s", j.State)
		}
	})
}

func TestAdminJobsPages(t *testing.T) {
	e := jobsServer(t, apptest.DB(t, db.SQLite))
	ctx := context.Background()
	var ids []int64
	for range 103 {
		id, err := e.Jobs.InsertNow(ctx, job.New{Kind: "test.idle"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	b, _ := signIn(t, e, user.RoleAdmin)
	_, body, _ := b.get("/admin/jobs?kind=test.idle")
	rows := regexp.MustCompile(`<tr id="job-(\d+)"`)
	if n := len(rows.FindAllString(body, -1)); n != 100 {
		t.Fatalf("the first page has %d jobs, want 100", n)
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil || strings.Contains(body, `id="jobs-first"`) {
		t.Fatal("the first page has no link to the next, or links to itself")
	}
	_, body, _ = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	var got []string
	for _, m := range rows.FindAllStringSubmatch(body, -1) {
		got = append(got, m[1])
	}
	if want := []string{itoa(ids[2]), itoa(ids[1]), itoa(ids[0])}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the second page has %v, want %v", got, want)
	}
	if !strings.Contains(body, `id="jobs-first"`) || strings.Contains(body, `rel="next"`) || !strings.Contains(next[1], "kind=test.idle") {
		t.Fatal("the last page should link back to the first and to no next, keeping the filter")
	}
}

// TestBrowserAdminJobs opens Admin → Jobs in Chromium on a desktop and a
// phone, checks the page fits the screen, and retries a failed job with
// its button. With DOCKET_SCREENSHOTS set it saves the page there:
//
//	DOCKET_SCREENSHOTS=/tmp/shots go test -run BrowserAdminJobs ./internal/web/agent/
func TestBrowserAdminJobs(t *testing.T) {
	c := newChrome(t, 60*time.Second)
	var notifyRuns atomic.Int32
	e := apptest.ServerWith(t, apptest.DB(t, db.SQLite), func(s *app.Services) {
		s.Runner.Register("test.notify", job.Kind{Handler: func(context.Context, *job.Job) error {
			if notifyRuns.Add(1) == 1 {
				return job.Permanent(errors.New("smtp: deliver to bob@example.test: 550 5.1.1 <bob@example.test>: Recipient address rejected: " +
					"User unknown in virtual mailbox table\nremote: mx1.example.test [192.0.2.25]\nafter: RCPT TO"))
			}
			return nil
		}})
		s.Runner.Register("test.webhook", job.Kind{
			Backoff: func(int) time.Duration { return 90 * time.Minute },
			Handler: func(context.Context, *job.Job) error {
				return errors.New(`POST https://hooks.example.test/docket: 503 Service Unavailable`)
			}})
		s.Runner.Register("test.reindex", job.Kind{Handler: func(context.Context, *job.Job) error { return nil }})
	})
	ctx := context.Background()
	insert := func(n job.New) int64 {
		id, err := e.Jobs.InsertNow(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	for i := range 4 {
		insert(job.New{Kind: "test.reindex", Args: map[string]int{"ticket": 1040 + i}})
	}
	hook := insert(job.New{Kind: "test.webhook", Args: map[string]any{"event": "ticket.created", "ticket": 1044}})
	insert(job.New{Kind: "test.digest", Args: map[string]string{"team": "Service desk"}, RunAt: time.Now().Add(3 * time.Hour)})
	insert(job.New{Kind: "test.digest", Args: map[string]string{"team": "Networking"}})
	failed := insert(job.New{Kind: "test.notify", Args: map[string]any{"ticket": 1042, "to": "bob@example.test", "template": "reply"}})
	waitJobState(t, e, failed, job.Failed)
	waitJobState(t, e, hook, job.Retryable)
	if _, err := e.Users.Create(ctx, apptest.Setup, user.NewUser{Email: "ada@example.test", Name: "Ada Admin", Role: user.RoleAdmin, Password: e2ePassword}); err != nil {
		t.Fatal(err)
	}

	a := c.tab("admin", e.URL)
	a.signIn(t, "ada@example.test", e2ePassword, "/admin/jobs", "#admin-jobs")
	if got := a.text(t, "#count-failed .n"); got != "1" {
		t.Errorf("failed count = %q", got)
	}
	if got := a.text(t, "#job-"+num(failed)+" .job-error summary"); !strings.Contains(got, "<bob@example.test>") {
		t.Errorf("the error's summary reads %q", got)
	}
	dir := os.Getenv("DOCKET_SCREENSHOTS")
	for _, size := range []struct{ w, h int64 }{{1280, 800}, {390, 844}} {
		a.do(t, "viewport", chromedp.EmulateViewport(size.w, size.h))
		a.open(t, "/admin/jobs", "#admin-jobs")
		if over := eval[int](t, a, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
			t.Errorf("at %dx%d the page is %dpx wider than the screen", size.w, size.h, over)
		}
		if dir == "" {
			continue
		}
		a.saveScreenshots(t, dir, "jobs-"+num(size.w)+"x"+num(size.h))
	}

	// Retry, from the failed jobs: back on the same list with a flash.
	a.do(t, "desktop", chromedp.EmulateViewport(1280, 800))
	a.open(t, "/admin/jobs?state=failed", "#retry-"+num(failed))
	a.do(t, "retry", chromedp.Click(chromedp.CSS("#retry-"+num(failed))), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if got := a.text(t, ".flash"); got != "Job "+num(failed)+" (test.notify) will run now." {
		t.Errorf("flash = %q", got)
	}
	if loc := a.location(t); loc != "/admin/jobs?state=failed" {
		t.Errorf("after retry the page is %s", loc)
	}
	waitJobState(t, e, failed, job.Completed)
	a.sameOrigin(t)
	a.noConsoleErrors(t)
}
