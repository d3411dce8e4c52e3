package db

import "testing"

func TestRows(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"INSERT INTO t (a, b, c) VALUES ($1, 'x', $2) ON CONFLICT DO NOTHING RETURNING id",
			"INSERT INTO t (a, b, c) VALUES ($1, 'x', $2), ($3, 'x', $4), ($5, 'x', $6) ON CONFLICT DO NOTHING RETURNING id"},
		{"INSERT INTO t (a, b, c) VALUES (?1, ?2, ?2)", "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?2), (?3, ?4, ?4), (?5, ?6, ?6)"},
		{"INSERT INTO t (a) VALUES (lower($1)) ON CONFLICT (a) DO UPDATE SET a = excluded.a",
			"INSERT INTO t (a) VALUES (lower($1)), (lower($2)), (lower($3)) ON CONFLICT (a) DO UPDATE SET a = excluded.a"},
	} {
		if got := Rows(c.in, 3); got != c.want {
			t.Errorf("Rows(%q, 3)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
	if got := Rows("INSERT INTO t (a) VALUES ($1)", 1); got != "INSERT INTO t (a) VALUES ($1)" {
		t.Errorf("one row: %q", got)
	}
}
