-- Two tickets are linked at most once, whichever side the link was made
-- from, so concurrent links of one pair cannot both succeed.
DROP INDEX ticket_links_pair;
CREATE UNIQUE INDEX ticket_links_pair ON ticket_links (min(ticket_id, other_id), max(ticket_id, other_id));
CREATE INDEX ticket_links_ticket ON ticket_links (ticket_id);
