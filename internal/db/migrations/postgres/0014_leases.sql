-- Leases: a named piece of work held by one instance at a time (the job
-- runner's leader, the fetcher of one IMAP mailbox). A holder renews its
-- lease before it expires; when a holder dies, its lease expires and
-- another instance takes it over.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
