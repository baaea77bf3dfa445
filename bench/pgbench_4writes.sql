-- The machine's ceiling for a payment's writes: one transaction of 4 writes (insert payment,
-- insert event, update payment, insert log), run by bench/run.py as
--   pgbench -n -M prepared -c 64 -j 2 -T 15 -f bench/pgbench_4writes.sql <db with the pgb_* tables>
\set amount random(100, 100000)
BEGIN;
INSERT INTO pgb_payment (order_id, merchant_id, amount, method, status, vpa, created_at, updated_at)
  VALUES ('order_bench000000001', '550e8400-e29b-41d4-a716-446655440000', :amount, 'upi', 'pending',
          'bench@upi', now(), now())
  RETURNING id AS pid \gset
INSERT INTO pgb_event (payment_id, event, payload, created_at)
  VALUES (:pid, 'payment.created', '{"event":"payment.created","data":{"payment":{"amount":50000}}}', now());
UPDATE pgb_payment SET status = 'success', updated_at = now() WHERE id = :pid;
INSERT INTO pgb_log (payment_id, event, status, next_retry_at, created_at)
  VALUES (:pid, 'payment.success', 'pending', now(), now());
END;
