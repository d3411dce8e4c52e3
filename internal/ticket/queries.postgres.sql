-- name: next-ticket-number
SELECT nextval('ticket_number_seq');

-- name: reserve-ticket-numbers
-- The importer's batch of $1 numbers, in order.
SELECT nextval('ticket_number_seq') FROM generate_series(1, $1);

-- name: lock-tickets
-- Row locks taken first, in id order, so concurrent writers to the same
-- tickets queue instead of deadlocking on their child rows.
SELECT id FROM tickets WHERE number IN ($1, $2) ORDER BY id FOR UPDATE;

-- name: select-ticket-rows
-- A list's page on PostgreSQL (pageOfIDs): select-tickets' columns of
-- tickets alone, in its order, each lookup's id where its name would be
-- (COALESCE(t.category_id, 0) twice…) and merged_into_id for the
-- survivor's number; ticket-lookups reads the names.
SELECT t.id, t.uid, t.number, t.type, t.subject, t.status, t.resolution, t.solution, t.priority, t.impact, t.urgency,
       COALESCE(t.category_id, 0), COALESCE(t.team_id, 0), COALESCE(t.assignee_id, 0),
       t.requester_id, COALESCE(t.organization_id, 0),
       t.channel, t.custom_fields, t.tags, COALESCE(t.merged_into_id, 0), t.version, t.due_at, t.created_at, t.updated_at,
       t.first_response_at, t.resolved_at, t.closed_at,
       EXISTS (SELECT 1 FROM satisfaction_ratings sr WHERE sr.ticket_id = t.id)
FROM tickets t
WHERE TRUE;

-- name: ticket-lookups
-- The names select-tickets joins, for a page's ids of each (fillLookups):
-- users (requesters and assignees), teams, categories, organizations,
-- and the numbers of the tickets merged into.
SELECT 1, id, email, name, FALSE, 0 FROM users WHERE id = ANY(CAST($1 AS BIGINT[]))
UNION ALL SELECT 2, id, '', name, restricted, 0 FROM teams WHERE id = ANY(CAST($2 AS BIGINT[]))
UNION ALL SELECT 3, id, '', name, FALSE, 0 FROM categories WHERE id = ANY(CAST($3 AS BIGINT[]))
UNION ALL SELECT 4, id, '', name, FALSE, 0 FROM organizations WHERE id = ANY(CAST($4 AS BIGINT[]))
UNION ALL SELECT 5, id, '', '', FALSE, number FROM tickets WHERE id = ANY(CAST($5 AS BIGINT[]));
