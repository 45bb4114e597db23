// Runs the browser's search client (written by the build into search-index/client.js) in node:
// reads {"folder": DIR, "queries": [...]} on stdin, prints [[ids in rank order], ...] as JSON.
const fs = require("fs"), path = require("path");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
require(path.resolve(input.folder, "client.js"));
const index = new TideSearch.Index((p, kind) => {
  const data = fs.readFileSync(path.join(input.folder, p));
  return Promise.resolve(kind === "json" ? JSON.parse(data.toString("utf8")) : Uint8Array.from(data).buffer);
});
(async () => {
  const out = [];
  for (const q of input.queries) out.push((await index.search(q)).results.map((r) => r.id));
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e.stack); process.exit(1); });
