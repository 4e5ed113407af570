// wasi:config/store for `jco serve`: the served component's operator configuration, read from
// the environment. Map it in with
//   jco serve --jco-map 'wasi:config/store@0.2.0-rc.1=<absolute path of this file>' ...
// QUALYS_ALLOWED_ORIGINS becomes the key `allowed_origins` (origins the service may reach
// besides the Qualys platforms, e.g. "http://127.0.0.1:8080").

const values = new Map();
if (process.env.QUALYS_ALLOWED_ORIGINS !== undefined) {
  values.set("allowed_origins", process.env.QUALYS_ALLOWED_ORIGINS);
}

/** wasi:config/store.get: the value of `key`, or undefined (none). */
export function get(key) {
  return values.get(key);
}

/** wasi:config/store.get-all: every key and value. */
export function getAll() {
  return [...values.entries()];
}
