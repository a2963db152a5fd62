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

mkdir -p "$vendor"
cp "$root/node_modules/socket.io-client/dist/socket.io.min.js" "$vendor/socket.io.min.js"
cp "$root/node_modules/socket.io-client/dist/socket.io.min.js.map" "$vendor/socket.io.min.js.map"
cp "$root/node_modules/chart.js/dist/chart.umd.min.js" "$vendor/chart.umd.min.js"
# Leaflet: its CSS finds the marker and layer images in images/ next to it.
mkdir -p "$vendor/leaflet/images"
cp "$root/node_modules/leaflet/dist/leaflet.js" "$root/node_modules/leaflet/dist/leaflet.css" "$vendor/leaflet/"
cp "$root/node_modules/leaflet/dist/images/"*.png "$vendor/leaflet/images/"
# axe-core: the accessibility checker the browser tests inject into every page (not used by
# the portal's own pages).
cp "$root/node_modules/axe-core/axe.min.js" "$vendor/axe.min.js"
echo "vendor-assets: copied socket.io-client, chart.js, leaflet and axe-core into static/vendor/"
