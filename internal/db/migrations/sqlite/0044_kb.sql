-- The knowledge base: articles in Markdown filed in a category tree, each
-- with visibility public | requesters | internal and status draft |
-- published. Every change of an article's content is kept as a version
-- (a full copy, with who and when), so any two can be compared.
CREATE TABLE kb_categories (
    id          INTEGER PRIMARY KEY,
    parent_id   BIGINT REFERENCES kb_categories (id),
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX kb_categories_slug ON kb_categories (slug);
CREATE INDEX kb_categories_parent ON kb_categories (parent_id);

CREATE TABLE kb_articles (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    category_id  BIGINT REFERENCES kb_categories (id),
    tags         TEXT NOT NULL DEFAULT '[]',
    visibility   TEXT NOT NULL,
    status       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    published_at BIGINT,
    -- excerpt is the start of the body as plain text, for lists and suggestions.
    excerpt      TEXT NOT NULL DEFAULT '',
    -- deflections counts "this solved my problem" from the portal's
    -- new-request form: requests that were not sent thanks to the article.
    deflections  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX kb_articles_slug ON kb_articles (slug);
CREATE INDEX kb_articles_category ON kb_articles (category_id, status, visibility);
CREATE INDEX kb_articles_listing ON kb_articles (status, visibility, id);

CREATE TABLE kb_article_tags (
    article_id BIGINT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX kb_article_tags_tag ON kb_article_tags (tag, article_id);

CREATE TABLE kb_versions (
    article_id  BIGINT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    category_id BIGINT,
    tags        TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    status      TEXT NOT NULL,
    actor_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);

-- "Was this helpful?": one vote per client and article (voter is the
-- SHA-256 of the person's id or of the browser's random voter cookie); a
-- second vote from the same client changes the first.
CREATE TABLE kb_votes (
    article_id BIGINT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    voter      TEXT NOT NULL,
    helpful    BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, voter)
);

-- The articles' full-text index: their title and body as search terms
-- (internal/search Terms) kept in title_terms and body_terms, written in
-- the same transaction as the article; kb_fts indexes them (external
-- content, kept by the triggers, so a restore rebuilds it by inserting the
-- rows). Two columns, so bm25 weighs the title higher; prefix indexes make
-- the suggestions' unfinished words ("vp", "vpn") fast.
ALTER TABLE kb_articles ADD COLUMN title_terms TEXT NOT NULL DEFAULT '';
ALTER TABLE kb_articles ADD COLUMN body_terms TEXT NOT NULL DEFAULT '';
CREATE VIRTUAL TABLE kb_fts USING fts5 (title_terms, body_terms, content='kb_articles', content_rowid='id',
    tokenize='unicode61 remove_diacritics 0', prefix='2 3');
CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_fts (rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END;
CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title_terms, body_terms) VALUES ('delete', old.id, old.title_terms, old.body_terms);
END;
CREATE TRIGGER kb_articles_au AFTER UPDATE OF title_terms, body_terms ON kb_articles BEGIN
    INSERT INTO kb_fts (kb_fts, rowid, title_terms, body_terms) VALUES ('delete', old.id, old.title_terms, old.body_terms);
    INSERT INTO kb_fts (rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END;

-- Tickets an article is linked to: the resolved ticket it was drafted
-- from ("turn this ticket's solution into an article"). Articles show
-- how many tickets link to them.
CREATE TABLE kb_ticket_links (
    article_id BIGINT NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, ticket_id)
);
CREATE INDEX kb_ticket_links_ticket ON kb_ticket_links (ticket_id);
