-- Web forms: embeddable forms at /form/{uid} where anyone may open a
-- ticket with their name and email. category and team are applied to every
-- ticket the form opens; origins are the sites allowed to embed it (space
-- separated; empty: any site). submissions and spam count what came in.
CREATE TABLE web_forms (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uid         TEXT NOT NULL,
    name        TEXT NOT NULL,
    title       TEXT NOT NULL,
    intro       TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL DEFAULT 'request',
    category_id BIGINT REFERENCES categories (id) ON DELETE SET NULL,
    team_id     BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    origins     TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    submissions BIGINT NOT NULL DEFAULT 0,
    spam        BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE UNIQUE INDEX web_forms_uid ON web_forms (uid);
