-- Macros (issue 11): named sets of actions with an optional reply text,
-- applied by an agent to a ticket (package macro). Canned responses are
-- macros with only a reply: the canned_responses rows move here, keeping
-- their ids, and the table goes.
--   body:        the reply text (Markdown with {{requester.name}}-style
--                placeholders); '' for none
--   actions:     JSON list, each {"type", ...} as a trigger's actions
--   owner_id:    set for a personal macro: only that agent sees it
--   team_id:     set for a team's macro: only its members see it
--                (neither: every agent sees it)
--   usage_count: how many times agents applied it
CREATE TABLE macros (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    actions     TEXT NOT NULL DEFAULT '[]',
    owner_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    team_id     BIGINT REFERENCES teams (id) ON DELETE CASCADE,
    usage_count BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK (owner_id IS NULL OR team_id IS NULL)
);
CREATE INDEX macros_owner ON macros (owner_id);
CREATE INDEX macros_team ON macros (team_id);

INSERT INTO macros (id, name, body, actions, owner_id, created_at, updated_at)
SELECT id, name, body, '[]', owner_id, created_at, updated_at FROM canned_responses;

DROP TABLE canned_responses;
