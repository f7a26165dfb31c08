#!/usr/bin/env python3
"""Writes the checked-in seed corpora (fuzz/corpus/<target>/) from the tests' and the demo's data files.

Run from anywhere: python3 fuzz/make_seeds.py. Seeds stay small (each under 16 KiB, the runs' -max_len); the
fuzzers grow their own corpora outside the repository (build-fuzz/work/)."""
import base64
import gzip
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
BASE = ROOT / "tests" / "data" / "snapshots" / "base"
DEMO = ROOT / "demo"
TENANT = "aaaaaaaa-0000-4000-8000-000000000001"
MAX = 16 * 1024


def put(target, data, limit=MAX):
    if isinstance(data, str):
        data = data.encode()
    data = data[:limit]
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def head(path, lines):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


def usage():
    focus = head(DEMO / "usage" / "focus_2026-q3.csv", 12)
    ea = head(DEMO / "usage" / "ea_actualcost_2026-09.csv", 12)
    for t in ("usage_reader", "csv_split"):
        put(t, focus)
        put(t, ea)
        put(t, focus.replace(b"\n", b"\r\n"))
    put("usage_reader", gzip.compress(focus, mtime=0))
    put("usage_reader", b"\xef\xbb\xbfChargePeriodStart,ChargePeriodEnd,EffectiveCost,BilledCost,BillingCurrency,"
        b"ResourceId,SubAccountId\n2026-09-01,2026-09-02,1.5E-3,2,EUR,\"/subscriptions/x/resourceGroups/\"\"q\"\"\","
        b"NULL\n\n09/21/2026,2026-09-22T00:00:00+01:00,-0.5,0,USD,,\n")
    put("csv_split", b'a,"b\r\nc",d\r\n"""",,"x""y"\n\n"unclosed,z\n')
    put("csv_split", b"x" * 40 + b",\"" + b"y" * 40 + b"\"\n" + b"," * 70 + b"\n")


def partners():
    put("partners_csv", (BASE / "partners.csv").read_bytes())
    for p in sorted((DEMO / "snapshots").glob("*/partners.csv")):
        put("partners_csv", p.read_bytes())
    put("partners_csv", b"\xef\xbb\xbfPARTNERID,partnerName,level,globalPartnerId,state\r\n"
        b"4100001,\"A \"\"quoted\"\" name\",global,,active\r\n4100011,Loc,location,4100001,deleted\r\n")


SNAPSHOT_FILES = ["users.json", "servicePrincipals.json", "groups.json", "subscriptions.json",
                  "managementGroups.json", "roleAssignments.json", "roleDefinitions.json",
                  "registrationAssignments.json", "partnerLinks.json"]


def snapshot_json():
    for i, name in enumerate(SNAPSHOT_FILES):
        for p in [BASE / "tenants" / TENANT / name] + sorted((DEMO / "snapshots").glob(f"*/tenants/*/{name}"))[:3]:
            if p.exists() and p.stat().st_size < MAX:
                put("snapshot_json", bytes([i]) + p.read_bytes())


def snapshot_folder():
    def folder(files):
        return "".join(f"==> {rel} <==\n{text}\n" for rel, text in files)

    t = f"tenants/{TENANT}"
    read = lambda rel: (BASE / rel).read_text()
    put("snapshot_folder", folder([("snapshot.json", read("snapshot.json")), ("partners.csv", read("partners.csv"))]))
    put("snapshot_folder", folder([("snapshot.json", read("snapshot.json")), (f"{t}/tenant.json", read(f"{t}/tenant.json")),
                                   (f"{t}/users.json", read(f"{t}/users.json")),
                                   (f"{t}/groups.json", read(f"{t}/groups.json")),
                                   (f"{t}/managementGroups.json", read(f"{t}/managementGroups.json"))]))
    put("snapshot_folder", folder([("snapshot.json", read("snapshot.json")), (f"{t}/tenant.json", read(f"{t}/tenant.json")),
                                   (f"{t}/roleAssignments.json", read(f"{t}/roleAssignments.json")),
                                   (f"{t}/subscriptions.json", read(f"{t}/subscriptions.json")),
                                   (f"{t}/partnerLinks.json", read(f"{t}/partnerLinks.json")),
                                   (f"{t}/registrationAssignments.json", read(f"{t}/registrationAssignments.json"))]))


def jwt():
    tid, oid = "72f988bf-86f1-41af-91ab-2d7cd011db47", "aaaaaaaa-0000-4000-8000-000000000001"
    header = {"alg": "RS256", "kid": "fuzz", "typ": "JWT"}
    claims = {"aud": "https://management.azure.com/", "iss": f"https://sts.windows.net/{tid}/", "tid": tid,
              "oid": oid, "nbf": 1796000000, "iat": 1796000000, "exp": 1797000000}
    put("jwt", b"\x01" + json.dumps(header).encode() + b"\n" + json.dumps(claims).encode())
    claims2 = dict(claims, iss=f"https://login.microsoftonline.com/{tid}/v2.0", aud="https://management.core.windows.net/")
    put("jwt", b"\x01" + json.dumps(header).encode() + b"\n" + json.dumps(claims2).encode())
    b64 = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=")
    put("jwt", b"\x00" + b64(header) + b"." + b64(claims) + b"." + base64.urlsafe_b64encode(b"\x01" * 256).rstrip(b"="))
    n = base64.urlsafe_b64encode(b"\xc5" + b"\x11" * 255).rstrip(b"=").decode()
    put("jwt", b"\x02" + json.dumps({"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "k1", "n": n,
                                                "e": "AQAB"}, {"kty": "EC", "kid": "k2"}]}).encode())
    put("jwt", b"\x03" + b"SGVsbG8td29ybGRfIQ")
    # One byte longer than the longest token the verifier takes (kMaxTokenLength, 16 KiB): the refusal of a long
    # token. run.sh gives this target -max_len=16386 so that the fuzzer reaches it too.
    put("jwt", b"\x00" + b64(header) + b"." + b"A" * (16 * 1024 + 1 - len(b64(header)) - 1), limit=16 * 1024 + 2)


def scope_time():
    for s in ["/", "/subscriptions/20000000-0000-4000-8000-000000000001",
              "/subscriptions/20000000-0000-4000-8000-000000000001/resourceGroups/rg1/providers/Microsoft.Compute/"
              "virtualMachines/vm1/extensions/ext1",
              "/providers/Microsoft.Management/managementGroups/mg1",
              "/subscriptions/x/resourcegroups/RG/providers/Microsoft.Network/dnszones/z/A/rec/providers/"
              "Microsoft.Authorization/locks/l1/",
              "/providers/Microsoft.Billing/billingAccounts/1234",
              "2026-03-01T00:00:00Z", "2026-03-01T00:00:00.1234567+05:30", "2026-03-01 10:11:12", "03/01/2026",
              " 2026-02-28 ", "2026-03-01T00:00:00-0530", "{AAAAAAAA-0000-4000-8000-000000000001}",
              "12", "-0.00000080000", "35.2E-7", "1e3", " 99999999999.999999999999 "]:
        put("scope_time", s)


def http_request():
    p = "/subscriptions/x/providers/Microsoft.ManagementPartner/partners/1234567?api-version=2018-02-01"
    put("http_request", f"GET {p} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer x.y.z\r\n\r\n")
    put("http_request", "PUT /providers/Microsoft.ManagementPartner/partners/1234567?api-version=2018-02-01 HTTP/1.1\r\n"
        "Host: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\nx-ms-correlation-request-id: abc\r\n\r\n{}")
    put("http_request", "POST /x?echo=a%0d%0aSet-Cookie:%20b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nabcd\r\n0\r\n\r\nHEAD /y HTTP/1.1\r\nHost: a\r\n\r\nGET /z HTTP/1.0\r\n\r\n")
    put("http_request", "PATCH /p%20q?a=1&&b&c=%uD83D HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
        "Content-Length: 3\r\nConnection: close\r\n\r\nabc")
    put("http_request", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n")


def routes():
    arm = "/providers/Microsoft.ManagementPartner/partners/4100011?api-version=2018-02-01"
    reqs = [
        (1, f"PUT {arm}\nContent-Type: application/json\n\n{{}}"),
        (2, f"PUT {arm}\n\n{{\"partnerId\": \"4100011\"}}"),
        (2, f"PATCH {arm}\n\n{{}}"),
        (2, f"DELETE {arm}\n\n"),
        (2, "GET /providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01\n\n"),
        (0, "GET /providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01\n\n"),
        (1, "GET /openpal/v1/me\n\n"),
        (1, "GET /openpal/v1/links?partner=4100011&at=2026-10-01T12:00:00Z\n\n"),
        (3, "GET /openpal/v1/links?partner=4200011&tenant=10000000-0000-4000-8000-000000000008\n\n"),
        (1, "GET /openpal/v1/partners/4100001\n\n"),
        (1, "GET /openpal/v1/openapi.json\n\n"),
        (1, "GET /openpal/v1/reports/influence?partner=4100011&from=2026-08&to=2026-09&by=region\n\n"),
        (1, "GET /openpal/v1/reports/unattributed?partner=4100011\n\n"),
        (1, "GET /openpal/v1/runs\n\n"),
        (1, "GET /openpal/v1/explain?partner=4100011&at=2026-08-01&resource=/subscriptions/"
            "20000000-0000-4000-8000-000000000003/resourceGroups/rg1\n\n"),
        (2, "GET /openpal/v1/explain?at=2026-09-15T00:00:00Z&resource=/subscriptions/"
            "20000000-0000-4000-8000-000000000003\n\n"),
        (0, "GET /openpal/v1/dev/principals\n\n"),
        (0, "POST /openpal/v1/dev/token\nContent-Type: application/json\n\n"
            "{\"tenantId\": \"10000000-0000-4000-8000-000000000001\", \"objectId\": "
            "\"30000000-0000-4000-8000-010000000001\"}"),
        (0, "GET /\n\n"),
        (0, "GET /assets/missing.js\n\n"),
        (5, "GET /openpal/v1/me\nAuthorization: Bearer abc.def.ghi\n\n"),
    ]
    for who, text in reqs:
        put("routes", bytes([who]) + text.encode())


def form():
    # What the token endpoint receives: az's client_credentials requests (secret and assertion), a code exchange,
    # the sign-in page's POST, and malformed ones.
    scope = "scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default"
    for body in [
        "client_id=a0000000-0000-4000-8000-010000000001&grant_type=client_credentials&client_info=1&"
        "client_secret=pal_0123456789abcdef-_%2B&claims=%7B%22access_token%22%3A%7B%22xms_cc%22%3A%7B%22values%22"
        "%3A%5B%22CP1%22%5D%7D%7D%7D&" + scope,
        "client_id=a0000000-0000-4000-8000-010000000001&grant_type=client_credentials&client_assertion_type="
        "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=eyJhbGciOiJSUzI1NiJ9."
        "eyJzdWIiOiJ4In0.c2ln&" + scope,
        "grant_type=authorization_code&client_id=openpal-portal&redirect_uri=http%3A%2F%2Flocalhost%3A5173%2Fcb&"
        "code=AbC-_123&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%2F&scope=openid+profile&state=a%3Db&"
        "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&"
        "principal=10000000-0000-4000-8000-000000000001%2F30000000-0000-4000-8000-010000000001",
        "a=1&a=2", "&&=x&b", "x=%zz", "x=%4", "k=%00%ff%C3%A9+", "=&", "a" * 70 + "=" + "&".join("p%d=1" % i for i in range(70)),
    ]:
        put("form", body)


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    for make in (usage, partners, snapshot_json, snapshot_folder, jwt, scope_time, http_request, routes, form):
        make()
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
