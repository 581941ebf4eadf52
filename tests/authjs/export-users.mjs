// The auth-js side of the export benchmark (benches/process.rs): every user, page by page
// with auth.admin.listUsers (per_page 1000) until a page comes back short, one JSON object a
// line into the file given, like `gotrue-console users export --format ndjson --out FILE`.
// Usage: GOTRUE_URL=… GOTRUE_SERVICE_ROLE_KEY=… node export-users.mjs FILE
import { GoTrueAdminApi } from "@supabase/auth-js";
import { createWriteStream } from "node:fs";
import { once } from "node:events";

const url = process.env.GOTRUE_URL;
const key = process.env.GOTRUE_SERVICE_ROLE_KEY;
if (!url || !key || !process.argv[2]) {
    console.error("usage: GOTRUE_URL=… GOTRUE_SERVICE_ROLE_KEY=… node export-users.mjs FILE");
    process.exit(2);
}
const admin = new GoTrueAdminApi({
    url,
    headers: { Authorization: `Bearer ${key}`, apikey: key },
});
const out = createWriteStream(process.argv[2]);
const perPage = 1000;
let count = 0;
for (let page = 1; ; page++) {
    const { data, error } = await admin.listUsers({ page, perPage });
    if (error) {
        console.error(`page ${page}: ${error.status} ${error.code} ${error.message}`);
        process.exit(1);
    }
    for (const user of data.users) {
        if (!out.write(JSON.stringify(user) + "\n")) await once(out, "drain");
    }
    count += data.users.length;
    if (data.users.length < perPage) break;
}
out.end();
await once(out, "finish");
console.error(`exported ${count} users`);
