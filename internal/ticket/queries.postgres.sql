-- name: next-ticket-number
SELECT nextval('ticket_number_seq');

-- name: reserve-ticket-numbers
-- The importer's batch of $1 numbers, in order.
SELECT nextval('ticket_number_seq') FROM generate_series(1, $1);

-- name: lock-tickets
-- Row locks taken first, in id order, so concurrent writers to the same
-- tickets queue instead of deadlocking on their child rows.
SELECT id FROM tickets WHERE number IN ($1, $2) ORDER BY id FOR UPDATE;
