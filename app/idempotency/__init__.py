"""Idempotency keys: a POST retried with the same `Idempotency-Key` has its effect once and gets
the first answer again (docs/api.md, "Idempotency")."""
