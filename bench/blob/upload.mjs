// Uploads files to Azurite's development account with Microsoft's SDK (@azure/storage-blob, tests/blob's install),
// into container "bench", and prints a container SAS (read + list) valid for a day.
// Usage: node upload.mjs NODE_MODULES_PARENT BLOB_ENDPOINT FILE...   (NODE_MODULES_PARENT: tests/blob)
import { createRequire } from "node:module";
import { basename, resolve } from "node:path";

const [from, endpoint, ...files] = process.argv.slice(2);
const { BlobServiceClient, StorageSharedKeyCredential, generateBlobSASQueryParameters, ContainerSASPermissions } =
  createRequire(resolve(from) + "/")("@azure/storage-blob");

// Azurite's documented development account (learn.microsoft.com/azure/storage/common/storage-use-azurite).
const account = "devstoreaccount1";
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const credential = new StorageSharedKeyCredential(account, key);
const container = new BlobServiceClient(endpoint, credential).getContainerClient("bench");
await container.createIfNotExists();
for (const file of files) await container.getBlockBlobClient(basename(file)).uploadFile(file);
const sas = generateBlobSASQueryParameters({
  containerName: "bench", permissions: ContainerSASPermissions.parse("rl"),
  startsOn: new Date(Date.now() - 60e3), expiresOn: new Date(Date.now() + 86400e3),
}, credential).toString();
process.stdout.write(sas + "\n");
