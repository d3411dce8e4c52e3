-- The full-text index is kb_articles.tsv, generated from the terms columns.

-- name: index-article-clear
UPDATE kb_articles SET title_terms = '', body_terms = '' WHERE id = $1;

-- name: index-article
UPDATE kb_articles SET title_terms = $2, body_terms = $3 WHERE id = $1;
