-- Sign-in throttling no longer counts failures per address typed alone:
-- six wrong passwords from anywhere locked that account for everyone,
-- admins included. Failures are now counted per key — an account and the
-- client's address, an account from any address, or an account on a
-- browser it signed in from before — and a key past its free failures is
-- slowed down, more with each failure; see internal/auth/throttle.go.
DROP TABLE login_failures;

CREATE TABLE signin_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    delayed_until BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL
);

-- Sign-ins to an account that were slowed down since its person last
-- signed in: they are told when they next do.
CREATE TABLE signin_alerts (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    failures    INTEGER NOT NULL,
    first_at    BIGINT NOT NULL,
    last_at     BIGINT NOT NULL,
    last_ip     TEXT NOT NULL DEFAULT '',
    notified_at BIGINT NOT NULL DEFAULT 0
);
