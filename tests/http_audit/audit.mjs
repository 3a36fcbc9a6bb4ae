// GraphQL over HTTP 合规审查: the graphql-http audit suite (its `auditServer`) against a live
// hub, every request carrying the hub's bearer token (the hub refuses any request without one).
// Prints one JSON object: counts by status and every audit that was not "ok".
// HUB_URL: the endpoint (http://127.0.0.1:PORT/graphql); HUB_TOKEN: an access token.
import { auditServer } from 'graphql-http';

const url = process.env.HUB_URL;
const token = process.env.HUB_TOKEN;
if (!url || !token) {
  console.error('HUB_URL and HUB_TOKEN are required');
  process.exit(2);
}

// The audits' own fetch, with the token added to whatever headers each audit sets.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const counts = { ok: 0, warn: 0, notice: 0, error: 0 };
const failed = [];
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status !== 'ok') {
    let body = null;
    try {
      body = result.response ? await result.response.text() : null;
    } catch {
      body = null; // already read by the audit
    }
    failed.push({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      httpStatus: result.response?.status ?? null,
      body,
    });
  }
}
console.log(JSON.stringify({ total: results.length, counts, failed }, null, 2));
