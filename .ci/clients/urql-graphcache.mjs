// urql with @urql/exchange-graphcache (a normalized cache, keyed by __typename and id) reading
// the reader site's contract documents in both languages through one client: the story page,
// the front page (all stories and one tag) and a search. After every document has been
// fetched in both languages, each read back from the cache alone must be in its language,
// exactly as the server answered it: no entity of one language overwrites the other's.
// Usage: node urql-graphcache.mjs http://127.0.0.1:8733/graphql path/to/contract slug
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, fetchExchange, gql } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';

const [url, contract, slug] = process.argv.slice(2);
if (!url || !contract || !slug) {
  console.error('usage: node urql-graphcache.mjs <graphql-url> <contract-dir> <slug>');
  process.exit(2);
}

const warnings = [];
const client = new Client({
  url,
  preferGetMethod: false,
  exchanges: [
    cacheExchange({
      // A story's `id` names the language it was asked in (its tags' names are in that
      // language even when the story falls back to another), so it is the only key: the front
      // page and search documents ask for no `id`, and their stories stay inside their list
      // (slug and served language would merge an English story listed for Chinese readers,
      // with Chinese tag names, into the English one). Values without an identity of their
      // own are stored inside their parent.
      keys: { Story: (story) => story.id ?? null, RichText: () => null,
        Scores: () => null, KeyDataRow: () => null, Insight: () => null, FaqEntry: () => null,
        Source: () => null, ShareLink: () => null, PageInfo: () => null, StoryConnection: () => null,
        StoryEdge: () => null, Tag: () => null, TagCount: () => null, AnalysisBody: () => null },
      logger: (severity, message) => { if (severity !== 'debug') warnings.push(message); },
    }),
    fetchExchange,
  ],
});

const documents = {
  story_page: { variables: { slug } },
  front_page: { variables: { first: 10 } },
  front_page_tag: { file: 'front_page', variables: { first: 10, tag: 'security' } },
  search: { variables: { query: 'AI', first: 10 } },
};
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

// The languages and titles an answer shows, in order: what a reader sees.
function shown(data) {
  const stories = data.story ? [data.story] : data.stories.edges.map((edge) => edge.node);
  return stories.map((story) => `${story.language}:${story.title}:${(story.tags ?? []).map((t) => t.name).join('|')}`);
}

const fetched = {};
for (const [name, { file, variables }] of Object.entries(documents)) {
  const query = gql(readFileSync(join(contract, `${file ?? name}.graphql`), 'utf8'));
  for (const language of LANGUAGES) {
    const result = await client.query(query, { ...variables, language }, { requestPolicy: 'network-only' }).toPromise();
    if (result.error || !result.data) {
      console.error(`FATAL ${name} (${language}) did not load: ${result.error}`);
      process.exit(2);
    }
    fetched[`${name}/${language}`] = { query, variables: { ...variables, language }, seen: shown(result.data) };
  }
}

for (const [key, { query, variables, seen }] of Object.entries(fetched)) {
  const language = variables.language;
  check(`${key} shows stories`, seen.length > 0, 'none');
  const result = await client.query(query, variables, { requestPolicy: 'cache-only' }).toPromise();
  const fromCache = result.data ? shown(result.data) : null;
  check(`${key} read back from graphcache is still what the server sent`,
    JSON.stringify(fromCache) === JSON.stringify(seen), `expected ${JSON.stringify(seen)}\n  got ${JSON.stringify(fromCache)}`);
  if (key.startsWith('story_page')) {
    check(`${key} is in ${language}`, seen[0].startsWith(`${language}:`), seen[0]);
  }
}
const english = fetched['story_page/en'].seen[0];
const chinese = fetched['story_page/zh-hans'].seen[0];
check('the two languages of the story page differ', english !== chinese, english);
check('graphcache raised no warning about the answers', warnings.length === 0, warnings.join('; '));

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
