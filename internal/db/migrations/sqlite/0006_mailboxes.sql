-- Mailboxes: the addresses Docket receives and sends mail as, with their
-- inbound (IMAP or the built-in SMTP listener) and outbound SMTP settings.
-- Passwords are sealed with the instance's secret key, never stored plain.
CREATE TABLE mailboxes (
    id              INTEGER PRIMARY KEY,
    address         TEXT NOT NULL,
    name            TEXT NOT NULL DEFAULT '',
    team_id         BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    category_id     BIGINT REFERENCES categories (id) ON DELETE SET NULL,
    priority        TEXT NOT NULL DEFAULT '',
    inbound_type    TEXT NOT NULL DEFAULT 'smtp',
    imap_host       TEXT NOT NULL DEFAULT '',
    imap_port       INTEGER NOT NULL DEFAULT 0,
    imap_tls        TEXT NOT NULL DEFAULT 'tls',
    imap_username   TEXT NOT NULL DEFAULT '',
    imap_password   TEXT NOT NULL DEFAULT '',
    imap_folder     TEXT NOT NULL DEFAULT 'INBOX',
    after_import    TEXT NOT NULL DEFAULT 'flag',
    move_to         TEXT NOT NULL DEFAULT '',
    smtp_host       TEXT NOT NULL DEFAULT '',
    smtp_port       INTEGER NOT NULL DEFAULT 0,
    smtp_tls        TEXT NOT NULL DEFAULT 'starttls',
    smtp_username   TEXT NOT NULL DEFAULT '',
    smtp_password   TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    status          TEXT NOT NULL DEFAULT '',
    status_at       BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX mailboxes_address ON mailboxes (lower(address));
