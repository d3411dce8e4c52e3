package mail

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/mailbox"
)

// The messages of one batch are fetched with one UID FETCH and filed in one
// transaction: one commit per batch instead of one per message is most of
// the import rate on SQLite. A batch holds up to batchCount messages and,
// unless a single message is larger, up to batchBytes of them (a Fetcher's
// defaults).
const (
	batchCount = 50
	batchBytes = 8 << 20
)

// batchLimits bound a batch: messages and bytes.
type batchLimits struct {
	count int
	bytes int64
}

// fetched is a message's body as the server sent it.
type fetched struct {
	uid imap.UID
	raw []byte
}

// importFresh imports the messages fresh lists (in UID order) batch by
// batch and says how many it stored, also when it fails part way.
func (f *Fetcher) importFresh(ctx context.Context, c *imapclient.Client, mb *mailbox.Mailbox, stored int64, validity uint32, fresh []imap.UID) (filed int, err error) {
	if len(fresh) == 0 {
		return 0, nil
	}
	batches, err := batchesOf(c, fresh, f.batch)
	if err != nil {
		return 0, err
	}
	for _, uids := range batches {
		msgs, err := fetchBodies(c, uids)
		if err != nil {
			return filed, err
		}
		n, err := f.fileBatch(ctx, c, mb, stored, validity, msgs)
		filed += n
		if err != nil {
			return filed, err
		}
	}
	return filed, nil
}

// batchesOf splits uids into the batches to fetch, by the sizes the server
// reports (one FETCH for all).
func batchesOf(c *imapclient.Client, uids []imap.UID, limit batchLimits) ([][]imap.UID, error) {
	if len(uids) == 1 {
		return [][]imap.UID{uids}, nil // the usual case after IDLE: no sizes needed
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch sizes: %w", err)
	}
	size := make(map[imap.UID]int64, len(msgs))
	for _, m := range msgs {
		size[m.UID] = m.RFC822Size
	}
	var out [][]imap.UID
	var cur []imap.UID
	var bytes int64
	for _, uid := range uids {
		s, ok := size[uid]
		if !ok {
			continue // expunged meanwhile
		}
		if len(cur) > 0 && (len(cur) == limit.count || bytes+s > limit.bytes) {
			out, cur, bytes = append(out, cur), nil, 0
		}
		cur = append(cur, uid)
		bytes += s
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

// fetchBodies fetches the bodies of uids with one UID FETCH, in UID order,
// leaving them unseen; a message expunged meanwhile is left out.
func fetchBodies(c *imapclient.Client, uids []imap.UID) ([]fetched, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch uid %s: %w", imap.UIDSetNum(uids...), err)
	}
	body := make(map[imap.UID][]byte, len(msgs))
	for _, m := range msgs {
		if raw := m.FindBodySection(section); raw != nil {
			body[m.UID] = raw
		}
	}
	out := make([]fetched, 0, len(uids))
	for _, uid := range uids {
		if raw, ok := body[uid]; ok {
			out = append(out, fetched{uid: uid, raw: raw})
		}
	}
	return out, nil
}

// fileBatch files msgs in one transaction: every read of the import
// (duplicates, threading, the sender's rate) sees the messages before it in
// the batch, so a reply to one of them joins its ticket. After the commit,
// and only then, the checkpoint moves past the batch and the server is told.
// When any message fails, nothing of the batch is kept and its messages are
// filed one at a time (fileOne), so one that keeps failing holds up or
// loses none of the others.
func (f *Fetcher) fileBatch(ctx context.Context, c *imapclient.Client, mb *mailbox.Mailbox, stored int64, validity uint32, msgs []fetched) (filed int, err error) {
	if len(msgs) > 1 {
		var set imap.UIDSet
		err := f.im.db.WithTx(ctx, func(tx *db.Tx) error {
			in := db.WithinTx(ctx, tx)
			for _, m := range msgs {
				if _, err := f.im.Import(in, mb, m.raw); err != nil {
					return fmt.Errorf("import uid %d: %w", m.uid, err)
				}
				set.AddNum(m.uid)
			}
			return nil
		})
		if err == nil {
			f.forget(mb.ID, msgs...)
			last := msgs[len(msgs)-1].uid
			if err := f.checkpoint(ctx, mb.ID, stored, validity, int64(last)); err != nil {
				return len(msgs), err
			}
			return len(msgs), f.afterImport(c, mb, set)
		}
		if ctx.Err() != nil {
			return 0, err
		}
		f.log.Info("imap batch not stored; filing its messages one at a time", "mailbox", mb.Address, "messages", len(msgs), "err", err)
	}
	for _, m := range msgs {
		ok, err := f.fileOne(ctx, c, mb, stored, validity, m)
		if ok {
			filed++
		}
		if err != nil {
			return filed, err
		}
	}
	return filed, nil
}

// fileOne files one message in a transaction of its own, and says whether
// it was stored. One that keeps failing is recorded as rejected after
// GiveUpAfter attempts.
func (f *Fetcher) fileOne(ctx context.Context, c *imapclient.Client, mb *mailbox.Mailbox, stored int64, validity uint32, m fetched) (bool, error) {
	if _, err := f.im.Import(ctx, mb, m.raw); err != nil {
		key := [2]int64{mb.ID, int64(m.uid)}
		f.mu.Lock()
		f.failures[key]++
		n := f.failures[key]
		f.mu.Unlock()
		if n < f.GiveUpAfter || ctx.Err() != nil {
			// Not stored: leave it on the server, unacknowledged.
			return false, fmt.Errorf("import uid %d: %w", m.uid, err)
		}
		// The same message keeps failing: record it as rejected, raw and
		// reason kept, so the mailbox moves on. If even that cannot be
		// stored (the database is down), it stays unacknowledged.
		if _, rerr := f.im.Reject(ctx, mb, m.raw, fmt.Sprintf("could not be stored after %d attempts: %v", n, err)); rerr != nil {
			return false, fmt.Errorf("import uid %d: %w", m.uid, err)
		}
		f.log.Error("inbound message rejected after repeated failures", "mailbox", mb.Address, "uid", m.uid, "err", err)
	}
	f.forget(mb.ID, m)
	if err := f.checkpoint(ctx, mb.ID, stored, validity, int64(m.uid)); err != nil {
		return true, err
	}
	return true, f.afterImport(c, mb, imap.UIDSetNum(m.uid))
}

// forget drops the failed attempts counted for stored messages.
func (f *Fetcher) forget(id int64, msgs ...fetched) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range msgs {
		delete(f.failures, [2]int64{id, int64(m.uid)})
	}
}
