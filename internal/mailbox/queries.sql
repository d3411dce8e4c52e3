-- name: insert-mailbox
INSERT INTO mailboxes (address, name, team_id, category_id, priority, inbound_type, imap_host, imap_port, imap_tls,
    imap_username, imap_password, imap_folder, after_import, move_to, smtp_host, smtp_port, smtp_tls, smtp_username,
    smtp_password, active, created_at, updated_at, ca_pem)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22)
RETURNING id;

-- name: update-mailbox
UPDATE mailboxes SET address = $2, name = $3, team_id = $4, category_id = $5, priority = $6, inbound_type = $7,
    imap_host = $8, imap_port = $9, imap_tls = $10, imap_username = $11, imap_password = $12, imap_folder = $13,
    after_import = $14, move_to = $15, smtp_host = $16, smtp_port = $17, smtp_tls = $18, smtp_username = $19,
    smtp_password = $20, active = $21, updated_at = $22, ca_pem = $23
WHERE id = $1;

-- name: delete-mailbox
DELETE FROM mailboxes WHERE id = $1;

-- name: select-mailbox
SELECT m.id, m.address, m.name, m.team_id, COALESCE(t.name, ''), m.category_id, COALESCE(c.name, ''), m.priority,
       m.inbound_type, m.imap_host, m.imap_port, m.imap_tls, m.imap_username, m.imap_password, m.imap_folder,
       m.after_import, m.move_to, m.smtp_host, m.smtp_port, m.smtp_tls, m.smtp_username, m.smtp_password, m.active,
       m.status, m.status_at, m.created_at, m.updated_at, m.ca_pem, m.last_error, m.last_error_at
FROM mailboxes m LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN categories c ON c.id = m.category_id
WHERE m.id = $1;

-- name: select-mailbox-by-address
SELECT m.id, m.address, m.name, m.team_id, COALESCE(t.name, ''), m.category_id, COALESCE(c.name, ''), m.priority,
       m.inbound_type, m.imap_host, m.imap_port, m.imap_tls, m.imap_username, m.imap_password, m.imap_folder,
       m.after_import, m.move_to, m.smtp_host, m.smtp_port, m.smtp_tls, m.smtp_username, m.smtp_password, m.active,
       m.status, m.status_at, m.created_at, m.updated_at, m.ca_pem, m.last_error, m.last_error_at
FROM mailboxes m LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN categories c ON c.id = m.category_id
WHERE lower(m.address) = $1;

-- name: list-mailboxes
SELECT m.id, m.address, m.name, m.team_id, COALESCE(t.name, ''), m.category_id, COALESCE(c.name, ''), m.priority,
       m.inbound_type, m.imap_host, m.imap_port, m.imap_tls, m.imap_username, m.imap_password, m.imap_folder,
       m.after_import, m.move_to, m.smtp_host, m.smtp_port, m.smtp_tls, m.smtp_username, m.smtp_password, m.active,
       m.status, m.status_at, m.created_at, m.updated_at, m.ca_pem, m.last_error, m.last_error_at
FROM mailboxes m LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN categories c ON c.id = m.category_id
ORDER BY m.id;

-- name: set-mailbox-status
UPDATE mailboxes SET status = $2, status_at = $3 WHERE id = $1;

-- name: set-mailbox-error
UPDATE mailboxes SET status = $2, status_at = $3, last_error = $2, last_error_at = $3 WHERE id = $1;

-- name: select-mailbox-oauth
SELECT imap_auth, oauth_token_url, oauth_client_id, oauth_client_secret, oauth_refresh_token FROM mailboxes WHERE id = $1;

-- name: update-mailbox-oauth
UPDATE mailboxes SET imap_auth = $2, oauth_token_url = $3, oauth_client_id = $4, oauth_client_secret = $5,
    oauth_refresh_token = $6
WHERE id = $1;

-- name: set-refresh-token
UPDATE mailboxes SET oauth_refresh_token = $2 WHERE id = $1;
