package app_test

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docket/docket/client"
)

// startChild runs this test binary as `docket serve` on SQLite under dir
// and returns the process and its base URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	in := startServe(t, []string{"--data", dir})
	return in.cmd, in.url
}

// TestKill9LosesNoAcknowledgedWrite creates tickets and adds replies from
// 32 clients as fast as it can — so SQLite commits many requests in each
// batch — kills the server with SIGKILL in the middle, restarts it on the
// same data directory and checks that every ticket and every reply that
// was acknowledged (201) exists.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns server processes")
	}
	dir := t.TempDir()
	if r := run(t, "", nil, "user", "create", "--email", "a@example.com", "--role", "admin", "--data", dir); r.code != 0 {
		t.Fatal(r.stderr)
	}
	tok := strings.TrimSpace(run(t, "", nil, "token", "create", "--user", "a@example.com", "--name", "t", "--data", dir).stdout)
	const clients, targets = 32, 4
	for round := 0; round < 3; round++ {
		cmd, url := startChild(t, dir)
		c := client.New(url, tok)
		// The tickets the replying clients write to.
		var target [targets]int64
		for i := range target {
			target[i] = createCrashTicket(context.Background(), c, fmt.Sprintf("target %d %d", round, i))
			if target[i] == 0 {
				t.Fatalf("round %d: could not create the tickets to reply to", round)
			}
		}
		var mu sync.Mutex
		var acked []int64
		replies := map[int64][]string{} // ticket → acknowledged reply bodies
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < clients; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					if w%2 == 0 {
						if n := createCrashTicket(ctx, c, fmt.Sprintf("crash %d %d %d", round, w, i)); n != 0 {
							mu.Lock()
							acked = append(acked, n)
							mu.Unlock()
						}
						continue
					}
					n, body := target[w%targets], fmt.Sprintf("reply %d %d %d", round, w, i)
					if _, err := c.Do(ctx, "POST", fmt.Sprintf("/api/v1/tickets/%d/messages", n), map[string]any{"body": body}, nil); err == nil {
						mu.Lock()
						replies[n] = append(replies[n], body)
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(500+200*round) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		cancel()
		wg.Wait()
		if len(acked) == 0 || len(replies) == 0 {
			t.Fatalf("round %d: %d tickets and replies to %d tickets acknowledged before the kill, want some of both", round, len(acked), len(replies))
		}
		cmd, url = startChild(t, dir)
		c = client.New(url, tok)
		for _, n := range acked {
			if _, err := c.Do(context.Background(), "GET", fmt.Sprintf("/api/v1/tickets/%d", n), nil, nil); err != nil {
				t.Errorf("round %d: acknowledged ticket %d is gone after kill -9: %v", round, n, err)
			}
		}
		nreplies := 0
		for n, bodies := range replies {
			stored := crashMessages(t, c, n)
			for _, b := range bodies {
				if !stored[b] {
					t.Errorf("round %d: acknowledged reply %q to ticket %d is gone after kill -9", round, b, n)
				}
			}
			nreplies += len(bodies)
		}
		t.Logf("round %d: %d acknowledged tickets and %d acknowledged replies survived kill -9", round, len(acked), nreplies)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
}

// createCrashTicket creates a ticket and returns its number, or 0 when the
// server did not acknowledge it.
func createCrashTicket(ctx context.Context, c *client.Client, subject string) int64 {
	var tk struct {
		Number int64 `json:"number"`
	}
	_, err := c.Do(ctx, "POST", "/api/v1/tickets", map[string]any{"subject": subject,
		"body": "body", "requester": map[string]string{"email": "r@example.com"}}, &tk)
	if err != nil {
		return 0
	}
	return tk.Number
}

// crashMessages returns the bodies of ticket n's messages, every page.
func crashMessages(t *testing.T, c *client.Client, n int64) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	cursor := ""
	for {
		var page struct {
			Items []struct {
				Body string `json:"body"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		path := fmt.Sprintf("/api/v1/tickets/%d/messages?limit=200", n)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if _, err := c.Do(context.Background(), "GET", path, nil, &page); err != nil {
			t.Fatalf("messages of ticket %d after kill -9: %v", n, err)
		}
		for _, m := range page.Items {
			out[m.Body] = true
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return out
		}
		cursor = *page.NextCursor
	}
}
