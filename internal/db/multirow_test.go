package db_test

import (
	"testing"

	"github.com/docket/docket/internal/db"
)

func TestMultiRow(t *testing.T) {
	for _, c := range []struct{ one, want string }{
		{"INSERT INTO e (a, b) VALUES ($1, $2);", "INSERT INTO e (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"},
		{"INSERT INTO e (a, b, c) VALUES (?1, lower(?2), ?1) ON CONFLICT DO NOTHING",
			"INSERT INTO e (a, b, c) VALUES (?1, lower(?2), ?1), (?3, lower(?4), ?3), (?5, lower(?6), ?5) ON CONFLICT DO NOTHING"},
		// SQLite's numbered parameters in order become plain ones.
		{"INSERT INTO t (a, b) VALUES (?1, ?2);", "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?)"},
		{"INSERT INTO t (a, b) VALUES (?1, ?2) ON CONFLICT DO NOTHING", "INSERT INTO t (a, b) VALUES (?, ?), (?, ?), (?, ?) ON CONFLICT DO NOTHING"},
		// Out of order, or with placeholders after the tuple, they stay numbered.
		{"INSERT INTO t (a, b) VALUES (?2, ?1)", "INSERT INTO t (a, b) VALUES (?2, ?1), (?4, ?3), (?6, ?5)"},
	} {
		if got := db.MultiRow(c.one, 3); got != c.want {
			t.Errorf("MultiRow(%q, 3):\n got %s\nwant %s", c.one, got, c.want)
		}
	}
}
