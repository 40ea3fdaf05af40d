"""GraphQL over HTTP: reading requests, limits, persisted queries, errors, answers.

`view` is the Django view; `fastpath` answers response-cache hits before Django runs.
"""
