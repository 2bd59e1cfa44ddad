// The REST API (/api/v1) against the real binary, as an agent's HTTP client sees it: a token
// minted with `robot token create`, JSON in and out, optimistic concurrency, rename with
// backlinks, attachments, search, listing, and the errors for bad input and bad credentials.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, writeArtifact } from './lib/server.mjs';

let server;
let wikiHost; // notes.localhost:PORT
let token; // editor token of `notes`

const PLAN = '# Plan\n\nline one\n\nline two\n\nline three\n';

/** One API call: JSON body in, { status, json, text } out. `auth` is a token or null. */
async function api(method, path, { body, auth = token, headers = {} } = {}) {
  const hdrs = { Accept: 'application/json', ...headers };
  if (auth) hdrs.Authorization = `Bearer ${auth}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    hdrs['Content-Type'] = 'application/json';
  }
  const res = await server.request(wikiHost, `/api/v1${path}`, { method, headers: hdrs, body: payload });
  let json = null;
  try { json = res.json(); } catch { /* not JSON: the assertions below will say so */ }
  return { status: res.status, json, text: res.text, headers: res.headers };
}

function expectError(res, status, code) {
  assert.equal(res.status, status, `status (body: ${res.text.slice(0, 300)})`);
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  assert.equal(res.json?.error, code, res.text.slice(0, 300));
  assert.ok((res.json?.message ?? '').length > 10, 'the message says what to do');
}

describe('REST API', { timeout: 300_000 }, () => {
  before(async () => {
    server = await startServer();
    wikiHost = `notes.localhost:${server.port}`;
    await server.cli(['user', 'add', 'alice', '--name', 'Alice']);
    await server.cli(['wiki', 'create', 'notes', '--owner', 'alice']);
    token = (await server.cli(['token', 'create', 'notes', '--name', 'e2e'])).trim();
    assert.match(token, /\S{20,}/, 'the CLI prints the secret on stdout');
  });

  after(async () => {
    if (server) await writeArtifact('api-server.log', server.log());
    await server?.cleanup();
  });

  it('serves health and an OpenAPI 3.1 document without a token', async () => {
    const health = await api('GET', '/health', { auth: null });
    assert.deepEqual([health.status, health.json], [200, { status: 'ok' }]);
    const doc = await api('GET', '/openapi.json', { auth: null });
    assert.equal(doc.status, 200);
    assert.match(doc.json.openapi, /^3\.1\./);
    for (const path of ['/pages', '/pages/{path}', '/pages/{path}/rename', '/pages/{path}/attachments/{filename}', '/search', '/links', '/changelog']) {
      assert.ok(doc.json.paths[path], `${path} is documented`);
    }
  });

  it('refuses missing, read-only and revoked credentials with JSON', async () => {
    expectError(await api('GET', '/pages', { auth: null }), 401, 'login_required');
    const reader = (await server.cli(['token', 'create', 'notes', '--name', 'reader', '--role', 'read-only'])).trim();
    assert.equal((await api('GET', '/pages/Home', { auth: reader })).status, 200);
    expectError(await api('PUT', '/pages/Nope', { auth: reader, body: { content: 'x' } }), 403, 'forbidden');
    await server.cli(['token', 'revoke', 'notes', '--name', 'reader']);
    expectError(await api('GET', '/pages/Home', { auth: reader }), 401, 'invalid_token');
  });

  it('creates, reads, merges a stale write and refuses an overlapping one', async () => {
    const created = await api('PUT', '/pages/Projects/Plan', { body: { content: PLAN } });
    assert.equal(created.status, 201, created.text);
    const r1 = created.json.revision;
    const read = await api('GET', '/pages/Projects/Plan');
    assert.equal(read.json.content, PLAN);
    assert.equal(read.json.revision, r1);

    expectError(await api('PUT', '/pages/Projects/Plan', { body: { content: 'x' } }), 409, 'revision_required');
    const first = await api('PUT', '/pages/Projects/Plan', { body: { content: PLAN.replace('line one', 'LINE ONE'), revision: r1 } });
    assert.equal(first.status, 200, first.text);
    const stale = await api('PUT', '/pages/Projects/Plan', { body: { content: PLAN.replace('line three', 'LINE THREE'), revision: r1.slice(0, 7) } });
    assert.equal(stale.status, 200, stale.text);
    assert.equal(stale.json.merged, true);

    const conflict = await api('PUT', '/pages/Projects/Plan', { body: { content: PLAN.replace('line one', 'Line 1'), revision: r1 } });
    expectError(conflict, 409, 'conflict');
    assert.equal(conflict.json.current_revision, stale.json.revision);
    assert.match(conflict.json.diff, /-line one\n\+LINE ONE/);
  });

  it('edits exactly one match and explains ambiguous or missing text', async () => {
    const { json: page } = await api('GET', '/pages/Projects/Plan');
    const ok = await api('PATCH', '/pages/Projects/Plan', { body: { revision: page.revision, old_string: 'line two', new_string: 'line 2' } });
    assert.equal(ok.status, 200, ok.text);
    expectError(await api('PATCH', '/pages/Projects/Plan', { body: { old_string: 'LINE', new_string: 'x' } }), 422, 'ambiguous_match');
    expectError(await api('PATCH', '/pages/Projects/Plan', { body: { old_string: 'nowhere', new_string: 'x' } }), 422, 'no_match');
  });

  it('renames with backlinks in one commit, with history and changelog', async () => {
    const linker = await api('PUT', '/pages/Linker', { body: { content: 'See [[Projects/Plan]].\n' } });
    assert.equal(linker.status, 201);
    const links = await api('GET', '/links/Projects/Plan');
    assert.deepEqual(links.json.linked_from, ['Linker']);
    const renamed = await api('POST', '/pages/Projects/Plan/rename', { body: { new_path: 'Projects/Roadmap' } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual(renamed.json.updated_pages, ['Linker']);
    const after = await api('GET', '/pages/Linker');
    assert.equal(after.json.content, 'See [[Projects/Roadmap]].\n');
    assert.equal(after.json.revision, renamed.json.revision);
    const history = await api('GET', '/pages/Projects/Roadmap/history?limit=2');
    assert.equal(history.json.history.length, 2);
    assert.equal(history.json.next_offset, 2);
    const changelog = await api('GET', '/changelog?limit=1');
    assert.equal(changelog.json.entries[0].revision, renamed.json.revision);
    const graph = await api('GET', '/links');
    assert.ok(graph.json.edges.some((e) => e.source === 'Linker' && e.target === 'Projects/Roadmap'));
  });

  it('round-trips an attachment as base64 JSON', async () => {
    const bytes = Buffer.from(Array.from({ length: 2048 }, (_, i) => i % 256));
    const up = await api('POST', '/pages/Projects/Roadmap/attachments', { body: { filename: 'data.bin', content: bytes.toString('base64') } });
    assert.equal(up.status, 201, up.text);
    const list = await api('GET', '/pages/Projects/Roadmap/attachments');
    assert.deepEqual(list.json.attachments.map((a) => a.filename), ['data.bin']);
    const down = await api('GET', '/pages/Projects/Roadmap/attachments/data.bin');
    assert.ok(Buffer.from(down.json.content, 'base64').equals(bytes));
    assert.equal((await api('DELETE', '/pages/Projects/Roadmap/attachments/data.bin')).status, 200);
    expectError(await api('GET', '/pages/Projects/Roadmap/attachments/data.bin'), 404, 'attachment_not_found');
  });

  it('searches and lists with filters and pagination', async () => {
    await api('PUT', '/pages/Actors/Iran', { body: { content: '---\ncategory: actor\ntags: [region]\n---\n# Iran\n' } });
    const search = await api('GET', '/search?q=roadmap');
    assert.equal(search.json.results[0].path, 'Projects/Roadmap');
    const actors = await api('GET', '/pages?category=ACTOR');
    assert.deepEqual(actors.json.pages.map((p) => p.path), ['Actors/Iran']);
    const all = await api('GET', '/pages');
    const first = await api('GET', '/pages?limit=2');
    assert.equal(first.json.next_offset, 2);
    const rest = await api('GET', `/pages?limit=1000&cursor=${encodeURIComponent(first.json.next_cursor)}`);
    assert.deepEqual([...first.json.pages, ...rest.json.pages].map((p) => p.path), all.json.pages.map((p) => p.path));
  });

  it('refuses bad input with a 4xx JSON error and writes nothing', async () => {
    const before = (await api('GET', '/changelog?limit=1')).json.total;
    expectError(await api('PUT', '/pages/Bad', { body: '{not json' }), 422, 'invalid_json');
    expectError(await api('PUT', '/pages/Bad', { body: { content: 42 } }), 422, 'invalid_field');
    expectError(await api('PUT', '/pages/%2e%2e/etc/passwd', { body: { content: 'x' } }), 422, 'invalid_path');
    expectError(await api('PUT', '/pages/Linker', { body: { content: 'x', revision: 'abc' } }), 422, 'invalid_revision');
    expectError(await api('POST', '/pages/Linker/attachments', { body: { filename: '../x', content: 'eA==' } }), 422, 'invalid_filename');
    expectError(await api('POST', '/pages/Linker/attachments', { body: { filename: 'x.txt', content: '@@@' } }), 422, 'invalid_base64');
    expectError(await api('GET', '/search'), 422, 'missing_field');
    expectError(await api('GET', '/no/such/endpoint'), 404, 'unknown_endpoint');
    assert.equal((await api('GET', '/changelog?limit=1')).json.total, before);
  });
});
