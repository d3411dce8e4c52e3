package mail

import "context"

// SaveCheckpoint exposes the checkpoint write to the tests of package
// mail_test, as a fetcher that began from stored would call it.
func (f *Fetcher) SaveCheckpoint(ctx context.Context, id, stored int64, validity uint32, last int64) error {
	return f.checkpoint(ctx, id, stored, validity, last)
}

// Checkpoint reads the stored checkpoint of mailbox id.
func (f *Fetcher) Checkpoint(ctx context.Context, id int64) (validity, last int64, err error) {
	err = f.im.db.R.QueryRowContext(ctx, f.im.q.Get("imap-state"), id).Scan(&validity, &last)
	return validity, last, err
}

// SetBatchLimits changes how many messages, and how many bytes of them, a
// batch holds at most.
func (f *Fetcher) SetBatchLimits(count int, bytes int64) {
	f.batch = batchLimits{count: count, bytes: bytes}
}
