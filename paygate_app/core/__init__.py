"""The Paygate domain: no FastAPI, no Reflex."""
