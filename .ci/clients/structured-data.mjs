// schema-dts, as a TypeScript reader site types its JSON-LD: every demo story's
// `structuredData`, in both languages, written out as TypeScript literals that must satisfy
// schema-dts's `WithContext<NewsArticle>` and `WithContext<FAQPage>` (excess properties
// included: a term schema.org does not know is an error) with no cast, checked by the
// pinned tsc; the AIGC label node must be in its own namespace. `structuredDataScript` must
// parse to the same objects with nothing in it that could end a <script>.
// Usage: node structured-data.mjs http://127.0.0.1:8733/graphql
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [url] = process.argv.slice(2);
if (!url) {
  console.error('usage: node structured-data.mjs <graphql-url>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'structured-data', '__generated__');

async function graphql(query, variables) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = await response.json();
  if (errors) throw new Error(JSON.stringify(errors));
  return data;
}

let failed = 0;
const TYPES = { NewsArticle: 'WithContext<NewsArticle>', FAQPage: 'WithContext<FAQPage>' };
const lines = [
  "import type { FAQPage, NewsArticle, WithContext } from 'schema-dts';",
  '// GB 45438-2025 implicit label: a node of its own, for the article, in its own namespace.',
  "type AigcLabel = { '@context': { aigc: string }; '@id': string; 'aigc:AIGC': { [name: `aigc:${string}`]: string } };",
];
let objects = 0;
for (const language of ['en', 'zh-hans']) {
  const { stories } = await graphql(
    'query($l: String) { stories(language: $l, first: 100) { edges { node { slug } } } }', { l: language });
  for (const { node } of stories.edges) {
    const { story } = await graphql(
      'query($s: String!, $l: String) { story(slug: $s, language: $l) { structuredData structuredDataScript } }',
      { s: node.slug, l: language });
    const script = story.structuredDataScript;
    if (/[<>&]/.test(script) || JSON.stringify(JSON.parse(script)) !== JSON.stringify(story.structuredData)) {
      failed += 1;
      console.log(`FAILED structuredDataScript of ${node.slug} (${language}) is not the same JSON, script-safe`);
    }
    const [article, ...rest] = story.structuredData;
    if (article['@type'] !== 'NewsArticle' || article['@id'] === undefined) {
      failed += 1;
      console.log(`FAILED ${node.slug} (${language}) does not open with a NewsArticle`);
    }
    story.structuredData.forEach((object, index) => {
      const type = object['@type'] ? TYPES[object['@type']] : 'AigcLabel';
      if (!type) {
        failed += 1;
        console.log(`FAILED ${node.slug} (${language}) object ${index} has no expected type: ${object['@type']}`);
        return;
      }
      if (type === 'AigcLabel' && object['@id'] !== article['@id']) {
        failed += 1;
        console.log(`FAILED ${node.slug} (${language}): the AIGC label is not the article's`);
      }
      objects += 1;
      lines.push(`// ${node.slug} (${language}), object ${index}`);
      lines.push(`export const o${objects} = ${JSON.stringify(object, null, 1)} satisfies ${type};`);
    });
    if (rest.some((object) => 'AIGC' in object) || 'AIGC' in article) {
      failed += 1;
      console.log(`FAILED ${node.slug} (${language}) still has a bare AIGC property`);
    }
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'structured-data.ts'), `${lines.join('\n')}\n`);
writeFileSync(join(out, 'tsconfig.json'), JSON.stringify({
  compilerOptions: {
    strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
    skipLibCheck: true, types: [],
  },
  files: ['structured-data.ts'],
}));
try {
  execFileSync(join(here, 'node_modules', '.bin', 'tsc'), ['-p', join(out, 'tsconfig.json')], { stdio: 'inherit' });
  console.log(`ok tsc: ${objects} JSON-LD objects satisfy schema-dts with no cast`);
} catch {
  failed += 1;
  console.log('FAILED tsc: structuredData does not satisfy schema-dts (errors above)');
}
process.exit(failed ? 1 : 0);
