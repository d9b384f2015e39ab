#!/usr/bin/env bash
# Installs what the worker's end-to-end tests need, idempotently: Debian's chromium (for the upload page test)
# and the npm tools pinned in worker/tools/package-lock.json (wrangler with workerd, playwright-core, axe-core) into
# worker/tools/node_modules. Does nothing that is already done; safe to run on every CI run.
set -euo pipefail
cd "$(dirname "$0")/tools"

if ! command -v chromium >/dev/null 2>&1; then
  echo "install.sh: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
echo "install.sh: $(chromium --version 2>/dev/null)"

# `npm ci` installs exactly the lock file (workerd's binary is itself a registry package: no other download).
installed() { node -p "require('./node_modules/$1/package.json').version" 2>/dev/null || true; }
pinned() { node -p "require('./package.json').devDependencies['$1']"; }
if [[ "$(installed wrangler)" != "$(pinned wrangler)" ||
  "$(installed playwright-core)" != "$(pinned playwright-core)" ||
  "$(installed axe-core)" != "$(pinned axe-core)" ]]; then
  echo "install.sh: installing wrangler, playwright-core and axe-core into worker/tools/node_modules"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "install.sh: wrangler $(installed wrangler), playwright-core $(installed playwright-core), axe-core $(installed axe-core)"
