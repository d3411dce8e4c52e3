// Package pgtest gives tests a throwaway PostgreSQL server and fresh databases on it.
//
// Server finds or starts one server per test process:
//
//   - If DOCKET_TEST_DATABASE_URL is set, that server is used as is (the role in the URL must be allowed
//     to create databases).
//   - Otherwise pgtest runs initdb and postgres from PATH or from the newest /usr/lib/postgresql/*/bin
//     (where Debian's `postgresql` package installs them) into a directory under os.TempDir(), on a free
//     127.0.0.1 port, tuned for speed rather than durability. When the tests run as root the server
//     runs as the `postgres` system user, because PostgreSQL refuses to run as root.
//   - If there are no server binaries the test is skipped, or fails when DOCKET_TEST_POSTGRES=require
//     (as in CI). A skip is noted once per package where `go test ./...` shows it (see skipnote).
//
// The server gets SIGQUIT (immediate shutdown) from the kernel when the test process exits; a TestMain
// may also call Shutdown. Directories left behind by earlier test processes are removed when the next
// server starts.
//
// Typical use: CreateTemplate once with a function that runs the migrations, then NewDatabase(t, name)
// in every test, which clones the template in about a tenth of a second and drops the clone at the end
// of the test.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/docket/docket/internal/skipnote"
)

const (
	// EnvURL names an existing server to use instead of starting one.
	EnvURL = "DOCKET_TEST_DATABASE_URL"
	// EnvMode set to "require" turns "no PostgreSQL available" from a skip into a failure.
	EnvMode = "DOCKET_TEST_POSTGRES"

	dirPrefix    = "docket-pgtest-"
	superuser    = "docket"
	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
	opTimeout    = 2 * time.Minute
)

// libGlob is where Debian installs the server binaries (they are not on PATH there).
var libGlob = "/usr/lib/postgresql/*/bin"

var (
	mu      sync.Mutex // guards the four below
	started bool
	srv     *server
	skipMsg string // non-empty: no PostgreSQL here, skip (or fail if required)
	srvErr  error

	dbSeq atomic.Int64

	tmplMu sync.Mutex
	tmpls  = map[string]*template{}
)

type server struct {
	url      string  // base URL, database "postgres" for a server of our own
	admin    *sql.DB // for CREATE/DROP DATABASE
	child    *child  // nil for an external server (EnvURL)
	external bool
}

type template struct {
	once   sync.Once
	dbname string // actual database name
	err    error
}

// Server returns the base URL (postgres://docket@127.0.0.1:PORT/postgres?sslmode=disable) of a
// PostgreSQL server for tests in this process, starting it on first use. See the package comment for
// where the server comes from. It skips the test when no server binaries are found, unless
// DOCKET_TEST_POSTGRES=require.
func Server(t testing.TB) string {
	t.Helper()
	return get(t).url
}

func get(t testing.TB) *server {
	t.Helper()
	s, skip, err := func() (*server, string, error) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if !started {
			started = true
			begin := time.Now()
			srv, skipMsg, srvErr = setup()
			if srv != nil && srv.child != nil {
				t.Logf("pgtest: started PostgreSQL in %s (%s) in %v", srv.child.dir, srv.url, time.Since(begin).Round(time.Millisecond))
			}
		}
		return srv, skipMsg, srvErr
	}()
	switch {
	case skip != "" && os.Getenv(EnvMode) == "require":
		t.Fatalf("pgtest: %s (failing instead of skipping because %s=require)", skip, EnvMode)
	case skip != "":
		skipnote.Skip(t, "PostgreSQL tests", skip, "set "+EnvMode+"=require to make this a failure")
	case err != nil:
		t.Fatalf("pgtest: %v", err)
	}
	return s
}

// NewDatabase creates a fresh database on the test server, a copy of template (a name given to
// CreateTemplate, or any template database on the server; empty means an empty database, from
// template0), drops it when the test ends, and returns its URL.
func NewDatabase(t testing.TB, template string) string {
	t.Helper()
	s := get(t)
	src := "template0"
	if template != "" {
		src = template
		tmplMu.Lock()
		if tp, ok := tmpls[template]; ok {
			src = tp.dbname
		}
		tmplMu.Unlock()
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var name string
	for attempt := 0; ; attempt++ {
		name = fmt.Sprintf("docket_test_%d_%d", os.Getpid(), dbSeq.Add(1))
		_, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(src))
		if err == nil {
			break
		}
		// 42P04 duplicate_database: left behind on an external server by an earlier process with our pid.
		if !hasCode(err, "42P04") || attempt >= 100 {
			t.Fatalf("pgtest: create database %s from %s: %v", name, src, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.dbURL(name)
}

// CreateTemplate creates a database for name, once per test process (later calls with the same name
// wait for the first and report its outcome), calls prepare with its URL to fill it, for example by
// running the migrations, and then marks it a template so that NewDatabase(t, name) clones it. The test
// fails if prepare returns an error. Connections that prepare leaves open are closed.
//
// On a server of our own the database is called name; on an external server (DOCKET_TEST_DATABASE_URL)
// it is name_<pid>, so that test processes running in parallel do not share it.
func CreateTemplate(t testing.TB, name string, prepare func(url string) error) {
	t.Helper()
	s := get(t)
	tmplMu.Lock()
	tp := tmpls[name]
	if tp == nil {
		tp = &template{dbname: name}
		if s.external {
			tp.dbname = fmt.Sprintf("%s_%d", name, os.Getpid())
		}
		tmpls[name] = tp
	}
	tmplMu.Unlock()
	tp.once.Do(func() {
		// Stays if prepare panics or stops its goroutine (t.FailNow): later calls report it.
		tp.err = errors.New("an earlier CreateTemplate did not finish")
		tp.err = s.createTemplate(tp.dbname, prepare)
	})
	if tp.err != nil {
		t.Fatalf("pgtest: template %s: %v", name, tp.err)
	}
}

func (s *server) createTemplate(dbname string, prepare func(url string) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := s.dropDatabase(ctx, dbname); err != nil {
		return err
	}
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+ident(dbname)+" TEMPLATE template0"); err != nil {
		return err
	}
	if err := prepare(s.dbURL(dbname)); err != nil {
		_ = s.dropDatabase(ctx, dbname)
		return fmt.Errorf("prepare: %w", err)
	}
	// No new connections, then close the ones prepare left open: CREATE DATABASE ... TEMPLATE fails
	// while anyone is connected to the template.
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+ident(dbname)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	_, err := s.admin.ExecContext(ctx,
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", dbname)
	return err
}

// dropDatabase drops dbname if it exists, also if it is a template.
func (s *server) dropDatabase(ctx context.Context, dbname string) error {
	var exists bool
	if err := s.admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", dbname).Scan(&exists); err != nil || !exists {
		return err
	}
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+ident(dbname)+" WITH IS_TEMPLATE false ALLOW_CONNECTIONS true"); err != nil {
		return err
	}
	_, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+ident(dbname)+" WITH (FORCE)")
	return err
}

// Shutdown stops the server this process started, if any, and removes its directory; on an external
// server it drops the templates this process created. It is optional (call it from TestMain after
// m.Run): without it the kernel sends the server SIGQUIT when the test process exits, and the next test
// process that starts a server removes the directory. Server fails after Shutdown.
func Shutdown() {
	mu.Lock()
	defer mu.Unlock()
	s := srv
	started, srv, skipMsg, srvErr = true, nil, "", errors.New("Shutdown was called")
	if s == nil {
		return
	}
	if s.external {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		tmplMu.Lock()
		for _, tp := range tmpls {
			_ = s.dropDatabase(ctx, tp.dbname)
		}
		tmplMu.Unlock()
	}
	s.admin.Close()
	if s.child != nil {
		s.child.stop()
		_ = os.RemoveAll(s.child.dir)
	}
}

func (s *server) dbURL(dbname string) string {
	if strings.HasPrefix(s.url, "postgres://") || strings.HasPrefix(s.url, "postgresql://") {
		u, err := url.Parse(s.url)
		if err == nil {
			u.Path = "/" + dbname
			u.RawPath = ""
			return u.String()
		}
	}
	// keyword=value form: a later dbname wins.
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return s.url + " dbname='" + r.Replace(dbname) + "'"
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func hasCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// setup finds or starts the server. It returns a skip message when there is no PostgreSQL to use.
func setup() (*server, string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		db, err := openAdmin(u)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", EnvURL, err)
		}
		return &server{url: u, admin: db, external: true}, "", nil
	}
	if !supported {
		return nil, "starting a PostgreSQL server is not supported on " + runtime.GOOS + "; set " + EnvURL + " to use an existing server", nil
	}
	initdb, postgres, err := findBinaries()
	if err != nil {
		return nil, "PostgreSQL server binaries (initdb, postgres) not found on PATH or in " + libGlob +
			": install them (Debian: apt-get install postgresql) or set " + EnvURL + " to the URL of a server to use", nil
	}
	as, skip, err := runAs()
	if skip != "" || err != nil {
		return nil, skip, err
	}
	c, err := startChild(initdb, postgres, as)
	if err != nil {
		return nil, "", err
	}
	db, err := openAdmin(c.url)
	if err != nil {
		c.stop()
		return nil, "", err
	}
	return &server{url: c.url, admin: db, child: c}, "", nil
}

func openAdmin(u string) (*sql.DB, error) {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// findBinaries returns initdb and postgres from PATH or else from the newest libGlob directory. An
// initdb on PATH is often a symlink into a directory that also holds postgres (which initdb itself
// looks for next to its resolved path), so that directory is tried first.
func findBinaries() (initdb, postgres string, err error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.Abs(p); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil && isExecutable(filepath.Join(filepath.Dir(real), "postgres")) {
				return real, filepath.Join(filepath.Dir(real), "postgres"), nil
			}
			if pg, err := exec.LookPath("postgres"); err == nil {
				if pg, err = filepath.Abs(pg); err == nil {
					return p, pg, nil
				}
			}
		}
	}
	dirs, _ := filepath.Glob(libGlob)
	// Newest major version first: compare "9.6" < "15" < "16" numerically.
	slices.SortFunc(dirs, func(a, b string) int { return slices.Compare(versionOf(b), versionOf(a)) })
	for _, d := range dirs {
		i, p := filepath.Join(d, "initdb"), filepath.Join(d, "postgres")
		if isExecutable(i) && isExecutable(p) {
			return i, p, nil
		}
	}
	return "", "", errors.New("not found")
}

// versionOf returns the numeric parts of the version directory in /usr/lib/postgresql/<version>/bin.
func versionOf(binDir string) []int {
	var v []int
	for part := range strings.SplitSeq(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// child is a postgres server process started by this package.
type child struct {
	dir     string // os.TempDir()/docket-pgtest-<pid>: data/, sockets, postgres.log
	url     string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed when postgres has exited
	waitErr error         // valid after done is closed
}

var errPortInUse = errors.New("port in use")

func startChild(initdb, postgres string, as *runAsUser) (*child, error) {
	removeStaleDirs()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("%s%d", dirPrefix, os.Getpid()))
	if err := os.RemoveAll(dir); err != nil { // left by an earlier process with the same pid
		return nil, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	if as != nil {
		if err := os.Chown(dir, as.uid, as.gid); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")

	cmd := exec.Command(initdb, "-D", data, "-A", "trust", "-U", superuser, "--no-sync", "-E", "UTF8", "--locale=C")
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.SysProcAttr = sysProcAttr(as)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", initdb, err, out)
	}

	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		c, err := launch(postgres, dir, data, port, as)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errPortInUse) {
			return nil, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func launch(postgres, dir, data string, port int, as *runAsUser) (*child, error) {
	c := &child{
		dir:     dir,
		url:     fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", superuser, port),
		logPath: filepath.Join(dir, "postgres.log"),
		done:    make(chan struct{}),
	}
	logf, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy
	clusterName := filepath.Base(dir)
	c.cmd = exec.Command(postgres,
		"-D", data,
		"-k", dir,
		"-h", "127.0.0.1",
		"-p", strconv.Itoa(port),
		"-F",
		"-c", "cluster_name="+clusterName,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "wal_level=minimal",
		"-c", "max_wal_senders=0",
		"-c", "max_connections=200",
		"-c", "shared_buffers=128MB",
		"-c", "log_checkpoints=off",
	)
	c.cmd.Dir = dir
	c.cmd.Env = childEnv()
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.cmd.SysProcAttr = sysProcAttr(as)

	// On Linux the kernel sends the parent-death signal when the thread that started the child exits,
	// not the process. Start it from a locked thread that stays alive until postgres exits.
	startErr := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := c.cmd.Start(); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		c.waitErr = c.cmd.Wait()
		close(c.done)
	}()
	if err := <-startErr; err != nil {
		return nil, err
	}

	deadline := time.Now().Add(startTimeout)
	for {
		ok, err := c.ready(clusterName)
		if ok {
			return c, nil
		}
		select {
		case <-c.done:
			log := c.logTail()
			if strings.Contains(log, "Address already in use") {
				return nil, fmt.Errorf("%w: %d", errPortInUse, port)
			}
			return nil, fmt.Errorf("postgres exited while starting (%v); log %s:\n%s", c.waitErr, c.logPath, log)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("postgres did not accept connections within %v (last error: %v); log %s:\n%s",
				startTimeout, err, c.logPath, c.logTail())
		}
	}
}

// ready reports whether our postgres accepts connections. Checking cluster_name makes sure that the
// server on the port is ours, not one of another test process that got the same port.
func (c *child) ready(clusterName string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url)
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var name string
	if err := conn.QueryRow(ctx, "SHOW cluster_name").Scan(&name); err != nil {
		return false, err
	}
	if name != clusterName {
		return false, fmt.Errorf("port taken by another server (cluster_name %q)", name)
	}
	return true, nil
}

// stop asks postgres for an immediate shutdown and kills it if that takes too long.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(quitSignal)
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

func (c *child) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 8 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}

// childEnv is our environment without PG* variables (PGDATA, PGPORT, ...) and with the C locale.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// removeStaleDirs removes the directories of servers whose test process is gone. A directory whose
// postmaster still runs is left alone.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), dirPrefix))
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			line, _, _ := strings.Cut(string(b), "\n")
			if pm, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && processAlive(pm) {
				continue
			}
		}
		_ = os.RemoveAll(d)
	}
}
