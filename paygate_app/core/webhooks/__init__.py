"""Webhooks: events (outbox rows), signing, delivery."""
