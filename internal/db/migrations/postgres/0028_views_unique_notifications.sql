-- Saved views: names unique per owner (shared views, owner NULL, share one
-- namespace), case-insensitively. Existing duplicates keep their rows and
-- get their id appended, so the index can be built.
UPDATE views SET name = name || ' (' || id || ')'
WHERE EXISTS (SELECT 1 FROM views o WHERE COALESCE(o.owner_id, 0) = COALESCE(views.owner_id, 0)
              AND lower(o.name) = lower(views.name) AND o.id < views.id);
CREATE UNIQUE INDEX views_owner_name ON views (COALESCE(owner_id, 0), lower(name));
