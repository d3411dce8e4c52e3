package assign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/job"
	"github.com/docket/docket/internal/user"
)

// Availability is whether an agent takes automatic assignments now.
type Availability struct {
	UserID int64
	// Status is Available, Away or Unavailable ("off").
	Status string
	// Auto is true when the idle job set Away: the agent's next request
	// makes them available again.
	Auto         bool
	ChangedAt    time.Time
	LastActiveAt time.Time
}

// Availability returns user id's availability, for agents and admins (the
// team page shows everyone's); requesters have none to read.
func (s *Service) Availability(ctx context.Context, a *user.Actor, id int64) (*Availability, error) {
	if !a.IsAgent() {
		return nil, fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	return s.availability(ctx, s.DB.R, id)
}

func (s *Service) availability(ctx context.Context, q db.Queryer, id int64) (*Availability, error) {
	av := &Availability{UserID: id}
	var changed, seen int64
	err := q.QueryRowContext(ctx, s.q.Get("availability"), id).Scan(&av.Status, &av.Auto, &changed, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("assign: availability of %d: %w", id, err)
	}
	av.ChangedAt, av.LastActiveAt = db.Time(changed), db.Time(seen)
	return av, nil
}

// SetAvailability sets user id's availability: people set their own,
// admins anyone's. Only agents and admins have one.
func (s *Service) SetAvailability(ctx context.Context, a *user.Actor, id int64, status string) (*Availability, error) {
	if a.PersonID() != id && !a.IsAdmin() {
		return nil, fault.Forbidden("only admins may set someone else's availability")
	}
	if !slices.Contains(Availabilities, status) {
		return nil, fault.Field("availability", "must be one of %s", strings.Join(Availabilities, ", "))
	}
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var email, role string
		var active bool
		err := tx.QueryRowContext(ctx, s.q.Get("user-role"), id).Scan(&email, &role, &active)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if role == string(user.RoleRequester) {
			return fault.Field("availability", "requesters have no availability; only agents and admins do")
		}
		return s.set(ctx, tx, a, id, email, status, false)
	})
	if err != nil {
		return nil, fmt.Errorf("assign: availability of %d: %w", id, err)
	}
	return s.availability(ctx, s.DB.R, id)
}

// set writes user id's availability in tx, and the event that tells the
// assignment consumer (an agent now available takes waiting tickets).
// Setting one's availability counts as activity.
func (s *Service) set(ctx context.Context, tx *db.Tx, a *user.Actor, id int64, email, status string, auto bool) error {
	old, err := s.availability(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("ensure-availability"), id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q.Get("set-availability"), id, status, auto, db.Now()); err != nil {
		return err
	}
	if old.Status == status && old.Auto == auto {
		return nil
	}
	_, err = s.Events.Append(ctx, tx, EventAvailabilityChanged, a.EventActor(), "user", id, 0,
		map[string]any{"email": email, "availability": status, "previous": old.Status, "automatic": auto})
	return err
}

// touchEvery is how often a process records one person's activity.
const touchEvery = time.Minute

// Touch records that agent id is active (a request, a live page's
// heartbeat), at most once a minute per process; an agent the idle job
// made away becomes available again. Errors are logged: activity is never
// worth failing a request for.
func (s *Service) Touch(ctx context.Context, a *user.Actor) {
	if !a.IsAgent() || !a.IsPerson() {
		return
	}
	now := time.Now()
	s.mu.Lock()
	last, seen := s.touched[a.ID]
	if seen && now.Sub(last) < touchEvery {
		s.mu.Unlock()
		return
	}
	s.touched[a.ID] = now
	s.mu.Unlock()
	err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
		var status string
		var auto bool
		if err := tx.QueryRowContext(ctx, s.q.Get("touch"), a.ID, db.Now()).Scan(&status, &auto); err != nil {
			return err
		}
		if status != Away || !auto {
			return nil
		}
		return s.set(ctx, tx, a, a.ID, a.Email, Available, false)
	})
	if err != nil && ctx.Err() == nil {
		s.Log.Warn("could not record activity", "user", a.ID, "err", err)
	}
}

// RegisterJobs registers the idle job: every minute it marks away the
// available agents idle for longer than IdleAway (when not negative).
func (s *Service) RegisterJobs(r *job.Runner) {
	r.Register(IdleJob, job.Kind{Handler: func(ctx context.Context, j *job.Job) error {
		n, err := s.AwayIdle(ctx, time.Now())
		if n > 0 {
			s.Log.Info("marked idle agents away", "count", n)
		}
		return err
	}})
	if s.IdleAway > 0 {
		r.Every(job.Periodic{Name: IdleJob, Kind: IdleJob, Every: time.Minute})
	}
}

// AwayIdle marks away every available agent with no activity since
// now − IdleAway and reports how many.
func (s *Service) AwayIdle(ctx context.Context, now time.Time) (int, error) {
	if s.IdleAway <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-s.IdleAway).UnixMicro()
	idle, err := ids(s.DB.R.QueryContext(ctx, s.q.Get("idle-agents"), cutoff))
	if err != nil {
		return 0, fmt.Errorf("assign: idle agents: %w", err)
	}
	n := 0
	for _, id := range idle {
		err := s.DB.WithTx(ctx, func(tx *db.Tx) error {
			old, err := s.availability(ctx, tx, id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q.Get("ensure-availability"), id); err != nil {
				return err
			}
			// Conditional: activity recorded meanwhile keeps the agent available.
			res, err := tx.ExecContext(ctx, s.q.Get("mark-away"), id, db.Now(), cutoff)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			quiet := now.Sub(old.LastActiveAt).Round(time.Minute)
			_, err = s.Events.Append(ctx, tx, EventAvailabilityChanged, Actor.EventActor(), "user", id, 0,
				map[string]any{"availability": Away, "previous": old.Status, "automatic": true, "idle_minutes": int(quiet.Minutes())})
			return err
		})
		if err != nil {
			return n, fmt.Errorf("assign: mark %d away: %w", id, err)
		}
	}
	return n, nil
}
