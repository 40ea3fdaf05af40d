// Apollo Client 4's InMemoryCache against a live server: after a reader site loads the story
// page in English and then in Chinese through one cache, the English page read back from the
// cache must still be English (title and tag names), and so must the Chinese one be Chinese.
// Usage: node apollo-cache.mjs http://127.0.0.1:8732/graphql path/to/story_page.graphql slug
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';

const [url, documentPath, slug] = process.argv.slice(2);
if (!url || !documentPath || !slug) {
  console.error('usage: node apollo-cache.mjs <graphql-url> <story_page.graphql> <slug>');
  process.exit(2);
}

const query = gql(readFileSync(documentPath, 'utf8'));
const cache = new InMemoryCache();
const client = new ApolloClient({ cache, link: new HttpLink({ uri: url }) });
const LANGUAGES = ['en', 'zh-hans'];

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed += 1;
    console.log(`ok ${name}`);
  } else {
    failed += 1;
    console.log(`FAILED ${name}: ${detail}`);
  }
}

function page(story) {
  return { id: story.id, language: story.language, title: story.title, tags: story.tags.map((t) => t.name) };
}

const fetched = {};
for (const language of LANGUAGES) {
  const { data, error } = await client.query({ query, variables: { slug, language }, fetchPolicy: 'network-only' });
  if (error || !data?.story) {
    console.error(`FATAL the ${language} story page did not load: ${error ?? 'story is null'}`);
    process.exit(2);
  }
  fetched[language] = page(data.story);
}

const [english, chinese] = LANGUAGES.map((language) => fetched[language]);
check('the two languages differ in title and tag names', english.title !== chinese.title
  && JSON.stringify(english.tags) !== JSON.stringify(chinese.tags), JSON.stringify(fetched));
check('the two languages have different ids', english.id !== chinese.id, english.id);

for (const language of LANGUAGES) {
  const cached = cache.readQuery({ query, variables: { slug, language } });
  const fromCache = cached?.story ? page(cached.story) : null;
  check(`the ${language} page read back from the cache is still ${language}`,
    JSON.stringify(fromCache) === JSON.stringify(fetched[language]),
    `expected ${JSON.stringify(fetched[language])}, got ${JSON.stringify(fromCache)}`);
  const { data } = await client.query({ query, variables: { slug, language }, fetchPolicy: 'cache-only' });
  check(`a cache-only query of the ${language} page answers ${language}`,
    data?.story?.language === fetched[language].language && data.story.title === fetched[language].title,
    JSON.stringify(data?.story && page(data.story)));
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
