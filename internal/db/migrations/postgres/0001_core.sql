-- Core schema: people, tickets, conversation, history, attachments, search.
-- Timestamps are microseconds since the Unix epoch (BIGINT) on both dialects.

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('ticket_number', 1000);
-- Ticket numbers come from a sequence: it never hands out a number twice and
-- does not serialize concurrent creators on one row lock.
CREATE SEQUENCE ticket_number_seq START WITH 1001;

CREATE TABLE organizations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           TEXT NOT NULL,
    domain         TEXT NOT NULL DEFAULT '',
    shared_tickets BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_name ON organizations (lower(name));

CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL,
    password_hash   TEXT NOT NULL DEFAULT '',
    organization_id BIGINT REFERENCES organizations (id) ON DELETE SET NULL,
    phone           TEXT NOT NULL DEFAULT '',
    department      TEXT NOT NULL DEFAULT '',
    location        TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT '',
    signature       TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE INDEX users_organization ON users (organization_id);

CREATE TABLE teams (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    restricted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name));

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE categories (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX categories_name ON categories (lower(name));

CREATE TABLE custom_fields (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT NOT NULL,
    label       TEXT NOT NULL,
    field_type  TEXT NOT NULL,
    options     TEXT NOT NULL DEFAULT '[]',
    required    BOOLEAN NOT NULL DEFAULT FALSE,
    ticket_type TEXT NOT NULL DEFAULT '',
    category_id BIGINT REFERENCES categories (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX custom_fields_key ON custom_fields (key);

CREATE TABLE tickets (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid               TEXT NOT NULL,
    number            BIGINT NOT NULL,
    type              TEXT NOT NULL,
    subject           TEXT NOT NULL,
    status            TEXT NOT NULL,
    resolution        TEXT NOT NULL DEFAULT '',
    solution          TEXT NOT NULL DEFAULT '',
    priority          INTEGER NOT NULL,
    impact            TEXT NOT NULL DEFAULT '',
    urgency           TEXT NOT NULL DEFAULT '',
    category_id       BIGINT REFERENCES categories (id),
    team_id           BIGINT REFERENCES teams (id),
    assignee_id       BIGINT REFERENCES users (id),
    requester_id      BIGINT NOT NULL REFERENCES users (id),
    organization_id   BIGINT REFERENCES organizations (id),
    channel           TEXT NOT NULL,
    custom_fields     TEXT NOT NULL DEFAULT '{}',
    tags              TEXT NOT NULL DEFAULT '[]',
    merged_into_id    BIGINT REFERENCES tickets (id),
    version           BIGINT NOT NULL DEFAULT 1,
    due_at            BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    first_response_at BIGINT,
    resolved_at       BIGINT,
    closed_at         BIGINT
);
CREATE UNIQUE INDEX tickets_uid ON tickets (uid);
CREATE UNIQUE INDEX tickets_number ON tickets (number);
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_priority ON tickets (priority, id);
CREATE INDEX tickets_due ON tickets (due_at, id);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at, id);
CREATE INDEX tickets_assignee_updated ON tickets (assignee_id, updated_at, id);
CREATE INDEX tickets_team_updated ON tickets (team_id, updated_at, id);
CREATE INDEX tickets_requester ON tickets (requester_id, updated_at);
CREATE INDEX tickets_organization ON tickets (organization_id);
CREATE INDEX tickets_category ON tickets (category_id);

CREATE TABLE ticket_tags (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

CREATE TABLE ticket_followers (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_followers_user ON ticket_followers (user_id, ticket_id);

CREATE TABLE messages (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid        TEXT NOT NULL,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  BIGINT NOT NULL REFERENCES users (id),
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    body       TEXT NOT NULL,
    body_html  TEXT NOT NULL,
    format     TEXT NOT NULL DEFAULT 'markdown',
    channel    TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    threading  TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX messages_uid ON messages (uid);
CREATE INDEX messages_ticket ON messages (ticket_id, id);
CREATE INDEX messages_message_id ON messages (message_id);

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    uploader_id  BIGINT REFERENCES users (id),
    message_id   BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

CREATE TABLE ticket_links (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    other_id   BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    link_type  TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ticket_links_pair ON ticket_links (ticket_id, other_id, link_type);
CREATE INDEX ticket_links_other ON ticket_links (other_id);

CREATE TABLE ticket_events (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id  BIGINT REFERENCES users (id),
    at        BIGINT NOT NULL,
    field     TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE idempotency_keys (
    user_id      BIGINT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    headers      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Search documents: one per ticket subject and one per message, indexed
-- with a GIN expression index over their tsvector.
CREATE TABLE search_docs (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES messages (id) ON DELETE CASCADE,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    body       TEXT NOT NULL
);
CREATE INDEX search_docs_ticket ON search_docs (ticket_id);
CREATE UNIQUE INDEX search_docs_message ON search_docs (message_id);

CREATE INDEX search_docs_fts ON search_docs USING GIN (to_tsvector('simple', body));
