-- name: lock-webhook
SELECT id FROM webhooks WHERE id = $1 FOR UPDATE;

-- name: lock-chain
-- Taken by the consumer that adds a delivery to a chain and by the job
-- that finishes the chain's head before either looks at the chain, so
-- exactly one of them starts its next delivery. Chains of other tickets
-- and webhooks go on in parallel.
SELECT pg_advisory_xact_lock(hashtextextended('docket.webhook-chain:' || $1::bigint::text || ':' || $2::bigint::text, 0));
