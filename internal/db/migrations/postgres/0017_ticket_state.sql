-- State of a ticket that agents do not edit — SLA clocks and due times,
-- counters, what a rule has done — kept beside the ticket row, so writing
-- it never moves the ticket's version (its ETag) under an agent.
CREATE TABLE ticket_state (
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ticket_id, key)
);
