-- IMAP sign-in by OAuth 2.0 (XOAUTH2): an access token is obtained from the
-- provider's token endpoint with a refresh token at each connection.
-- The client secret and refresh token are sealed like passwords.
ALTER TABLE mailboxes ADD COLUMN imap_auth TEXT NOT NULL DEFAULT 'password';
ALTER TABLE mailboxes ADD COLUMN oauth_token_url TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN oauth_client_id TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN oauth_client_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN oauth_refresh_token TEXT NOT NULL DEFAULT '';
