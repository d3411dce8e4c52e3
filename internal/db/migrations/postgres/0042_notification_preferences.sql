-- Notifications of every kind (mention, assigned, team, reply, SLA warning
-- and breach), raised by a durable consumer of the domain events: one per
-- person and event. Kinds other than a mention need not point at a message,
-- so message_id may be empty. A person may want a kind by email only:
-- in_app false keeps the row for the email and hides it from the bell.
-- digest marks a row waiting for the person's daily digest; emailed_at is
-- when it was emailed (at once or in a digest).
ALTER TABLE notifications ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN event_id BIGINT;
ALTER TABLE notifications ADD COLUMN in_app BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE notifications ADD COLUMN digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE notifications ADD COLUMN emailed_at BIGINT;
CREATE UNIQUE INDEX notifications_event ON notifications (user_id, event_id);
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
