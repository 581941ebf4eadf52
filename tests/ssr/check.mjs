// Reads the cases tests/ssr_cookies.rs writes (our cookies for a few sessions) and checks them
// with @supabase/ssr's own code: its createChunks gives the same cookies from the same
// value, its combineChunks + base64url decoding give the session JSON back, its
// parseCookieHeader reads our Cookie: header, and a createServerClient over that header
// finds the session (getSession reads storage; an unexpired session needs no network).
import { readFileSync } from "node:fs";
import {
  createChunks, combineChunks, stringToBase64URL, stringFromBase64URL,
  parseCookieHeader, createServerClient,
} from "@supabase/ssr";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = 0;
const fail = (name, what) => { failed++; console.error(`ssr-check: ${name}: ${what}`); };

for (const c of cases) {
  const name = `${c.name} (${c.encoding})`;
  const value = c.encoding === "base64url" ? "base64-" + stringToBase64URL(c.session_json) : c.session_json;
  const theirs = createChunks(c.key, value);
  if (JSON.stringify(theirs) !== JSON.stringify(c.cookies)) {
    fail(name, `createChunks differs: ${theirs.length} chunks vs our ${c.cookies.length}`);
  }
  const combined = await combineChunks(c.key, async (n) => c.cookies.find((k) => k.name === n)?.value ?? null);
  const decoded = combined?.startsWith("base64-") ? stringFromBase64URL(combined.slice(7)) : combined;
  if (decoded !== c.session_json) fail(name, "combineChunks did not give the session JSON back");
  const parsed = parseCookieHeader(c.header.replace(/^Cookie: /, ""));
  for (const k of c.cookies) {
    if (parsed.find((p) => p.name === k.name)?.value !== k.value) fail(name, `header lost ${k.name}`);
  }
  const client = createServerClient(c.url, "anon-key", {
    cookies: { getAll: () => parsed, setAll: () => {} },
    // Node 20 has no WebSocket, and realtime is not used here.
    realtime: { transport: class {} },
  });
  const { data, error } = await client.auth.getSession();
  if (error || data.session?.access_token !== JSON.parse(c.session_json).access_token) {
    fail(name, `createServerClient did not find the session (${error?.message ?? "no session"})`);
  }
  console.log(`ssr-check: ${name}: ${c.cookies.length} cookie(s) ${failed ? "" : "ok"}`);
}
if (failed) process.exit(1);
console.log(`ssr-check: ${cases.length} cases read by @supabase/ssr`);
