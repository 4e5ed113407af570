# The actions through the stock wasmtime CLI (48.x), arguments in WAVE syntax: records
# in braces (option fields may be left out), some(…)/none, lists in brackets, enum cases bare.
# QUALYS_SERVER, QUALYS_USERNAME and QUALYS_PASSWORD name the subscription (here: the
# simulator); note that the password ends up in wasmtime's command line.
set -eu
conn="{server: some(\"$QUALYS_SERVER\"), username: \"$QUALYS_USERNAME\", password: \"$QUALYS_PASSWORD\", timeout-ms: some(30000)}"
run() { wasmtime run -S http --invoke "$1" target/qualys-connector.wasm; }

run "test-connection($conn)"
run "activate-user($conn, \"acme_es1\")"
page=$(run "search-agents($conn, {os: some(\"Windows\"), tags: some([\"Windows\"]), limit: some(2)})")
echo "$page"
ids=$(echo "$page" | grep -o 'asset-id: [0-9]*' | cut -d' ' -f2 | paste -sd, -)
run "launch-scan($conn, {asset-ids: [$ids], scan-type: some(inventory), override-cpu-throttle: false})"
run "deactivate-user($conn, \"acme_ea1\")"
run "activate-users($conn, [\"acme_im1\", \"acme_ea1\", \"acme_nobody1\"])"
