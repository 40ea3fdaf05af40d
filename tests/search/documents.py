"""The story list as a search asks for it, shared by the search tests."""

LIST = """
query($language: String, $search: String, $first: Int = 10, $after: String,
      $orderBy: StoryOrder = PUBLISHED_DESC) {
  stories(language: $language, search: $search, first: $first, after: $after, orderBy: $orderBy) {
    totalCount
    totalCountIsEstimate
    pageInfo { hasNextPage endCursor }
    edges { node { slug language searchSnippet } }
  }
}
"""


def find(gql, language, text, **variables):
    result = gql(LIST, {"language": language, "search": text, **variables})
    assert "errors" not in result, result
    return result["data"]["stories"]


def slugs(found):
    return [edge["node"]["slug"] for edge in found["edges"]]
