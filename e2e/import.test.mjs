// Import a real An Otter Wiki repository (written by An Otter Wiki itself, see
// tests-fixtures/make_otterwiki_repo.py) with `robot wiki create --from-git`, then check over HTTP
// that every page renders, history follows renames, attachments keep their bytes and the index
// lists everything.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer, makeDataDir, pageUrl, viewUrl, writeArtifact, REPO_DIR } from './lib/server.mjs';

const run = promisify(execFile);
// `docs` is a reserved slug (robot_platform::slug::RESERVED_NAMES), so the import goes to otter-docs.
const SLUG = 'otter-docs';

const PYTHON = process.env.OTTERWIKI_PYTHON
  ?? path.join(os.homedir(), '.cache', 'robot-wtf', 'venv', 'bin', 'python');

let server;
let host;
let session;
let manifest;
let repo;

const get = (p) => server.request(host, p, {
  headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8', Cookie: session },
});
const pageName = (file) => file.replace(/\.md$/, '');
const decodeEntities = (s) => s
  .replaceAll('&amp;', '&').replaceAll('&#39;', "'").replaceAll('&#x27;', "'").replaceAll('&quot;', '"');

describe(`import of a real An Otter Wiki repository`, { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(existsSync(PYTHON), `no Python with otterwiki at ${PYTHON}: run scripts/test (or set OTTERWIKI_PYTHON)`);
    const work = await makeDataDir('robot-e2e-otterwiki-');
    repo = path.join(work, 'otterwiki-repo');
    const manifestFile = path.join(work, 'manifest.json');
    await run(PYTHON, [path.join(REPO_DIR, 'tests-fixtures', 'make_otterwiki_repo.py'), repo, '--manifest', manifestFile],
      { timeout: 180_000 });
    manifest = JSON.parse(await readFile(manifestFile, 'utf8'));

    server = await startServer();
    host = `${SLUG}.localhost:${server.port}`;
    await server.cli(['user', 'add', 'alice', '--name', 'Alice']);
    await server.cli(['wiki', 'create', SLUG, '--owner', 'alice', '--name', 'Otter docs', '--from-git', repo],
      { timeout: 180_000 });
    session = await server.loginCookie('alice');
  });

  after(async () => {
    if (server) await writeArtifact('import-server.log', server.log());
    await server?.cleanup();
  });

  it('the fixture is a real Otterwiki history (150+ commits, renames, attachments)', () => {
    assert.ok(manifest.commits >= 150, `${manifest.commits} commits`);
    assert.ok(manifest.renames.length >= 3);
    assert.ok(manifest.attachments.length >= 2);
  });

  it('the imported repository keeps every commit', async () => {
    const gitDir = path.join(server.dataDir, 'wikis', `${SLUG}.git`);
    assert.ok(existsSync(gitDir), `expected the bare repository at ${gitDir}`);
    const { stdout } = await run('git', ['--git-dir', gitDir, 'rev-list', '--count', '--all']);
    assert.ok(Number(stdout.trim()) >= manifest.commits, `${stdout.trim()} commits, fixture has ${manifest.commits}`);
  });

  it('the front page is the imported home.md', async () => {
    const res = await get('/');
    assert.equal(res.status, 200, res.text.slice(0, 300));
    assert.match(res.text, /Welcome to the Otter docs/);
  });

  it('every page renders', async () => {
    const failures = [];
    for (const { file, heading } of manifest.pages) {
      const url = viewUrl(pageName(file));
      const res = await get(url);
      if (res.status !== 200) {
        failures.push(`${url} (${file}): ${res.status}`);
      } else if (!/<article\b/.test(res.text)) {
        const title = res.text.match(/<h1[^>]*>([^<]*)/)?.[1]?.trim();
        failures.push(`${url} (${file}): no <article>; the server answered a page titled "${title}"`);
      } else if (heading && !decodeEntities(res.text).includes(heading)) {
        failures.push(`${url} (${file}): heading "${heading}" missing`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('history of a renamed page shows the commits from before the rename', async () => {
    const failures = [];
    for (const { file, previous_files: previous, messages } of manifest.renames) {
      const url = `${pageUrl(pageName(file))}/history`;
      const res = await get(url);
      if (res.status !== 200) {
        failures.push(`${url}: ${res.status}`);
        continue;
      }
      const html = decodeEntities(res.text);
      const missing = messages.filter((m) => !html.includes(m));
      if (missing.length) failures.push(`${url} (was ${previous.join(' → ')}): missing ${JSON.stringify(missing)}`);
      const rows = (res.text.match(/class="[^"]*\bhistory-entry\b/g) ?? []).length;
      if (rows < messages.length) failures.push(`${url}: ${rows} history rows, expected ≥ ${messages.length}`);
    }
    assert.deepEqual(failures, []);
  });

  it('attachments are served with the right bytes and content type', async () => {
    const failures = [];
    for (const a of manifest.attachments) {
      const base = pageUrl(a.page);
      for (const url of [`${base}/a/${encodeURIComponent(a.name)}`, `${base}/${encodeURIComponent(a.name)}`]) {
        const res = await get(url);
        const type = res.headers['content-type'] ?? '';
        const sha = createHash('sha256').update(res.body).digest('hex');
        if (res.status !== 200) failures.push(`${url}: ${res.status}`);
        else if (!type.startsWith(a.content_type)) failures.push(`${url}: content type ${type}, expected ${a.content_type}`);
        else if (sha !== a.sha256) failures.push(`${url}: ${res.body.length} bytes, sha256 differs (expected ${a.size} bytes)`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('a thumbnail of an imported image is a smaller image', async () => {
    const png = manifest.attachments.find((a) => a.content_type === 'image/png');
    const res = await get(`${pageUrl(png.page)}/a/${png.name}?thumbnail=32`);
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type'] ?? '', /^image\//);
  });

  it('/-/index lists every page', async () => {
    const res = await get('/-/index');
    assert.equal(res.status, 200);
    const listed = new Set(
      [...res.text.matchAll(/href="([^"#?]+)"/g)]
        .map((m) => m[1].replace(/^https?:\/\/[^/]+/, ''))
        .map((h) => { try { return decodeURIComponent(h); } catch { return h; } })
        .map((h) => h.replace(/^\//, '').replaceAll('_', ' ').toLowerCase()),
    );
    const missing = manifest.pages.map((p) => pageName(p.file).toLowerCase()).filter((p) => !listed.has(p));
    assert.deepEqual(missing, [], 'pages missing from the index');
  });

  it('deleted pages and attachments stay deleted', async () => {
    for (const file of manifest.deleted) {
      const url = file.endsWith('.md') ? pageUrl(pageName(file)) : pageUrl(file);
      const res = await get(url);
      assert.equal(res.status, 404, `${url} answered ${res.status}`);
    }
  });

  it('the changelog shows the Otterwiki authors', async () => {
    const res = await get('/-/changelog');
    assert.equal(res.status, 200);
    assert.match(res.text, /Ada Lovelace/);
    assert.match(res.text, /Grace Hopper/);
  });
});
