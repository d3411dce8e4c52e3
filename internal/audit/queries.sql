-- name: select-entries
-- The list's base: audit.List appends its filter conditions, the keyset
-- and the order. The actor's email is the person's current one; the name
-- is as it was when the event was written.
SELECT e.id, e.at, e.kind, e.actor_type, COALESCE(e.actor_id, 0), e.actor_name, COALESCE(u.email, ''),
       e.subject_type, COALESCE(e.subject_id, 0), COALESCE(t.number, 0), e.payload
FROM domain_events e
LEFT JOIN users u ON e.actor_type = 'user' AND u.id = e.actor_id
LEFT JOIN tickets t ON t.id = e.ticket_id
WHERE e.id > 0
