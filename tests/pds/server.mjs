// Runs the reference Bluesky PDS next to an in-memory PLC directory, on 127.0.0.1 only,
// with nothing outside this machine configured (no AppView, moderation, crawlers, email).
// Needs Node 22 and the packages install.sh puts in its cache.
//
// Env: PDS_PORT, PLC_PORT (required), PDS_DATA_DIR (required, a fresh folder),
//      PDS_NODE_MODULES (the node_modules folder install.sh printed; default: normal lookup).
// Prints one line `READY {"url":..., "plcUrl":..., "adminPassword":..., ...}` once both
// servers listen; exits 0 on SIGTERM/SIGINT after closing them.
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const LOOPBACK = '127.0.0.1'

function need(name) {
  const value = process.env[name]
  if (!value) {
    console.error(`server.mjs: env ${name} is required`)
    process.exit(2)
  }
  return value
}

const pdsPort = Number(need('PDS_PORT'))
const plcPort = Number(need('PLC_PORT'))
const dataDir = path.resolve(need('PDS_DATA_DIR'))

// The packages live in a cache outside the repo, where ESM's lookup from this file's
// folder would not find them: resolve each one from that node_modules folder instead.
const modulesDir = process.env.PDS_NODE_MODULES
const resolver = createRequire(
  modulesDir ? path.join(path.resolve(modulesDir), '..', 'noop.js') : import.meta.url,
)
const load = (name) => import(pathToFileURL(resolver.resolve(name)).href)

const { PDS, envToCfg, envToSecrets } = await load('@atproto/pds')
const plcModule = await load('@did-plc/server')
const { PlcServer, Database: PlcDatabase } = plcModule.default ?? plcModule
const { Secp256k1Keypair } = await load('@atproto/crypto')

// Both servers call app.listen(port) with no host, which binds every interface.
// Pin the host: express's listen(...args) forwards to http.Server#listen.
function bindLoopback(app) {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, LOOPBACK, ...rest)
}

// PLC directory with an in-memory database (DIDs last as long as the process).
const plc = PlcServer.create({ db: PlcDatabase.mock(), port: plcPort })
bindLoopback(plc.app)
await plc.start()
const plcUrl = `http://${LOOPBACK}:${plcPort}`

fs.mkdirSync(path.join(dataDir, 'blobs'), { recursive: true })
const rotationKey = await Secp256k1Keypair.create({ exportable: true })
const adminPassword = randomBytes(12).toString('hex')

// An explicit env object (not process.env) so the machine's PDS_* variables can't leak in.
const env = {
  port: pdsPort,
  hostname: 'localhost', // public URL http://localhost:PORT, did:web:localhost, handles *.test
  devMode: true,
  dataDirectory: dataDir,
  blobstoreDiskLocation: path.join(dataDir, 'blobs'),
  didPlcUrl: plcUrl,
  inviteRequired: false,
  rateLimitsEnabled: false,
  crawlers: [],
  // bskyAppView*, modService*, reportService*, email*: left unset, so none is contacted.
  jwtSecret: randomBytes(32).toString('hex'),
  adminPassword,
  plcRotationKeyK256PrivateKeyHex: Buffer.from(await rotationKey.export()).toString('hex'),
}
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
bindLoopback(pds.app)
await pds.start()

let stopping = false
async function shutdown(signal) {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(1), 10_000) // never hang a test run
  timer.unref()
  try {
    await pds.destroy()
    await plc.destroy()
  } catch (err) {
    console.error(`server.mjs: error while stopping on ${signal}:`, err)
    process.exit(1)
  }
  process.exit(0)
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))

console.log(
  'READY ' +
    JSON.stringify({
      url: pds.ctx.cfg.service.publicUrl,
      did: pds.ctx.cfg.service.did,
      port: pdsPort,
      host: LOOPBACK,
      plcUrl,
      adminPassword,
      dataDir,
      pid: process.pid,
    }),
)
