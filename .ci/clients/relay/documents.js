// What a Relay reader site would write: a story card that refetches itself by its id (through
// `node`), and the front page's story list paged with @connection. relay-compiler checks both
// against schema.graphql (called by .ci/clients/run); nothing here runs.
import { graphql } from 'react-relay';

export const storyCard = graphql`
  fragment documentsStoryCard_story on Story
  @refetchable(queryName: "StoryCardRefetchQuery") {
    id
    slug
    language
    title
    summary
    tags {
      slug
      name
    }
  }
`;

export const frontPage = graphql`
  fragment documentsFrontPage_query on Query
  @refetchable(queryName: "FrontPagePaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 20 }
    after: { type: "String" }
    language: { type: "String" }
    orderBy: { type: "StoryOrder", defaultValue: PUBLISHED_DESC }
  ) {
    stories(first: $first, after: $after, language: $language, orderBy: $orderBy)
    @connection(key: "documentsFrontPage_stories", filters: ["language", "orderBy"]) {
      totalCount
      edges {
        node {
          id
          ...documentsStoryCard_story
        }
      }
    }
  }
`;

export const frontPageQuery = graphql`
  query documentsFrontPageQuery($language: String) {
    ...documentsFrontPage_query @arguments(language: $language)
  }
`;
