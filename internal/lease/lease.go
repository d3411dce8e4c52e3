// Package lease hands named pieces of work to one Docket instance at a
// time, through a row in the shared database: the job runner's leader and
// the fetcher of each IMAP mailbox. A holder renews its lease well before
// it expires; when a holder dies, its lease runs out and another instance
// takes it over. Instances compare their own clocks with the stored expiry,
// so their clocks must agree to within a small fraction of the lease time.
package lease

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/docket/docket/internal/db"
)

//go:embed queries.sql
var queryFiles embed.FS

// Leases acquires, renews and releases leases for one instance.
type Leases struct {
	db     *db.DB
	q      *db.Queries
	holder string
	now    func() time.Time
}

// New returns the leases of this instance, named by a fresh holder id
// (host name, process id and a random suffix, so a restarted process is a
// new holder).
func New(d *db.DB) (*Leases, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	holder := fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	return &Leases{db: d, q: q, holder: holder, now: time.Now}, nil
}

// Queries exposes the named queries for start-up checks.
func (l *Leases) Queries() *db.Queries { return l.q }

// Holder is this instance's holder id.
func (l *Leases) Holder() string { return l.holder }

// WithHolder returns a copy that acts as another holder: tests use it to
// stand for a second instance.
func (l *Leases) WithHolder(holder string) *Leases {
	c := *l
	c.holder = holder
	return &c
}

// WithClock returns a copy that reads time from now (tests).
func (l *Leases) WithClock(now func() time.Time) *Leases {
	c := *l
	c.now = now
	return &c
}

// Acquire takes the lease called name for ttl, or renews it when this
// instance holds it already. It reports whether this instance holds the
// lease now; false means another live holder has it.
func (l *Leases) Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	now := l.now()
	res, err := l.db.W.ExecContext(ctx, l.q.Get("acquire-lease"), name, l.holder, now.UnixMicro(), now.Add(ttl).UnixMicro())
	if err != nil {
		return false, fmt.Errorf("lease: acquire %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("lease: acquire %s: %w", name, err)
	}
	return n == 1, nil
}

// Release gives the lease up at once, if this instance holds it, so
// another instance need not wait for it to expire.
func (l *Leases) Release(ctx context.Context, name string) error {
	if _, err := l.db.W.ExecContext(ctx, l.q.Get("release-lease"), name, l.holder); err != nil {
		return fmt.Errorf("lease: release %s: %w", name, err)
	}
	return nil
}

// Holds reports whether this instance holds an unexpired lease on name.
func (l *Leases) Holds(ctx context.Context, name string) (bool, error) {
	var holder string
	var exp int64
	err := l.db.R.QueryRowContext(ctx, l.q.Get("lease-holder"), name).Scan(&holder, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lease: read %s: %w", name, err)
	}
	return holder == l.holder && exp > l.now().UnixMicro(), nil
}

// Lease is one row of the leases table.
type Lease struct {
	Name, Holder          string
	AcquiredAt, ExpiresAt time.Time
}

// List returns the leases whose names start with prefix.
func (l *Leases) List(ctx context.Context, prefix string) ([]Lease, error) {
	rows, err := l.db.R.QueryContext(ctx, l.q.Get("list-leases"), prefix+"%")
	if err != nil {
		return nil, fmt.Errorf("lease: list: %w", err)
	}
	return db.Collect(rows, func(s db.Scanner) (Lease, error) {
		var x Lease
		var a, e int64
		err := s.Scan(&x.Name, &x.Holder, &a, &e)
		x.AcquiredAt, x.ExpiresAt = db.Time(a), db.Time(e)
		return x, err
	})
}
