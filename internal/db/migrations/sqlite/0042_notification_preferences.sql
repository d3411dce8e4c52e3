-- Notifications of every kind (mention, assigned, team, reply, SLA warning
-- and breach), raised by a durable consumer of the domain events: one per
-- person and event. Kinds other than a mention need not point at a message,
-- so message_id may be empty. A person may want a kind by email only:
-- in_app false keeps the row for the email and hides it from the bell.
-- digest marks a row waiting for the person's daily digest; emailed_at is
-- when it was emailed (at once or in a digest).
CREATE TABLE notifications_new (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES messages (id) ON DELETE CASCADE,
    actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    event_id   BIGINT,
    in_app     BOOLEAN NOT NULL DEFAULT TRUE,
    digest     BOOLEAN NOT NULL DEFAULT FALSE,
    emailed_at BIGINT
);
INSERT INTO notifications_new (id, user_id, kind, ticket_id, message_id, actor_id, created_at, read_at)
SELECT id, user_id, kind, ticket_id, message_id, actor_id, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, message_id, kind);
CREATE UNIQUE INDEX notifications_event ON notifications (user_id, event_id);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_digest ON notifications (user_id) WHERE digest = TRUE AND emailed_at IS NULL;

-- Each agent's choice per kind: shown in the app or not, and emailed at
-- once, in the daily digest, or never. No row means the kind's default.
CREATE TABLE notification_preferences (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    in_app     BOOLEAN NOT NULL,
    email      TEXT NOT NULL CHECK (email IN ('immediately', 'digest', 'never')),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);
INSERT INTO notification_preferences (user_id, kind, in_app, email, updated_at)
SELECT user_id, 'mention', TRUE, 'never', updated_at FROM notification_settings WHERE mention_email = FALSE;
DROP TABLE notification_settings;

-- The daily digests sent: one per person and local day, whichever
-- instance runs the job.
CREATE TABLE notification_digests (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day     TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);
