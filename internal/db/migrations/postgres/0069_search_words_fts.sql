-- A ranked search's matches and their counts in one pass (issue 13). An
-- agent's ranked search of plain words read its newest matches a few
-- blocks of ids at a time from search_ticket's text index (0066, 0068),
-- then each match's search_words row by its id (0067): a descent of the
-- primary key each, about 2 µs, 4–5 ms for the 2,000 it ranks. This index
-- finds the same matches among search_words' own rows, by their words (the
-- object's keys but '#') and their block of ids (as search_ticket_fts has
-- it), so the statement that reads a block's matches reads their counts
-- with them (internal/ticket pgsearch.go, wordBlocks): a search of
-- two common words took PostgreSQL 14 ms where the two statements took 29.
-- Words are letters and digits, never '#': a block's lexeme is no word.
-- Building it takes about two minutes at a million tickets, once.
CREATE FUNCTION search_words_keys(words JSONB) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY(SELECT k FROM jsonb_object_keys(words) AS k WHERE k <> '#'))
$$;

CREATE INDEX search_words_fts ON search_words
    USING GIN (search_words_keys(words), (array_to_tsvector(ARRAY['#' || (ticket_id >> 12)::text])));
