package app_test

import (
	"context"
	"fmt"
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

// TestKill9LosesNoAcknowledgedWrite creates tickets as fast as it can,
// kills the server with SIGKILL in the middle, restarts it on the same data
// directory and checks every ticket that was acknowledged (201) exists.
func TestKill9LosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns server processes")
	}
	dir := t.TempDir()
	if r := run(t, "", nil, "user", "create", "--email", "a@example.com", "--role", "admin", "--data", dir); r.code != 0 {
		t.Fatal(r.stderr)
	}
	tok := strings.TrimSpace(run(t, "", nil, "token", "create", "--user", "a@example.com", "--name", "t", "--data", dir).stdout)
	for round := 0; round < 3; round++ {
		cmd, url := startChild(t, dir)
		c := client.New(url, tok)
		var mu sync.Mutex
		var acked []int64
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					var tk struct {
						Number int64 `json:"number"`
					}
					_, err := c.Do(ctx, "POST", "/api/v1/tickets", map[string]any{"subject": fmt.Sprintf("crash %d %d %d", round, w, i),
						"body": "body", "requester": map[string]string{"email": "r@example.com"}}, &tk)
					if err == nil {
						mu.Lock()
						acked = append(acked, tk.Number)
						mu.Unlock()
					}
				}
			}(w)
		}
		time.Sleep(time.Duration(150+100*round) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		cancel()
		wg.Wait()
		if len(acked) == 0 {
			t.Fatalf("round %d: no ticket was acknowledged before the kill", round)
		}
		cmd, url = startChild(t, dir)
		c = client.New(url, tok)
		for _, n := range acked {
			if _, err := c.Do(context.Background(), "GET", fmt.Sprintf("/api/v1/tickets/%d", n), nil, nil); err != nil {
				t.Errorf("round %d: acknowledged ticket %d is gone after kill -9: %v", round, n, err)
			}
		}
		t.Logf("round %d: %d acknowledged tickets survived kill -9", round, len(acked))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
}
