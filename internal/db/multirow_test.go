package db_test

import (
	"testing"

	"github.com/docket/docket/internal/db"
)

func TestMultiRow(t *testing.T) {
	for _, c := range []struct{ one, want string }{
		{"INSERT INTO t (a, b) VALUES ($1, $2) RETURNING id;", "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"},
		// SQLite's numbered parameters in order become plain ones.
		{"INSERT INTO t (a, b) VALUES (?1, ?2);", "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)"},
		// Out of order, they stay numbered.
		{"INSERT INTO t (a, b) VALUES (?2, ?1)", "INSERT INTO t (a, b) VALUES (?2, ?1), (?4, ?3), (?6, ?5)"},
	} {
		if got := db.MultiRow(c.one, 3, 2); got != c.want {
			t.Errorf("MultiRow(%q):\n got %s\nwant %s", c.one, got, c.want)
		}
	}
}
