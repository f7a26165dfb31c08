// Uploads the test's cost exports to Azurite with Microsoft's own SDK (@azure/storage-blob), in Cost Management's
// export layout, and writes the same files to a local folder for the comparison run. Prints a JSON summary: the
// container SAS (read + list), a SAS signed with the wrong key, and each data blob's SHA-256.
// Usage: node upload.mjs BLOB_ENDPOINT DEMO_USAGE_DIR LOCAL_OUT_DIR
import { BlobServiceClient, StorageSharedKeyCredential, generateBlobSASQueryParameters, ContainerSASPermissions }
  from "@azure/storage-blob";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const [endpoint, usageDir, localDir] = process.argv.slice(2);
// Azurite's documented development account (learn.microsoft.com/azure/storage/common/storage-use-azurite).
const account = "devstoreaccount1";
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const credential = new StorageSharedKeyCredential(account, key);
const service = new BlobServiceClient(endpoint, credential);
const container = service.getContainerClient("costexports");
await container.createIfNotExists();
mkdirSync(localDir, { recursive: true });

const sha = {};
async function put(name, bytes, local) {
  await container.getBlockBlobClient(name).uploadData(bytes);
  sha[name] = createHash("sha256").update(bytes).digest("hex");
  if (local) writeFileSync(join(localDir, local), bytes);
}

// The FOCUS export split in two partitions at a line break, each with the header, as Cost Management partitions
// (the first gzip-compressed in two gzip members, the second plain).
const focus = readFileSync(join(usageDir, "focus_2026-q3.csv"), "utf8");
const lines = focus.split("\n");
const header = lines[0];
const middle = Math.floor(lines.length / 2);
const part0 = lines.slice(0, middle).join("\n") + "\n";
const part1 = [header, ...lines.slice(middle)].join("\n");
const cut = Math.floor(part0.length / 3);
const part0gz = Buffer.concat([gzipSync(part0.slice(0, cut)), gzipSync(part0.slice(cut))]);
const run = "exports/focus/20260701-20260930";
const newRun = `${run}/7a0c2f10-0000-4000-8000-000000000002`;
const oldRun = `${run}/7a0c2f10-0000-4000-8000-000000000001`;
await put(`${newRun}/part_0_0001.csv.gz`, part0gz, "part_0_0001.csv.gz");
await put(`${newRun}/part_1_0001.csv`, Buffer.from(part1), "part_1_0001.csv");
function manifest(runId, submitted, blobs) {
  return Buffer.from(JSON.stringify({
    manifestVersion: "2024-04-01", byteCount: blobs.reduce((n, b) => n + b.bytes, 0), blobCount: blobs.length,
    exportConfig: { exportName: "focus", type: "FocusCost", timeFrame: "MonthToDate", granularity: "Daily" },
    deliveryConfig: { partitionData: true, dataOverwriteBehavior: "CreateNewReport", fileFormat: "Csv",
                      compressionMode: "gzip", rootFolderPath: "exports" },
    runInfo: { executionType: "Scheduled", submittedTime: submitted, runId, startDate: "2026-07-01T00:00:00",
               endDate: "2026-09-30T00:00:00Z" },
    blobs: blobs.map((b) => ({ blobName: b.name, byteCount: b.bytes })),
  }, null, 2));
}
await put(`${newRun}/manifest.json`, manifest("7a0c2f10-0000-4000-8000-000000000002", "2026-10-01T06:12:45.1234567Z", [
  { name: `${newRun}/part_0_0001.csv.gz`, bytes: part0gz.length },
  { name: `${newRun}/part_1_0001.csv`, bytes: Buffer.byteLength(part1) },
]));
// An older run of the same export and period: superseded, never read (it would count July to September twice).
const stale = Buffer.from(part1);
await put(`${oldRun}/part_0_0001.csv`, stale);
await put(`${oldRun}/manifest.json`, manifest("7a0c2f10-0000-4000-8000-000000000001", "2026-09-30T06:10:00Z", [
  { name: `${oldRun}/part_0_0001.csv`, bytes: stale.length },
]));
// An older-style export without a manifest: a plain CSV in its folder; and a file that is no export.
await put("exports/ea/ea_actualcost_2026-09.csv", readFileSync(join(usageDir, "ea_actualcost_2026-09.csv")),
          "ea_actualcost_2026-09.csv");
await put("exports/README.txt", Buffer.from("not an export\n"));
// Broken inputs for the error tests.
await put("broken/truncated.csv.gz", part0gz.subarray(0, Math.floor(part0gz.length / 2)));

const expiresOn = new Date(Date.now() + 3600 * 1000);
const sas = generateBlobSASQueryParameters(
  { containerName: "costexports", permissions: ContainerSASPermissions.parse("rl"), expiresOn }, credential).toString();
const wrongKey = new StorageSharedKeyCredential(account, Buffer.alloc(64, 7).toString("base64"));
const badSas = generateBlobSASQueryParameters(
  { containerName: "costexports", permissions: ContainerSASPermissions.parse("rl"), expiresOn }, wrongKey).toString();
process.stdout.write(JSON.stringify({ key, sas, badSas, sha }) + "\n");
