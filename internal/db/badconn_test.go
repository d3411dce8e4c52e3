package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"sync"
	"testing"
)

// deadConns is a driver whose connections report themselves dead
// (driver.ErrBadConn) on their next dead begins, as pgx's do once they were
// closed under database/sql's pool.
type deadConns struct {
	mu     sync.Mutex
	dead   int // begins still to fail
	begins int // uses asked for: begins, queries, statements
}

func (d *deadConns) Open(string) (driver.Conn, error) { return deadConn{d}, nil }

type deadConn struct{ d *deadConns }

func (c deadConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (c deadConn) Close() error                        { return nil }
func (c deadConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c deadConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	if err := c.d.use(); err != nil {
		return nil, err
	}
	return deadTx{}, nil
}

func (c deadConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	if err := c.d.use(); err != nil {
		return nil, err
	}
	return noRows{}, nil
}

func (c deadConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	if err := c.d.use(); err != nil {
		return nil, err
	}
	return driver.RowsAffected(0), nil
}

// use counts a use of a connection: dead while dead lasts.
func (d *deadConns) use() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.begins++
	if d.dead > 0 {
		d.dead--
		return driver.ErrBadConn
	}
	return nil
}

type noRows struct{}

func (noRows) Columns() []string         { return []string{"n"} }
func (noRows) Close() error              { return nil }
func (noRows) Next([]driver.Value) error { return io.EOF }

type deadTx struct{}

func (deadTx) Commit() error   { return nil }
func (deadTx) Rollback() error { return nil }

// deadDriver is registered once, for every run of the test.
var (
	deadDriver        = &deadConns{}
	registerDeadConns sync.Once
)

// TestBeginOutlastsDeadConnections: a transaction begins although the pool
// hands it more dead connections than database/sql tries (three), and a
// pool of nothing but dead ones still fails, after a bounded number of
// tries. The first failed ("driver: bad connection") before begin asked
// again: after a burst of cancelled requests on PostgreSQL, 1–2 writes in
// 3,500 answered 500.
func TestBeginOutlastsDeadConnections(t *testing.T) {
	d := deadDriver
	registerDeadConns.Do(func() { sql.Register("docket-dead-conns", d) })
	d.begins = 0
	p, err := sql.Open("docket-dead-conns", "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	ran := 0
	run := func(tx *Tx) error { ran++; return nil }

	d.dead = 4
	if _, err := inTx(ctx, p, nil, nil, run); err != nil {
		t.Fatalf("with 4 dead connections before a live one: %v, want the transaction", err)
	}
	if ran != 1 || d.begins != 5 {
		t.Errorf("fn ran %d times after %d begins, want once after 5", ran, d.begins)
	}

	d.dead, d.begins = 1000, 0
	_, err = inTx(ctx, p, nil, nil, run)
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("with only dead connections: %v, want driver.ErrBadConn", err)
	}
	if want := 3 * (1 + badConnRetries); d.begins != want {
		t.Errorf("%d begins with only dead connections, want %d (bounded)", d.begins, want)
	}
	if ran != 1 {
		t.Errorf("fn ran without a transaction")
	}

	// Reads and writes outside a transaction, the same.
	r := pool{db: p}
	for name, q := range map[string]func() error{
		"QueryRowContext": func() error { return r.QueryRowContext(ctx, "q").Scan(new(int)) },
		"QueryContext": func() error {
			rows, err := r.QueryContext(ctx, "q")
			if err == nil {
				rows.Close()
			}
			return err
		},
		"ExecContext": func() error { _, err := r.ExecContext(ctx, "q"); return err },
	} {
		d.dead, d.begins = 4, 0
		if err := q(); err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("%s with 4 dead connections before a live one: %v", name, err)
		}
		d.dead, d.begins = 1000, 0
		if err := q(); !errors.Is(err, driver.ErrBadConn) || d.begins != 3*(1+badConnRetries) {
			t.Errorf("%s with only dead connections: %v after %d tries, want driver.ErrBadConn after %d",
				name, err, d.begins, 3*(1+badConnRetries))
		}
	}
}
