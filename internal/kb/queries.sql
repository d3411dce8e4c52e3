-- name: list-categories
SELECT id, parent_id, name, slug, description, position, created_at, updated_at
FROM kb_categories ORDER BY position, lower(name), id;

-- name: select-category
SELECT id, parent_id, name, slug, description, position, created_at, updated_at FROM kb_categories WHERE id = $1;

-- name: select-category-slug
SELECT id, parent_id, name, slug, description, position, created_at, updated_at FROM kb_categories WHERE slug = $1;

-- name: category-parent
SELECT parent_id FROM kb_categories WHERE id = $1;

-- name: insert-category
INSERT INTO kb_categories (parent_id, name, slug, description, position, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id;

-- name: update-category
UPDATE kb_categories SET parent_id = $2, name = $3, slug = $4, description = $5, position = $6, updated_at = $7 WHERE id = $1;

-- name: category-use
SELECT (SELECT COUNT(*) FROM kb_categories WHERE parent_id = $1) + (SELECT COUNT(*) FROM kb_articles WHERE category_id = $1);

-- name: delete-category
DELETE FROM kb_categories WHERE id = $1;

-- name: insert-article
INSERT INTO kb_articles (slug, title, body, category_id, tags, visibility, status, version, created_by, updated_by,
    created_at, updated_at, published_at, excerpt)
VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9, $9, $10, $11) RETURNING id;

-- name: update-article
UPDATE kb_articles SET slug = $2, title = $3, body = $4, category_id = $5, tags = $6, visibility = $7, status = $8,
    version = $9, updated_by = $10, updated_at = $11, published_at = $12, excerpt = $13
WHERE id = $1;

-- name: slug-taken
SELECT COUNT(*) FROM kb_articles WHERE slug = $1 AND id <> $2;

-- name: delete-article
DELETE FROM kb_articles WHERE id = $1;

-- name: delete-article-tags
DELETE FROM kb_article_tags WHERE article_id = $1;

-- name: insert-article-tag
INSERT INTO kb_article_tags (article_id, tag) VALUES ($1, $2);

-- name: insert-version
INSERT INTO kb_versions (article_id, version, title, body, category_id, tags, visibility, status, actor_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: list-versions
SELECT v.version, v.title, v.body, v.category_id, v.tags, v.visibility, v.status, u.email, u.name, v.created_at
FROM kb_versions v LEFT JOIN users u ON u.id = v.actor_id
WHERE v.article_id = $1 AND v.version < $2
ORDER BY v.version DESC LIMIT $3;

-- name: select-version
SELECT v.version, v.title, v.body, v.category_id, v.tags, v.visibility, v.status, u.email, u.name, v.created_at
FROM kb_versions v LEFT JOIN users u ON u.id = v.actor_id
WHERE v.article_id = $1 AND v.version = $2;

-- name: upsert-vote
INSERT INTO kb_votes (article_id, voter, helpful, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (article_id, voter) DO UPDATE SET helpful = excluded.helpful, created_at = excluded.created_at;

-- name: vote-counts
SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0)
FROM kb_votes WHERE article_id = $1;

-- name: deflect
UPDATE kb_articles SET deflections = deflections + 1 WHERE id = $1;

-- name: link-ticket
INSERT INTO kb_ticket_links (article_id, ticket_id, created_at) VALUES ($1, $2, $3);

-- name: index-article
UPDATE kb_articles SET title_terms = $2, body_terms = $3 WHERE id = $1;
