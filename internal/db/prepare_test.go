package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"testing"
	"time"
)

// stmtConns is a driver.Connector whose connections prepare any statement.
type stmtConns struct{}

func (stmtConns) Connect(context.Context) (driver.Conn, error) { return stmtConn{}, nil }
func (stmtConns) Driver() driver.Driver                        { return nil }

type stmtConn struct{}

func (stmtConn) Prepare(string) (driver.Stmt, error) { return stmtNone{}, nil }
func (stmtConn) Close() error                        { return nil }
func (stmtConn) Begin() (driver.Tx, error)           { return deadTx{}, nil }

type stmtNone struct{}

func (stmtNone) Close() error                               { return nil }
func (stmtNone) NumInput() int                              { return -1 }
func (stmtNone) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(0), nil }
func (stmtNone) Query([]driver.Value) (driver.Rows, error)  { return noRows{}, nil }

// TestPrepareIgnoresConnectionsHeldElsewhere: checking the statements at
// start-up (PostgreSQL) does not wait on a connection that someone else
// holds in database/sql's Conn.Raw, as the event pump's LISTEN does for as
// long as it listens. A statement prepared on the pool is closed on every
// connection it was prepared on, and closing takes that connection's lock:
// when the listener took the connection between the prepare and the close,
// the close waited for its next notification. TestSetupTokenRace, four
// instances built on one pool, hung for ten minutes in CI that way.
func TestPrepareIgnoresConnectionsHeldElsewhere(t *testing.T) {
	p := sql.OpenDB(stmtConns{})
	defer p.Close()
	p.SetMaxOpenConns(1)
	d := &DB{Dialect: Postgres, wpool: p, rpool: p}
	q := &Queries{domain: "test", m: map[string]string{}}
	for i := range 30 {
		q.m[fmt.Sprintf("q%02d", i)] = "SELECT 1"
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped, holding := make(chan struct{}), make(chan struct{}, 1)
	go func() {
		// A listener that takes the connection whenever it is free and
		// holds it in Raw for 100 ms at a time.
		defer close(stopped)
		for ctx.Err() == nil {
			c, err := p.Conn(ctx)
			if err != nil {
				return
			}
			_ = c.Raw(func(any) error {
				select {
				case holding <- struct{}{}:
				default:
				}
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
				return nil
			})
			c.Close()
		}
	}()
	<-holding
	start := time.Now()
	if err := d.Prepare(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("checking 30 statements took %v beside a listener holding the connection, want one wait for it (100 ms)", took.Round(time.Millisecond))
	}
	cancel()
	<-stopped
}
