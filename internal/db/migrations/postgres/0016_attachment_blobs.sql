-- Attachment contents kept in the database itself (--attachment-store
-- database), once per SHA-256 of the content, so instances sharing a
-- database need no shared directory. attachments.sha256 names a row here;
-- there is no foreign key because with --attachment-store dir the contents
-- live in files instead.
CREATE TABLE attachment_blobs (
    sha256     TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
