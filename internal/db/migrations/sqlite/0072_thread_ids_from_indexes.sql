-- Every email Docket sends to a ticket's requester lists the Message-IDs
-- of the ticket's conversation so far in its References (the outbox's
-- thread-ids): the ids of its messages that came by email or were mailed,
-- and of the acknowledgements, replies and resolutions mailed. They were
-- read from the rows themselves, a random page for each message and
-- email, at every agent's reply, in the writer's turn: 7 % of its
-- time under replies on a desk whose mailboxes send (BENCHMARKS.md,
-- "Fewer statements in the writer's turn"). Both indexes by ticket now
-- hold what that read needs, so it reads a few of their pages alone. A
-- reply's message_id, set when it is mailed, changes its entry in
-- messages_ticket on the leaf its insert wrote in the same transaction.
DROP INDEX messages_ticket;
CREATE INDEX messages_ticket ON messages (ticket_id, id, created_at, message_id);
DROP INDEX outbox_ticket;
CREATE INDEX outbox_ticket ON outbox (ticket_id, created_at, id, kind, rfc822_message_id);
