-- The full-text index is the kb_fts table; its rowid is the article's id.

-- name: index-article-clear
DELETE FROM kb_fts WHERE rowid = $1;

-- name: index-article
INSERT INTO kb_fts (rowid, title, body) VALUES ($1, $2, $3);
