-- Drafts: an agent's unsent reply or internal note on a ticket, one per
-- agent and ticket, so that a half-written message survives a property
-- save, a collision, an ended session or a change of browser. A draft is
-- its agent's alone. Sending the message deletes it; a periodic job
-- deletes drafts nobody touched for a long time.
CREATE TABLE drafts (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
);
CREATE INDEX drafts_updated ON drafts (updated_at);
