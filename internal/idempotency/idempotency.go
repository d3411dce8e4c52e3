// Package idempotency remembers the results of requests sent with an
// Idempotency-Key, so a retry returns the first result instead of doing the
// work twice. Keys are per user and kept for a day (TTL); a periodic job
// prunes older ones (Prune).
package idempotency

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
)

//go:embed queries.sql
var queryFiles embed.FS

// Timings.
const (
	TTL       = 24 * time.Hour
	Abandoned = 5 * time.Minute // an in-flight key older than this died with its process
)

// Result is a stored response.
type Result struct {
	Status  int
	Headers string // JSON object
	Body    string
}

// Store keeps keys in the database.
type Store struct {
	db *db.DB
	q  *db.Queries
}

// New returns a Store.
func New(d *db.DB) (*Store, error) {
	q, err := db.LoadQueries(queryFiles, ".", d.Dialect)
	if err != nil {
		return nil, err
	}
	return &Store{db: d, q: q}, nil
}

// Queries exposes the named queries for start-up checks.
func (s *Store) Queries() *db.Queries { return s.q }

// ErrInProgress means the first request with this key is still running.
var ErrInProgress = fault.Conflict("a request with this Idempotency-Key is still in progress")

// ErrMismatch means the key was used for a different request.
var ErrMismatch = errors.New("idempotency: key reused for a different request")

// Begin claims key for a request with fingerprint hash. It returns the
// stored result when the request already completed, (nil, nil) when the
// caller should run it now, ErrInProgress or ErrMismatch otherwise.
func (s *Store) Begin(ctx context.Context, userID int64, key, hash string) (*Result, error) {
	now := time.Now()
	res, err := s.db.W.ExecContext(ctx, s.q.Get("claim"), userID, key, hash, now.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("idempotency: claim: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var r Result
	var storedHash string
	var created int64
	err = s.db.W.QueryRowContext(ctx, s.q.Get("select"), userID, key).Scan(&storedHash, &r.Status, &r.Headers, &r.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return s.Begin(ctx, userID, key, hash) // expired between our two statements
	} else if err != nil {
		return nil, fmt.Errorf("idempotency: read: %w", err)
	}
	switch {
	case storedHash != hash:
		return nil, ErrMismatch
	case r.Status == 0 && now.Sub(db.Time(created)) < Abandoned:
		return nil, ErrInProgress
	case r.Status == 0:
		// The first attempt died mid-way. Only one retry may take over.
		res, err := s.db.W.ExecContext(ctx, s.q.Get("reclaim"), userID, key, now.UnixMicro(), created)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, ErrInProgress
		}
		return nil, nil
	}
	return &r, nil
}

// Complete stores the result of a claimed key.
func (s *Store) Complete(ctx context.Context, userID int64, key string, r Result) error {
	_, err := s.db.W.ExecContext(ctx, s.q.Get("complete"), userID, key, r.Status, r.Headers, r.Body)
	return err
}

// Release forgets a claimed key, so a retry runs the request again (after
// a server error, which changed nothing).
func (s *Store) Release(ctx context.Context, userID int64, key string) error {
	_, err := s.db.W.ExecContext(ctx, s.q.Get("release"), userID, key)
	return err
}

// Prune forgets the keys used more than TTL before now and reports how many.
func (s *Store) Prune(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.W.ExecContext(ctx, s.q.Get("expire"), now.Add(-TTL).UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("idempotency: prune: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
