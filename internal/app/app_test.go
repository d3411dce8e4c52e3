package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
	"github.com/docket/docket/internal/secret"
)

// TestMain lets the crash test re-execute this binary as a Docket server.
func TestMain(m *testing.M) {
	if args := os.Getenv("DOCKET_TEST_CHILD_ARGS"); args != "" {
		os.Exit(app.Run(context.Background(), app.Env{Args: strings.Split(args, "\x1f"), Getenv: os.Getenv,
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	os.Exit(m.Run())
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t testing.TB, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: args, Getenv: func(k string) string { return env[k] },
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return result{code, out.String(), errb.String()}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	data := "--data=" + dir
	var token string // the secret "token" printed
	cases := []struct {
		name    string
		stdin   string
		env     map[string]string
		args    []string
		code    int
		stdout  string // substring
		stderr  string // substring
		oneLine bool
	}{
		{"version", "", nil, []string{"version"}, 0, "docket ", "", false},
		{"migrate", "", nil, []string{"migrate", data}, 0, "database is up to date (sqlite)", "", false},
		{"create admin", "correct-horse-battery\n", nil, []string{"user", "create", "--email", "Admin@Example.com", "--name", "Ada", "--role", "admin", "--password-stdin", data}, 0, "created admin Admin@Example.com", "", false},
		{"duplicate email", "", nil, []string{"user", "create", "--email", "admin@example.com", "--role", "agent", data}, 1, "", "docket: --email: a user with this email already exists", true},
		{"bad role", "", nil, []string{"user", "create", "--email", "x@example.com", "--role", "boss", data}, 1, "", "--role: must be one of admin, agent, requester", true},
		{"short password", "short\n", nil, []string{"user", "create", "--email", "y@example.com", "--role", "agent", "--password-stdin", data}, 1, "", "--password: must be at least 10 characters", true},
		{"empty stdin", "", nil, []string{"user", "create", "--email", "y@example.com", "--role", "agent", "--password-stdin", data}, 1, "", "--password-stdin", true},
		{"token", "", nil, []string{"token", "create", "--user", "admin@example.com", "--name", "ci", data}, 0, "dkt_", "", false},
		{"token unknown user", "", nil, []string{"token", "create", "--user", "nobody@example.com", "--name", "ci", data}, 1, "", `--user: no user with email "nobody@example.com"`, true},
		{"token bad scope", "", nil, []string{"token", "create", "--user", "admin@example.com", "--name", "ci", "--scope", "root", data}, 1, "", "--scopes[0]: must be read or write", true},
		{"unknown command", "", nil, []string{"frobnicate"}, 2, "", `docket: unknown command "frobnicate" (run 'docket help'`, true},
		{"bench with an unknown order", "", nil, []string{"bench", "--token", "x", "--search-sorts", "-updated_at,sideways"}, 2, "",
			`docket bench: --search-sorts: "sideways" is not an order of the API's sort`, true},
		{"bad flag value", "", nil, []string{"serve", "--max-upload", "abc", data}, 2, "",
			`docket serve: invalid value "abc" for flag -max-upload: "abc" is not a size such as 25MB (run 'docket serve -h' for its flags)`, true},
		{"unknown flag", "", nil, []string{"serve", "--adress", ":80", data}, 2, "", `docket serve: flag provided but not defined: -adress`, true},
		{"flag without value", "", nil, []string{"migrate", data, "--database-url"}, 2, "", `docket migrate: flag needs an argument: -database-url`, true},
		{"unknown flag of user create", "", nil, []string{"user", "create", "--mail", "x@example.com", data}, 2, "", `docket user create: flag provided but not defined: -mail`, true},
		{"help", "", nil, []string{"serve", "-h"}, 0, "", "-max-upload", false},
		{"bad addr", "", nil, []string{"serve", "--addr", "nonsense", data}, 1, "", `docket: --addr: "nonsense" is not host:port`, true},
		{"env is read", "", map[string]string{"DOCKET_LOG_LEVEL": "loud"}, []string{"serve", data}, 1, "", `--log-level: "loud"`, true},
		{"flag beats env", "", map[string]string{"DOCKET_ADDR": "nonsense"}, []string{"serve", "--addr", "127.0.0.1:0", "--log-level", "loud", data}, 1, "", `--log-level`, true},
		{"bad database url", "", nil, []string{"migrate", "--database-url", "mysql://x", data}, 1, "", "--database-url: must be a postgres:// URL", true},
		{"bad size", "", map[string]string{"DOCKET_MAX_UPLOAD": "lots"}, []string{"serve", data}, 1, "", "DOCKET_MAX_UPLOAD", true},
		{"bad prefix", "", nil, []string{"serve", "--ticket-prefix", "bug=BUG-", data}, 1, "", "--ticket-prefix", true},
		{"bad attachment store", "", map[string]string{"DOCKET_ATTACHMENT_STORE": "s3"}, []string{"serve", data}, 1, "", `docket: --attachment-store: "s3" is not dir or database`, true},
		{"bad trusted proxy", "", map[string]string{"DOCKET_TRUSTED_PROXIES": "10.0.0.0/8,proxy.local"}, []string{"serve", data}, 1, "", `docket: --trusted-proxies: "proxy.local" is not an IP address or CIDR network`, true},
		{"bad keep-raw-mail", "", nil, []string{"serve", "--keep-raw-mail", "maybe", data}, 1, "", `--keep-raw-mail: "maybe"`, true},
		{"bad search concurrency", "", map[string]string{"DOCKET_SEARCH_CONCURRENCY": "-2"}, []string{"serve", data}, 1, "",
			`docket: --search-concurrency: "-2" is not a whole number of searches (0 for one per CPU)`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.stdin, c.env, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", r.code, c.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.stdout) {
				t.Errorf("stdout %q lacks %q", r.stdout, c.stdout)
			}
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, c.stderr)
			}
			if c.oneLine && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("error is not one line: %q", r.stderr)
			}
			if c.name == "token" {
				token = strings.TrimSpace(r.stdout)
			}
		})
	}
	// What the command line did is in the audit log as the system actor
	// "Command line", never as the user it made or issued a token for, and
	// without the password or the token.
	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.R.QueryContext(context.Background(), `SELECT kind, actor_type, COALESCE(actor_id, 0), actor_name, payload FROM domain_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var kind, typ, name, payload string
		var id int64
		if err := rows.Scan(&kind, &typ, &id, &name, &payload); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s by %s %d %s", kind, typ, id, name))
		if strings.Contains(payload, "correct-horse-battery") || token == "" || strings.Contains(payload, token) || strings.Contains(payload, "argon2") {
			t.Errorf("%s: a secret in the payload %s", kind, payload)
		}
	}
	if want := "[user.created by system 0 Command line token.created by system 0 Command line]"; fmt.Sprint(got) != want {
		t.Errorf("events %v, want %s", got, want)
	}
}

// TestServeShutsDownGracefully starts serve, begins an upload, asks the
// server to stop while the upload is still being sent, and checks the upload
// completes before serve returns.
func TestServeShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, "", nil, "user", "create", "--email", "a@example.com", "--role", "admin", "--data", dir); r.code != 0 {
		t.Fatal(r.stderr)
	}
	tok := strings.TrimSpace(run(t, "", nil, "token", "create", "--user", "a@example.com", "--name", "t", "--data", dir).stdout)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	var logs bytes.Buffer
	go func() {
		done <- app.Run(ctx, app.Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, Getenv: func(string) string { return "" },
			Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &syncWriter{w: &logs}, Ready: func(a string) { addrc <- a }})
	}()
	addr := <-addrc
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/attachments", pr)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	respc := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		respc <- resp
	}()
	io.WriteString(pw, "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello ")
	time.Sleep(100 * time.Millisecond)
	cancel() // SIGTERM arrives while the body is still streaming
	time.Sleep(100 * time.Millisecond)
	select {
	case code := <-done:
		t.Fatalf("serve returned %d before the in-flight request finished", code)
	default:
	}
	io.WriteString(pw, "world\r\n--XX--\r\n")
	pw.Close()
	resp := <-respc
	if resp == nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight upload failed during shutdown: %+v", resp)
	}
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

// TestPostgresNeedsSecretKey: with PostgreSQL every instance must use the
// same key, so commands stop at start without DOCKET_SECRET_KEY, saying
// how to make one or which key file to use, and work with it.
func TestPostgresNeedsSecretKey(t *testing.T) {
	url := pgtest.NewDatabase(t, "")
	dir := t.TempDir()
	env := map[string]string{"DOCKET_DATABASE_URL": url}
	checkErr := func(r result, want string) {
		t.Helper()
		if r.code != 1 || !strings.HasPrefix(r.stderr, "docket: DOCKET_SECRET_KEY is required with PostgreSQL") ||
			!strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Fatalf("exit %d, stderr %q; want one line saying DOCKET_SECRET_KEY is required and %q", r.code, r.stderr, want)
		}
	}
	// serve must stop at start; should it run instead, the timeout ends it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var errb bytes.Buffer
	code := app.Run(ctx, app.Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, Getenv: func(k string) string { return env[k] },
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb})
	checkErr(result{code: code, stderr: errb.String()}, "openssl rand -base64 32")
	checkErr(run(t, "", env, "migrate", "--data", dir), "openssl rand -base64 32")
	if _, err := os.Stat(filepath.Join(dir, secret.KeyFile)); !os.IsNotExist(err) {
		t.Fatalf("a key file was created under --data: %v", err)
	}
	// An instance that used a key file so far is told to use it.
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if err := os.WriteFile(filepath.Join(dir, secret.KeyFile), []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", env, "user", "create", "--email", "a@example.com", "--role", "agent", "--data", dir)
	checkErr(r, filepath.Join(dir, secret.KeyFile))
	if strings.Contains(r.stderr, key) {
		t.Fatal("the error shows the key")
	}
	env["DOCKET_SECRET_KEY"] = key
	if r := run(t, "", env, "user", "create", "--email", "a@example.com", "--role", "agent", "--data", dir); r.code != 0 {
		t.Fatalf("with DOCKET_SECRET_KEY: exit %d, %s", r.code, r.stderr)
	}
}
