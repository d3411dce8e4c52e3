package pgtest

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	url := NewDatabase(t, "")
	db := open(t, url)
	if _, err := db.Exec(`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO notes VALUES (1, 'héllo')`); err != nil {
		t.Fatal(err)
	}
	var body string
	if err := db.QueryRow(`SELECT body FROM notes WHERE id = 1`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if body != "héllo" {
		t.Errorf("body = %q, want %q", body, "héllo")
	}
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "docket_test_") {
		t.Errorf("current_database() = %q, want a docket_test_ name", name)
	}
}

func TestNewDatabaseIsEmptyAndSeparate(t *testing.T) {
	t.Parallel()
	a, b := NewDatabase(t, ""), NewDatabase(t, "")
	if a == b {
		t.Fatalf("two databases with the same URL %s", a)
	}
	if _, err := open(t, a).Exec(`CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := open(t, b).QueryRow(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("new database has %d tables, want 0", n)
	}
}

var templateRuns int

func TestTemplate(t *testing.T) {
	t.Parallel()
	// A new name each run: templates live as long as the process, which -count=N reuses.
	templateRuns++
	name := fmt.Sprint("pgtest_template_", templateRuns)
	calls := 0
	prepare := func(url string) error {
		calls++
		db, err := sql.Open("pgx", url)
		if err != nil {
			return err
		}
		// Left open on purpose: CreateTemplate must cope with connections prepare leaves behind.
		_, err = db.Exec(`CREATE TABLE tickets (id int PRIMARY KEY, subject text NOT NULL);
			INSERT INTO tickets VALUES (1, 'printer on fire')`)
		return err
	}
	CreateTemplate(t, name, prepare)
	CreateTemplate(t, name, prepare)
	if calls != 1 {
		t.Errorf("prepare called %d times, want 1", calls)
	}

	for i := range 4 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			db := open(t, NewDatabase(t, name))
			var subject string
			if err := db.QueryRow(`SELECT subject FROM tickets WHERE id = 1`).Scan(&subject); err != nil {
				t.Fatal(err)
			}
			if subject != "printer on fire" {
				t.Errorf("subject = %q", subject)
			}
			// Each clone is separate: the row each test inserts is the only one there.
			if _, err := db.Exec(`INSERT INTO tickets VALUES (2, $1)`, fmt.Sprint("clone ", i)); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM tickets`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("%d rows, want 2", n)
			}
		})
	}
}

func TestFindBinaries(t *testing.T) {
	if !supported {
		t.Skip("pgtest starts servers only on Unix")
	}
	lib := t.TempDir()
	for _, v := range []string{"9.6", "16", "15", "17"} {
		dir := filepath.Join(lib, v, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, exe := range []string{"initdb", "postgres"} {
			if v == "17" && exe == "postgres" {
				continue // incomplete installation: skipped
			}
			if err := os.WriteFile(filepath.Join(dir, exe), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	old := libGlob
	libGlob = filepath.Join(lib, "*", "bin")
	t.Cleanup(func() { libGlob = old })

	t.Setenv("PATH", t.TempDir())
	initdb, postgres, err := findBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(lib, "16", "bin", "initdb"); initdb != want {
		t.Errorf("initdb = %s, want %s", initdb, want)
	}
	if want := filepath.Join(lib, "16", "bin", "postgres"); postgres != want {
		t.Errorf("postgres = %s, want %s", postgres, want)
	}

	// initdb on PATH as a symlink into a version directory: postgres comes from next to its target.
	path := t.TempDir()
	if err := os.Symlink(filepath.Join(lib, "9.6", "bin", "initdb"), filepath.Join(path, "initdb")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", path)
	initdb, postgres, err = findBinaries()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(lib, "9.6", "bin", "postgres"); postgres != want {
		t.Errorf("postgres = %s (initdb %s), want %s", postgres, initdb, want)
	}

	libGlob = filepath.Join(t.TempDir(), "*", "bin")
	t.Setenv("PATH", t.TempDir())
	if i, p, err := findBinaries(); err == nil {
		t.Errorf("found %s, %s in empty directories", i, p)
	}
}
