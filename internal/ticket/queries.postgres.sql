-- name: next-ticket-number
SELECT nextval('ticket_number_seq');
