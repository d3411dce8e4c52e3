package db

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestRebind(t *testing.T) {
	cases := map[string]string{
		"SELECT $1, $2 WHERE a = $10":           "SELECT ?1, ?2 WHERE a = ?10",
		"SELECT '$1' || $1":                     "SELECT '$1' || ?1",
		"SELECT nextval('x') WHERE y = $3 -- $": "SELECT nextval('x') WHERE y = ?3 -- $",
	}
	for in, want := range cases {
		if got := Rebind(SQLite, in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := Rebind(Postgres, in); got != in {
			t.Errorf("Rebind postgres changed %q to %q", in, got)
		}
	}
}

func TestLoadQueriesOverridesPerDialect(t *testing.T) {
	fsys := fstest.MapFS{
		"q/queries.sql":          {Data: []byte("-- name: a\nSELECT $1;\n\n-- name: b\n-- a comment\nSELECT 2\nFROM x;\n")},
		"q/queries.postgres.sql": {Data: []byte("-- name: a\nSELECT $1::int;\n")},
	}
	lite, err := LoadQueries(fsys, "q", SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if got := lite.Get("a"); got != "SELECT ?1" {
		t.Errorf("sqlite a = %q", got)
	}
	if got := lite.Get("b"); got != "SELECT 2\nFROM x" {
		t.Errorf("b = %q", got)
	}
	pg, err := LoadQueries(fsys, "q", Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if got := pg.Get("a"); got != "SELECT $1::int" {
		t.Errorf("postgres a = %q", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "missing") {
			t.Errorf("Get of a missing name did not panic with its name: %v", r)
		}
	}()
	lite.Get("missing")
}

func TestParseQueriesRejectsDuplicatesAndEmpty(t *testing.T) {
	for _, src := range []string{"-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;", "-- name: a\n\n-- name: b\nSELECT 1"} {
		if _, err := parseQueries(src); err == nil {
			t.Errorf("parseQueries accepted %q", src)
		}
	}
}
