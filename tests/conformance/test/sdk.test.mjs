// Conformance: Microsoft's @azure/arm-managementpartner SDK against `pal serve` over TLS (started by ../run.sh).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { ACEProvisioningManagementPartnerAPI } = require("@azure/arm-managementpartner");

const endpoint = process.env.OPENPAL_ENDPOINT;
assert.ok(endpoint, "OPENPAL_ENDPOINT must be set (run through run.sh)");

// The SDK only needs a TokenCredential: getToken() returning {token, expiresOnTimestamp}.
function credential(token) {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600 * 1000 }) };
}
function client(token) {
  return new ACEProvisioningManagementPartnerAPI(credential(token), { endpoint, $host: endpoint });
}
async function rejectsWith(promise, statusCode, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.statusCode, statusCode, `status of ${err.message}`);
    assert.equal(err.code, code, `code of ${err.message}`);
    return true;
  });
}

const a = client(process.env.TOKEN_A);
const b = client(process.env.TOKEN_B);

test("operation.list pages through the four operations", async () => {
  const names = [];
  for await (const op of a.operation.list()) names.push(op.name);
  assert.deepEqual(names, [
    "Microsoft.ManagementPartner/partners/read",
    "Microsoft.ManagementPartner/partners/write",
    "Microsoft.ManagementPartner/partners/action",
    "Microsoft.ManagementPartner/partners/delete",
  ]);
});

test("partner create/get/update/delete and partners.get, with typed results", async () => {
  await rejectsWith(a.partner.get("1234567"), 404, "ManagementPartnerNotFound");
  await rejectsWith(a.partners.get(), 404, "ManagementPartnerNotFound");

  const created = await a.partner.create("1234567");
  assert.equal(created.partnerId, "1234567");
  assert.equal(created.partnerName, "Contoso Managed Services (Seattle)");
  assert.equal(created.name, "1234567");
  assert.equal(created.id, "/providers/microsoft.managementpartner/partners/1234567");
  assert.equal(created.type, "Microsoft.ManagementPartner/partners");
  assert.equal(created.tenantId, "1b1121dd-6900-412a-af73-e8d44f81e1c1");
  assert.equal(created.objectId, "aa67f786-0552-423e-8849-244ed12bf581");
  assert.equal(created.state, "Active");
  assert.equal(typeof created.etag, "number");
  assert.equal(created.etag, created.version);
  assert.ok(created.createdTime instanceof Date && !isNaN(created.createdTime));
  assert.ok(created.updatedTime instanceof Date && !isNaN(created.updatedTime));

  const again = await a.partner.create("1234567");  // idempotent
  assert.equal(again.version, created.version);
  await rejectsWith(a.partner.create("1234568"), 409, "PartnerIdAlreadyLinked");

  const got = await a.partner.get("1234567");
  assert.equal(got.version, created.version);
  const mine = await a.partners.get();
  assert.equal(mine.partnerId, "1234567");

  const updated = await a.partner.update("1234568");
  assert.equal(updated.partnerId, "1234568");
  assert.equal(updated.partnerName, "Contoso Managed Services (Lyon)");
  assert.equal(updated.version, created.version + 1);
  assert.equal(updated.etag, updated.version);
  assert.equal(updated.createdTime.getTime(), created.createdTime.getTime());
  assert.ok(updated.updatedTime >= created.updatedTime);

  await a.partner.delete("1234568");  // resolves: 200 with an empty body
  await rejectsWith(a.partner.get("1234568"), 404, "ManagementPartnerNotFound");
  await a.partner.delete("1234568");  // deleting again is still fine
  await rejectsWith(a.partner.update("1234567"), 404, "ManagementPartnerNotFound");

  const recreated = await a.partner.create("1234567");
  assert.equal(recreated.version, created.version + 3);  // create, update, delete, create
  await a.partner.delete("1234567");
});

test("invalid partner IDs surface PartnerIdInvalid", async () => {
  await rejectsWith(b.partner.create("12"), 400, "PartnerIdInvalid");
  await rejectsWith(b.partner.create("9999999"), 400, "PartnerIdInvalid");
  await rejectsWith(b.partner.create("7654321"), 400, "PartnerIdInvalid");  // global ID
  await rejectsWith(b.partner.create("2222222"), 400, "PartnerIdInvalid");  // deleted
});

test("principals are isolated from each other", async () => {
  await a.partner.create("1234567");
  await rejectsWith(b.partner.get("1234567"), 404, "ManagementPartnerNotFound");
  await b.partner.delete("1234567");
  assert.equal((await a.partner.get("1234567")).partnerId, "1234567");
  await a.partner.delete("1234567");
});

test("auth failures surface the ARM codes", async () => {
  await rejectsWith(client("garbage").partner.get("1234567"), 401, "InvalidAuthenticationToken");
  await rejectsWith(client(process.env.TOKEN_STRANGER).partner.create("1234567"), 403, "PrincipalNotFound");
});
