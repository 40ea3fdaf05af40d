// What a browser page imports of Apollo Client: bundled with esbuild into one ES module by
// the browser test of CORS (tests/api/graphql_http/test_browser_cors.py).
export { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
