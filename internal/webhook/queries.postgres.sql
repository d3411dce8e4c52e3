-- name: lock-webhook
-- Taken by the consumer that adds deliveries and by the job that finishes
-- one before each looks at a chain, so exactly one of them starts the
-- chain's next delivery.
SELECT id FROM webhooks WHERE id = $1 FOR UPDATE;
