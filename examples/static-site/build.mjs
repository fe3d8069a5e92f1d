// Renders every pages/NAME.json ({title, body: [paragraph, ...]}) to
// dist/NAME.html with a shared layout, and writes dist/version.txt with the
// build number the pipeline gives (GITEE_PIPELINE_BUILD_NUMBER).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const html = (text) =>
  String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

const names = readdirSync('pages')
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();
const pages = names.map((name) => ({
  name,
  ...JSON.parse(readFileSync(`pages/${name}.json`, 'utf8')),
}));
const nav = pages.map((p) => `<a href="${p.name}.html">${html(p.title)}</a>`).join(' | ');

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
for (const page of pages) {
  const body = page.body.map((paragraph) => `<p>${html(paragraph)}</p>`).join('\n');
  writeFileSync(
    `dist/${page.name}.html`,
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>${html(page.title)}</title></head>\n` +
      `<body><nav>${nav}</nav>\n<h1>${html(page.title)}</h1>\n${body}\n</body></html>\n`,
  );
}
const build = process.env.GITEE_PIPELINE_BUILD_NUMBER ?? 'local';
writeFileSync('dist/version.txt', `static-site build ${build}\n`);
console.log(`rendered ${pages.length} pages to dist/ (build ${build})`);
