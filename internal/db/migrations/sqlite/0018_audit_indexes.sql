-- The audit log lists admin changes (events whose subject is not a ticket)
-- newest first, and filters them by subject. Ticket events far outnumber
-- admin ones: without the partial index a page of the audit log would walk
-- the ticket events to find a few admin events among them.
CREATE INDEX domain_events_admin ON domain_events (id) WHERE subject_type <> 'ticket';
CREATE INDEX domain_events_subject ON domain_events (subject_type, subject_id, id);
