// Helpers that run the real `robot` binary: a throw-away data directory, CLI commands, a server on a
// free port, and HTTP requests that connect to 127.0.0.1 while naming the wiki in the Host header
// (Node, unlike browsers, does not resolve `*.localhost`).

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_DIR = path.resolve(E2E_DIR, '..');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');

/** The binary under test: `ROBOT_BIN`, else the debug build in the usual target directories. */
export function robotBin() {
  if (process.env.ROBOT_BIN) return process.env.ROBOT_BIN;
  const candidates = [
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'debug', 'robot'),
    path.join(REPO_DIR, 'target', 'debug', 'robot'),
    path.join(os.homedir(), '.cache', 'robot-wtf', 'target', 'debug', 'robot'),
  ].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`no robot binary: set ROBOT_BIN (looked in ${candidates.join(', ')})`);
  return found;
}

/** A fresh, empty data directory under the system temp dir. */
export async function makeDataDir(prefix = 'robot-e2e-') {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** An unused TCP port on 127.0.0.1 (the OS picks it; we release it right away). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The environment every `robot` process gets: ours, minus any ROBOT_* the caller had set. */
function robotEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ROBOT_')) env[k] = v;
  return { ...env, RUST_BACKTRACE: '1', ...extra };
}

/**
 * Run one CLI command against `dataDir`; resolves with trimmed stdout, rejects with stderr on a
 * non-zero exit. Data dir and base URL go in through the documented environment variables.
 */
export function cli(dataDir, args, { baseUrl, timeout = 60_000 } = {}) {
  const env = robotEnv({ ROBOT_DATA_DIR: dataDir, ...(baseUrl ? { ROBOT_BASE_URL: baseUrl } : {}) });
  return new Promise((resolve, reject) => {
    execFile(robotBin(), args, { env, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`robot ${args.join(' ')} failed (exit ${err.code ?? err.signal}):\n${stderr}${stdout}`));
      } else {
        resolve(stdout.trim());
      }
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start `robot serve` (plus `extraArgs`) on a free port with its own data directory and wait until `/-/healthz`
 * answers 200. Returns a handle with the URLs, a `cli()` bound to the same data dir, `request()`,
 * `loginCookie()` and `stop()`; `stop()` is safe to call twice. The server's output is kept and
 * printed when it dies early or when `dumpLog()` is called. `env` adds ROBOT_* settings (limits).
 */
export async function startServer({ dataDir, env: extraEnv = {}, extraArgs = [] } = {}) {
  dataDir ??= await makeDataDir();
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const args = [
    'serve', '--bind', `127.0.0.1:${port}`, '--domain', 'localhost', '--base-url', baseUrl,
    '--data-dir', dataDir, ...extraArgs,
  ];
  const env = robotEnv({
    ROBOT_DATA_DIR: dataDir,
    ROBOT_BIND: `127.0.0.1:${port}`,
    ROBOT_DOMAIN: 'localhost',
    ROBOT_BASE_URL: baseUrl,
    RUST_LOG: process.env.RUST_LOG ?? 'info',
    ...extraEnv,
  });

  let log = '';
  let child;
  let exited = null;
  let exitPromise;
  const launch = (argv) => {
    exited = null;
    child = spawn(robotBin(), argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }));
  };
  launch(args);
  // Never leave a server behind, even when the test process dies on an exception.
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* already gone */ } };
  process.once('exit', killOnExit);

  const server = {
    port,
    dataDir,
    baseUrl,
    wikiUrl: (slug) => `http://${slug}.localhost:${port}`,
    cli: (cliArgs, opts = {}) => cli(dataDir, cliArgs, { baseUrl, ...opts }),
    request: (host, urlPath, opts = {}) => request(port, host, urlPath, opts),
    log: () => log,
    dumpLog: () => process.stderr.write(`--- robot serve log (port ${port}) ---\n${log}\n--- end of log ---\n`),
    async loginCookie(handle) {
      const link = (await this.cli(['login-link', handle])).split('\n').pop().trim();
      const url = new URL(link);
      const res = await request(port, url.host, url.pathname + url.search);
      if (res.status < 200 || res.status >= 400) {
        throw new Error(`login link ${link} answered ${res.status}: ${res.text.slice(0, 300)}`);
      }
      const cookie = cookieHeader(res.headers['set-cookie']);
      if (!cookie) throw new Error(`login link ${link} set no cookie (status ${res.status})`);
      return cookie;
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const result = await exitPromise;
      clearTimeout(timer);
      return result;
    },
    async cleanup() {
      await this.stop();
      if (!process.env.KEEP_DATA) await rm(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited && exited.code === 2 && !server.fellBack && /unexpected argument|unrecognized|Usage:/i.test(log)) {
      // The flags of the documented contract were refused (clap usage error): say so loudly, then
      // run with the equivalent environment variables only, so the rest of the suite still runs.
      process.stderr.write(`WARNING: \`robot ${args.join(' ')}\` was refused; retrying with ROBOT_* env only:\n${log}\n`);
      server.fellBack = true;
      log = '';
      launch(['serve']);
    }
    if (exited) {
      server.dumpLog();
      throw new Error(`robot serve exited before it was healthy (${JSON.stringify(exited)}); args: ${args.join(' ')}`);
    }
    try {
      const res = await request(port, `localhost:${port}`, '/-/healthz', { timeout: 2_000 });
      if (res.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      server.dumpLog();
      await server.stop();
      throw new Error('robot serve did not answer /-/healthz with 200 within 30 s');
    }
    await sleep(100);
  }
  return server;
}

/** `Cookie:` header value from a response's `set-cookie` array (name=value pairs only). */
export function cookieHeader(setCookies = []) {
  return setCookies
    .map((c) => c.split(';')[0].trim())
    .filter((pair) => pair.includes('=') && !pair.endsWith('='))
    .join('; ');
}

/**
 * One HTTP request to 127.0.0.1:`port` with `Host: host`. Does not follow redirects. `body` may
 * be a string, a Buffer, or an object (sent as application/x-www-form-urlencoded).
 * Resolves with { status, headers, body (Buffer), text, json() }.
 */
export function request(port, host, urlPath, { method = 'GET', headers = {}, body, timeout = 30_000 } = {}) {
  let payload = body;
  const hdrs = { Host: host, ...headers };
  if (body && typeof body === 'object' && !Buffer.isBuffer(body)) {
    payload = new URLSearchParams(body).toString();
    hdrs['Content-Type'] ??= 'application/x-www-form-urlencoded';
  }
  if (payload !== undefined) hdrs['Content-Length'] = Buffer.byteLength(payload);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers: hdrs, setHost: false, timeout }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: buf,
          text,
          json: () => JSON.parse(text),
        });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} http://${host}${urlPath}`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Make sure the screenshot folder exists; returns its path. */
export async function artifactsDir() {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return ARTIFACTS_DIR;
}

/** Write a text artifact (e.g. a server log) next to the screenshots. */
export async function writeArtifact(name, content) {
  await artifactsDir();
  await writeFile(path.join(ARTIFACTS_DIR, name), content);
}

/** URL path of a wiki page: spaces shown as `_`, every segment percent-encoded. */
export function pageUrl(pageName) {
  return '/' + pageName.split('/').map((s) => encodeURIComponent(s.replaceAll(' ', '_'))).join('/');
}

// Last segments the server reads as an action on the parent page (views/route.rs).
const ACTION_SEGMENTS = new Set(['view', 'edit', 'save', 'preview', 'history', 'blame', 'source', 'raw',
  'rename', 'delete', 'attachments', 'inline_attachment']);

/** The URL that shows a page: `pageUrl`, plus `/view` when the name would be read as an action. */
export function viewUrl(pageName) {
  const segments = pageName.split('/');
  const last = segments[segments.length - 1].toLowerCase().replaceAll(' ', '_');
  const shadowed = segments.length > 1 && ACTION_SEGMENTS.has(last);
  return shadowed ? `${pageUrl(pageName)}/view` : pageUrl(pageName);
}
