# Transpile the component into an ES module beside the script (again after each build of the
# .wasm), then call the actions; preview2-shim provides wasi:http, wasi:io and the clock.
set -eu
hosts/node/node_modules/.bin/jco transpile target/qualys-connector.wasm -o hosts/node/qualys-connector --quiet
node hosts/node/actions.mjs
