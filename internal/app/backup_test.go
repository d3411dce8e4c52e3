package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docket/docket/internal/app"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/db/pgtest"
)

// TestBackupRestoreCommands: `docket backup FILE` while `docket serve`
// runs, `docket restore FILE` into an empty data directory (the restored
// instance knows the users), the refusals — over data without --force,
// under a running instance, a damaged file — each in one line with a
// non-zero exit, and --force.
func TestBackupRestoreCommands(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "restored")
	file := filepath.Join(t.TempDir(), "docket.backup")
	if r := run(t, "", nil, "user", "create", "--email", "a@example.com", "--role", "admin", "--data", src); r.code != 0 {
		t.Fatal(r.stderr)
	}
	stop := serveIn(t, src)
	r := run(t, "", nil, "backup", file, "--data", src)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "backed up sqlite database of ") || !strings.Contains(r.stdout, "to "+file) {
		t.Fatalf("backup while serving: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the backup holds the key, so only its owner may read it: %v %v", info, err)
	}
	oneLine(t, run(t, "", nil, "restore", file, "--force", "--data", src), 1, "a Docket instance")
	stop()

	r = run(t, "", nil, "restore", "--data", dst, file)
	if r.code != 0 || !strings.Contains(r.stdout, "into sqlite") {
		t.Fatalf("restore: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "", nil, "token", "create", "--user", "a@example.com", "--name", "t", "--data", dst); r.code != 0 {
		t.Fatalf("the restored instance lacks the user: %s", r.stderr)
	}
	key, _ := os.ReadFile(filepath.Join(src, "secret.key"))
	if got, err := os.ReadFile(filepath.Join(dst, "secret.key")); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("restored key file: %v", err)
	}
	oneLine(t, run(t, "", nil, "restore", file, "--data", dst), 1, "docket: restore: the database already holds data (in ")
	if r := run(t, "", nil, "restore", file, "--data", dst, "--force"); r.code != 0 {
		t.Fatalf("restore --force: exit %d, %s", r.code, r.stderr)
	}

	bad := filepath.Join(t.TempDir(), "bad.backup")
	if err := os.WriteFile(bad, []byte("not a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	oneLine(t, run(t, "", nil, "restore", bad, "--data", fresh), 1, "is not a usable Docket backup")
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a refused restore left %s behind: %v", fresh, err)
	}
	oneLine(t, run(t, "", nil, "restore", filepath.Join(fresh, "none"), "--data", fresh), 1, "no such file")
	oneLine(t, run(t, "", nil, "restore", "--data", dst), 2, "docket restore: FILE is missing")
	oneLine(t, run(t, "", nil, "backup", file, "other", "--data", src), 2, `docket backup: unexpected argument "other"`)
	oneLine(t, run(t, "", nil, "backup", file, "--data", fresh), 1, "no Docket database at ")
	oneLine(t, run(t, "", nil, "restore", file, "--data", dst, "--attachment-store", "s3"), 1, `--attachment-store: "s3" is not dir or database`)
}

// TestBackupRestorePostgresCommands: the same commands on PostgreSQL.
func TestBackupRestorePostgresCommands(t *testing.T) {
	src, dst := pgtest.NewDatabase(t, ""), pgtest.NewDatabase(t, "")
	env := map[string]string{"DOCKET_DATABASE_URL": src, "DOCKET_SECRET_KEY": testKey}
	data := t.TempDir()
	if r := run(t, "", env, "user", "create", "--email", "a@example.com", "--role", "admin", "--data", data); r.code != 0 {
		t.Fatal(r.stderr)
	}
	file := filepath.Join(t.TempDir(), "pg.backup")
	if r := run(t, "", env, "backup", file, "--data", data); r.code != 0 || !strings.HasPrefix(r.stdout, "backed up postgres database") {
		t.Fatalf("backup: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	env["DOCKET_DATABASE_URL"] = dst
	if r := run(t, "", env, "restore", file, "--data", data); r.code != 0 || !strings.Contains(r.stdout, "into postgres") {
		t.Fatalf("restore: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "", env, "token", "create", "--user", "a@example.com", "--name", "t", "--data", data); r.code != 0 {
		t.Fatalf("the restored instance lacks the user: %s", r.stderr)
	}
	oneLine(t, run(t, "", env, "restore", file, "--data", data), 1, "already holds data")
}

// testKey is a DOCKET_SECRET_KEY for the command tests.
const testKey = "ZG9ja2V0IHRlc3RzIG9ubHk7IG5ldmVyIHVzZSBpdC4="

func oneLine(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", r.code, r.stderr, code, want)
	}
}

// serveIn runs `docket serve` on the data directory until stop is called.
func serveIn(t *testing.T, dir string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan int, 1)
	go func() {
		done <- app.Run(ctx, app.Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, Getenv: func(string) string { return "" },
			Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Ready: func(a string) { ready <- a }})
	}()
	select {
	case <-ready:
	case code := <-done:
		t.Fatalf("serve exited with %d", code)
	}
	// Running means holding the job runner's lease, taken just after start.
	d, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for n := 0; n == 0; {
		time.Sleep(20 * time.Millisecond)
		if err := d.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM leases WHERE expires_at > ?`, db.Now()).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}
