// The actions from Node through jco. QUALYS_SERVER, QUALYS_USERNAME and QUALYS_PASSWORD
// name the subscription (here: the simulator). jco's wasi:http is synchronous: each call blocks
// this thread until the component returns.
import { actions } from './qualys-connector/qualys-connector.js';

// Record fields are camelCase; an option is a value or undefined.
const conn = {
  server: process.env.QUALYS_SERVER,
  username: process.env.QUALYS_USERNAME,
  password: process.env.QUALYS_PASSWORD,
  timeoutMs: 30000,
};

// A result's ok value is returned; its error is thrown as a ComponentError whose .payload is
// the WIT error record. Prints one JSON line per call; u64 values are BigInts.
function call(action, run) {
  let result;
  try {
    result = { ok: run() };
  } catch (error) {
    if (error.payload === undefined) throw error;
    result = { err: error.payload };
  }
  console.log(JSON.stringify({ action, ...result }, (_, value) =>
    typeof value === 'bigint' ? Number(value)
      : value instanceof BigUint64Array ? Array.from(value, Number) : value));
  return result.ok;
}

call('test-connection', () => actions.testConnection(conn));
call('activate-user', () => actions.activateUser(conn, 'acme_es1'));
const page = call('search-agents', () => actions.searchAgents(conn, {
  os: 'Windows',
  tags: ['Windows'], // a list<string> is an array
  limit: 2,
}));
call('launch-scan', () => actions.launchScan(conn, {
  assetIds: BigUint64Array.from(page?.agents ?? [], (agent) => agent.assetId),
  scanType: 'inventory', // an enum case is its WIT name as a string
  overrideCpuThrottle: false,
}));
call('deactivate-user', () => actions.deactivateUser(conn, 'acme_ea1'));
// Only the call's own error is thrown; each login's outcome is { tag: 'ok' | 'err', val }.
const logins = ['acme_im1', 'acme_ea1', 'acme_nobody1'];
call('activate-users', () => actions.activateUsers(conn, logins));
