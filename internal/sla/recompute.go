package sla

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/job"
)

// RecomputeJob measures the clocks of the open tickets that use a policy
// again after an admin edited it (its targets, calendar, conditions,
// warning share or whether it is enabled), a batch of tickets per
// transaction, each with a history entry saying why. A ticket the edited
// conditions no longer match gets the policy that matches it now, or
// none.
const RecomputeJob = "sla.recompute"

// recomputeBatch is how many tickets one transaction recomputes.
var recomputeBatch = 200

type recomputeArgs struct {
	PolicyID int64    `json:"policy_id"`
	After    int64    `json:"after"` // the last ticket id done
	Why      []string `json:"why"`
	Edit     int64    `json:"edit"` // the edit's time, which names the job
}

// policyEdits are the policy's fields whose change moves its tickets'
// clocks, with the words the history uses for them.
var policyEdits = []struct{ key, words string }{
	{"enabled", "policy enabled"},
	{"calendar", "policy calendar"},
	{"conditions", "policy conditions"},
	{"targets", "policy targets"},
	{"warn_percent", "policy warning share"},
}

func recomputeJob(a recomputeArgs) job.New {
	key := RecomputeJob + ":" + strconv.FormatInt(a.PolicyID, 10) + ":" + strconv.FormatInt(a.Edit, 10) + ":" +
		strconv.FormatInt(a.After, 10)
	return job.New{Kind: RecomputeJob, UniqueKey: key, MaxAttempts: 20, Args: a}
}

// recompute runs one batch of a RecomputeJob and queues the next.
func (s *Service) recompute(ctx context.Context, j *job.Job) error {
	var a recomputeArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return job.Permanent(fmt.Errorf("sla: recompute args: %w", err))
	}
	return s.DB.WithTx(ctx, func(tx *db.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q.Get("policy-open-tickets"), a.PolicyID, a.After, recomputeBatch)
		if err != nil {
			return err
		}
		ids, err := db.Collect(rows, db.Int64)
		if err != nil {
			return err
		}
		c, err := s.current(ctx, tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.recomputeTicket(ctx, tx, c, id, a.Why); err != nil {
				return fmt.Errorf("sla: recompute ticket %d: %w", id, err)
			}
		}
		if len(ids) < recomputeBatch {
			return nil
		}
		next := a
		next.After = ids[len(ids)-1]
		return s.Jobs.InsertAll(ctx, tx, recomputeJob(next))
	})
}

// recomputeTicket chooses the policy of ticket id again and measures its
// clocks by it, behind the ticket's lock.
func (s *Service) recomputeTicket(ctx context.Context, tx *db.Tx, c *cache, id int64, why []string) error {
	var number, team int64
	err := tx.QueryRowContext(ctx, s.q.Get("lock-ticket"), id).Scan(&number, &team)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted since
	}
	if err != nil {
		return err
	}
	t, err := s.Tickets.ByIDTx(ctx, tx, id)
	if err != nil {
		return err
	}
	r := s.newRun(ctx, tx, t, time.Now())
	r.cache = c
	if err := r.load(); err != nil {
		return err
	}
	if err := r.rechoose(why); err != nil {
		return err
	}
	return r.save()
}
