-- Migration 0072 widens SQLite's indexes of messages and outbox by ticket
-- so that the Message-IDs of a conversation are read from them alone;
-- PostgreSQL keeps its indexes.
SELECT 1;
