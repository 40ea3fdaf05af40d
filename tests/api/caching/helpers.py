"""Shared by the caching tests: public reads over GET and POST, and what the response cache
holds."""

import json

from django.core.cache import cache

PAGE = """query($slug: String!) { story(slug: $slug) {
  title tags { name } source { name } } }"""


LIST = "{ stories { edges { node { slug title } } } }"


def get(client, query, variables=None, **headers):
    params = {"query": query}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return client.get("/graphql", params, headers=headers)


def post(client, query, variables=None, **headers):
    body = json.dumps({"query": query, "variables": variables or {}})
    return client.post("/graphql", body, content_type="application/json", headers=headers)


def stored_answers(prefix):
    """How many response-cache entries of `prefix` exist, in the local-memory cache or in
    Redis (REDIS_URL)."""
    store = cache._cache
    if isinstance(store, dict):
        return sum(1 for key in store if f":{prefix}" in key)
    return sum(1 for _key in store.get_client(None).scan_iter(match=f"*:{prefix}*"))
