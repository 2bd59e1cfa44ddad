// Quotas and rate limits against the real binary: bursts over real sockets (so limits are keyed by
// the peer address) get 429 with Retry-After and change nothing, and a quota set with the CLI
// while the server runs refuses the next write with 413.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';

let server;
let wikiHost;
let rootHost;
let writer; // token for the burst
let quotaAgent; // token for the quota checks

const api = (token, method, p, body) => server.request(wikiHost, p, {
  method,
  headers: {
    Accept: 'application/json',
    Authorization: `Bearer ${token}`,
    ...(body ? { 'Content-Type': 'application/json' } : {}),
  },
  body: body ? JSON.stringify(body) : undefined,
});

function retryAfter(res) {
  const value = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(value) && value >= 1, `Retry-After is whole seconds: ${res.headers['retry-after']}`);
  return value;
}

describe('limits', () => {
  before(async () => {
    server = await startServer({
      env: { ROBOT_RATE_WRITE: '5:1/min', ROBOT_RATE_LOGIN: '3:1/min' },
    });
    await server.cli(['user', 'add', 'alice', '--name', 'Alice']);
    await server.cli(['wiki', 'create', 'notes', '--owner', 'alice']);
    writer = (await server.cli(['token', 'create', 'notes', '--name', 'burst'])).split('\n').pop().trim();
    quotaAgent = (await server.cli(['token', 'create', 'notes', '--name', 'quota'])).split('\n').pop().trim();
    wikiHost = `notes.localhost:${server.port}`;
    rootHost = `localhost:${server.port}`;
  });

  after(async () => {
    if (server) await server.cleanup();
  });

  it('a burst of REST writes gets 429 with Retry-After and writes nothing more', async () => {
    for (let n = 0; n < 5; n += 1) {
      const res = await api(writer, 'PUT', `/api/v1/pages/Burst_${n}`, { content: `# ${n}\n` });
      assert.equal(res.status, 201, res.text);
    }
    const before = (await api(writer, 'GET', '/api/v1/changelog?limit=1')).json().total;
    const refused = await api(writer, 'PUT', '/api/v1/pages/Burst_5', { content: '# 5\n' });
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json().error, 'rate_limited');
    retryAfter(refused);
    assert.equal((await api(writer, 'GET', '/api/v1/pages/Burst_5')).status, 404, 'nothing was written');
    assert.equal((await api(writer, 'GET', '/api/v1/changelog?limit=1')).json().total, before);
  });

  it('a burst of login attempts gets 429 with Retry-After', async () => {
    const statuses = [];
    let refused;
    for (let n = 0; n < 4; n += 1) {
      const res = await server.request(rootHost, `/auth/link/guess${n}`, { headers: { Accept: 'text/html' } });
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    assert.deepEqual(statuses, [403, 403, 403, 429]);
    retryAfter(refused);
    assert.match(refused.text, /sign-in attempts/);
    assert.equal(refused.headers['set-cookie'], undefined, 'no session');
  });

  it('a quota set with the CLI refuses new pages with 413 and is shown', async () => {
    const usage = (await api(quotaAgent, 'GET', '/api/v1/usage')).json();
    await server.cli(['wiki', 'quota', 'notes', '--pages', String(usage.pages)]);
    const refused = await api(quotaAgent, 'PUT', '/api/v1/pages/One_Too_Many', { content: 'x\n' });
    assert.equal(refused.status, 413, refused.text);
    assert.equal(refused.json().error, 'quota_exceeded');
    assert.match(refused.json().message, /Delete pages/);
    const shown = await server.cli(['wiki', 'quota', 'notes']);
    assert.match(shown, new RegExp(`${usage.pages} of ${usage.pages} pages`));
    await server.cli(['wiki', 'quota', 'notes', '--pages', 'default']);
    const allowed = await api(quotaAgent, 'PUT', '/api/v1/pages/One_Too_Many', { content: 'x\n' });
    assert.equal(allowed.status, 201, allowed.text);
  });
});
