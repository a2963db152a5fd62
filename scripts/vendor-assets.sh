#!/usr/bin/env bash
# Copy the browser libraries the portal uses from node_modules/ into static/vendor/
# (git-ignored). Run `npm ci` first; no CDN is ever used.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vendor="$root/static/vendor"

if [ ! -d "$root/node_modules/socket.io-client/dist" ] || [ ! -d "$root/node_modules/chart.js/dist" ] \
   || [ ! -d "$root/node_modules/leaflet/dist" ] || [ ! -f "$root/node_modules/axe-core/axe.min.js" ]; then
  echo "vendor-assets: node_modules/ is missing; run 'npm ci' first" >&2
  exit 1
fi

# A file is replaced only when it changed, and by a rename: a server (or a test run beside
# this one, `make test` runs two) never reads a half-copied file.
put() {  # put SOURCE TARGET
  if ! cmp -s "$1" "$2"; then
    cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
  fi
}

mkdir -p "$vendor/leaflet/images"
put "$root/node_modules/socket.io-client/dist/socket.io.min.js" "$vendor/socket.io.min.js"
put "$root/node_modules/socket.io-client/dist/socket.io.min.js.map" "$vendor/socket.io.min.js.map"
put "$root/node_modules/chart.js/dist/chart.umd.min.js" "$vendor/chart.umd.min.js"
# Leaflet: its CSS finds the marker and layer images in images/ next to it.
put "$root/node_modules/leaflet/dist/leaflet.js" "$vendor/leaflet/leaflet.js"
put "$root/node_modules/leaflet/dist/leaflet.css" "$vendor/leaflet/leaflet.css"
for image in "$root/node_modules/leaflet/dist/images/"*.png; do
  put "$image" "$vendor/leaflet/images/$(basename "$image")"
done
# axe-core: the accessibility checker the browser tests inject into every page (not used by
# the portal's own pages).
put "$root/node_modules/axe-core/axe.min.js" "$vendor/axe.min.js"
echo "vendor-assets: copied socket.io-client, chart.js, leaflet and axe-core into static/vendor/"
