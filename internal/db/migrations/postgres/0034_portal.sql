-- The requester portal's emailed links: a magic sign-in link or a password
-- reset, each single use and short-lived. Only the SHA-256 hash of the
-- token is stored; the token itself is in the email alone. ticket_id, when
-- set, is the ticket a magic link was asked for (it opens that page).
CREATE TABLE portal_links (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    ticket_id  BIGINT REFERENCES tickets (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX portal_links_user ON portal_links (user_id, purpose);
CREATE INDEX portal_links_expires ON portal_links (expires_at);

-- A custom field shown to requesters in the portal's form (and on their
-- ticket page): the rest stay agent-only.
ALTER TABLE custom_fields ADD COLUMN requester_visible BOOLEAN NOT NULL DEFAULT FALSE;
