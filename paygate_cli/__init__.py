"""`paygate`: a command-line client for merchants and QA (trigger events, tail deliveries, verify).

It talks to a Paygate server over its public HTTP API only and shares nothing with the server's
code but the API contract and the Standard Webhooks spec.
"""
