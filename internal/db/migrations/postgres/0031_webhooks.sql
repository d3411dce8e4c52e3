-- Webhooks: HTTP endpoints that receive domain events, signed with a
-- secret sealed by the instance's key (write-only, like mailbox passwords).
-- events is a JSON array of event kinds, or ["*"]. allow_private_host is an
-- admin's explicit exception to the refusal of loopback, private and
-- link-local addresses. A webhook whose deliveries kept failing for the
-- whole retry window is disabled with the reason.
CREATE TABLE webhooks (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                TEXT NOT NULL,
    events             TEXT NOT NULL DEFAULT '[]',
    secret             TEXT NOT NULL DEFAULT '',
    enabled            BOOLEAN NOT NULL DEFAULT TRUE,
    allow_private_host BOOLEAN NOT NULL DEFAULT FALSE,
    created_by         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    disabled_reason    TEXT NOT NULL DEFAULT '',
    disabled_at        BIGINT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

-- One delivery of one event to one webhook. chain is the ticket the event
-- is about (0 for the rest): deliveries of a chain go out one at a time in
-- id order. state: pending → succeeded, or failed once the retry window
-- is over. A redelivery is a new row pointing at the delivery it repeats.
CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL,
    event_kind       TEXT NOT NULL,
    chain            BIGINT NOT NULL DEFAULT 0,
    redelivery_of    BIGINT,
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    status_code      INTEGER NOT NULL DEFAULT 0,
    response_ms      INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    response_excerpt TEXT NOT NULL DEFAULT '',
    next_attempt_at  BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id) WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_chain ON webhook_deliveries (webhook_id, chain, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
