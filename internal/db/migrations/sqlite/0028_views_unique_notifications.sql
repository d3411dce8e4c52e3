-- Saved views: names unique per owner (shared views, owner NULL, share one
-- namespace), case-insensitively. Existing duplicates keep their rows and
-- get their id appended, so the index can be built.
UPDATE views SET name = name || ' (' || id || ')'
WHERE EXISTS (SELECT 1 FROM views o WHERE COALESCE(o.owner_id, 0) = COALESCE(views.owner_id, 0)
              AND lower(o.name) = lower(views.name) AND o.id < views.id);
CREATE UNIQUE INDEX views_owner_name ON views (COALESCE(owner_id, 0), lower(name));

-- Notifications in the workspace: an agent mentioned in an internal note.
-- One per person and message; read_at is set when they open it.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    actor_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT
);
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, message_id, kind);
CREATE INDEX notifications_user ON notifications (user_id, id);

-- Each person's choice of what reaches them by email too; no row means the
-- defaults (a mention in a note is emailed).
CREATE TABLE notification_settings (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    mention_email BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at    BIGINT NOT NULL
);
