#!/usr/bin/env python3
"""Writes demo/snapshots/: the openpal demo world, a quarter of history as four directory snapshots.

The world is described in demo/README.md; this script is the single source of the JSON/CSV files, so
edit the tables here and re-run it (python3 demo/make_snapshots.py) rather than editing the output.
Only the standard library is used. Output is deterministic (fixed GUIDs, sorted keys)."""
import json
import os
import shutil

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snapshots")
DATES = ["2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"]
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
SUPPORT_CONTRIB = "cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e"
MSRA_DELETE = "91c1777a-f3dc-4fae-b103-61d183457e46"
COST_READER_CUSTOM = "90000000-0000-4000-8000-000000000014"
ROLE_NAMES = {READER: "Reader", CONTRIBUTOR: "Contributor", OWNER: "Owner",
              SUPPORT_CONTRIB: "Support Request Contributor",
              MSRA_DELETE: "Managed Services Registration assignment Delete Role",
              COST_READER_CUSTOM: "Woodgrove Cost Reader"}


def tid(n):  # tenant IDs 10000000-...-0000000000NN
    return "10000000-0000-4000-8000-0000000000%02d" % n


def sub(n):
    return "20000000-0000-4000-8000-0000000000%02d" % n


def user(t, n):
    return "30000000-0000-4000-8000-%02d00000000%02d" % (t, n)


def sp(t, n):
    return "40000000-0000-4000-8000-%02d00000000%02d" % (t, n)


def grp(t, n):
    return "50000000-0000-4000-8000-%02d00000000%02d" % (t, n)


def ra_name(t, n):
    return "60000000-0000-4000-8000-%02d00000000%02d" % (t, n)


def reg_asg(t, n):
    return "70000000-0000-4000-8000-%02d00000000%02d" % (t, n)


def reg_def(t, n):
    return "80000000-0000-4000-8000-%02d00000000%02d" % (t, n)


CONTOSO, FABRIKAM = 1, 2
TENANTS = {
    1: ("Contoso Managed Services", "contosoms.onmicrosoft.com"),
    2: ("Fabrikam Cloud Partners", "fabrikamcloud.onmicrosoft.com"),
    3: ("Adatum Corporation", "adatum.onmicrosoft.com"),
    4: ("Alpine Ski House", "alpineskihouse.onmicrosoft.com"),
    5: ("Bellows College", "bellowscollege.onmicrosoft.com"),
    6: ("Coho Winery", "cohowinery.onmicrosoft.com"),
    7: ("Fourth Coffee", "fourthcoffee.onmicrosoft.com"),
    8: ("Litware Inc", "litware.onmicrosoft.com"),
    9: ("Lucerne Publishing", "lucernepublishing.onmicrosoft.com"),
    10: ("Margie's Travel", "margiestravel.onmicrosoft.com"),
    11: ("Proseware Inc", "proseware.onmicrosoft.com"),
    12: ("Tailspin Toys", "tailspintoys.onmicrosoft.com"),
    13: ("Wide World Importers", "wideworldimporters.onmicrosoft.com"),
    14: ("Woodgrove Bank", "woodgrovebank.onmicrosoft.com"),
}
# subscription number -> (tenant, name); sub 16 moves from Tailspin (12) to Wide World Importers (13) on 09-01.
SUBS = {
    1: (1, "Contoso Internal Tools"), 2: (2, "Fabrikam Lab"),
    3: (3, "Adatum-Prod"), 4: (3, "Adatum-Dev"), 5: (4, "Alpine-Prod"), 6: (5, "Bellows-Research"),
    7: (6, "Coho-Prod"), 8: (6, "Coho-Dev"), 9: (7, "FourthCoffee-Shops"), 10: (8, "Litware-Prod"),
    11: (9, "Lucerne-Publishing"), 12: (10, "Margies-Bookings"), 13: (11, "Proseware-Prod"),
    14: (12, "Tailspin-Games"), 15: (13, "WWI-Logistics"), 16: (12, "Tailspin-Arcade"),
    17: (14, "Woodgrove-Core"), 18: (14, "Woodgrove-Analytics"),
}


def snapshot_world(i):
    """The directory as it stands at DATES[i]: a dict tenant -> dict of file name -> content."""
    d = DATES[i]
    w = {t: {} for t in TENANTS}

    def U(t, n, name, upn, guest=False, enabled=True, created="2025-01-10T09:00:00Z", deleted=None):
        u = {"id": user(t, n), "displayName": name, "userPrincipalName": upn,
             "userType": "Guest" if guest else "Member", "accountEnabled": enabled,
             "createdDateTime": created, "mail": None}
        if deleted:
            u["deletedDateTime"] = deleted
        w[t].setdefault("users.json", []).append(u)

    def S(t, n, name, kind="Application", created="2025-02-01T12:00:00Z", app=None):
        w[t].setdefault("servicePrincipals.json", []).append(
            {"id": sp(t, n), "appId": app or ("a" + sp(t, n)[1:]), "displayName": name,
             "servicePrincipalType": kind, "accountEnabled": True, "createdDateTime": created})

    def G(t, n, name, members):
        odata = {"u": "#microsoft.graph.user", "s": "#microsoft.graph.servicePrincipal", "g": "#microsoft.graph.group"}
        w[t].setdefault("groups.json", []).append(
            {"id": grp(t, n), "displayName": name, "securityEnabled": True, "groupTypes": [],
             "members": [{"id": m, "@odata.type": odata[k]} for k, m in members]})

    def RA(t, n, principal, ptype, role, scope, created="2025-03-01T10:00:00Z"):
        role_path = role if role == COST_READER_CUSTOM else role
        rdid = ("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s" % (scope.split("/")[2], role_path)
                if scope.startswith("/subscriptions/") else "/providers/Microsoft.Authorization/roleDefinitions/" + role)
        w[t].setdefault("roleAssignments.json", []).append(
            {"id": "%s/providers/Microsoft.Authorization/roleAssignments/%s" % (scope.rstrip("/"), ra_name(t, n)),
             "name": ra_name(t, n), "principalId": principal, "principalType": ptype, "roleDefinitionId": rdid,
             "roleDefinitionName": ROLE_NAMES[role], "scope": scope, "createdOn": created, "condition": None,
             "type": "Microsoft.Authorization/roleAssignments"})

    def LH(t, n, scope, managing, auths, eligible=()):
        def a(p, name, role):
            return {"principalId": p, "principalIdDisplayName": name, "roleDefinitionId": role}
        e = [dict(a(p, name, role), justInTimeAccessPolicy={"multiFactorAuthProvider": "Azure",
                                                             "maximumActivationDuration": "PT8H"})
             for p, name, role in eligible]
        w[t].setdefault("registrationAssignments.json", []).append(
            {"id": "%s/providers/Microsoft.ManagedServices/registrationAssignments/%s" % (scope, reg_asg(t, n)),
             "name": reg_asg(t, n), "type": "Microsoft.ManagedServices/registrationAssignments",
             "properties": {"provisioningState": "Succeeded",
                            "registrationDefinitionId": "%s/providers/Microsoft.ManagedServices/registrationDefinitions/%s"
                            % (scope.split("/resourceGroups/")[0], reg_def(t, n)),
                            "registrationDefinition": {"properties": {
                                "managedByTenantId": tid(managing), "managedByTenantName": TENANTS[managing][0],
                                "authorizations": [a(*x) for x in auths], "eligibleAuthorizations": e}}}})

    def LINK(t, principal, partner, created, updated=None, state="Active", tenant=None):
        w[t].setdefault("partnerLinks.json", []).append(
            {"objectId": principal, "tenantId": tenant or tid(t), "partnerId": partner, "state": state,
             "createdTime": created, "updatedTime": updated or created})

    def subs_of(t):
        held = [n for n, (owner, _) in SUBS.items() if owner == t]
        if t == 12 and i >= 2:
            held.remove(16)
        if t == 13 and i >= 2:
            held.append(16)
        return held

    for t in TENANTS:
        subs = [{"id": sub(n), "name": SUBS[n][1], "state": "Enabled", "tenantId": tid(t), "isDefault": False}
                for n in subs_of(t)]
        if subs:
            w[t]["subscriptions.json"] = subs

    # --- Contoso Managed Services (partner tenant) ---
    U(1, 1, "Alice Ortega", "alice@contosoms.onmicrosoft.com")
    U(1, 2, "Bob Kim", "bob@contosoms.onmicrosoft.com")
    S(1, 1, "contoso-automation")
    G(1, 2, "Contoso Tier-2", [("u", user(1, 2))])
    G(1, 1, "Contoso Azure Operators", [("u", user(1, 1)), ("s", sp(1, 1)), ("g", grp(1, 2))])
    LINK(1, sp(1, 1), "4100012", "2026-05-04T08:00:00Z")
    LINK(1, user(1, 1), "4100011", "2026-05-04T08:30:00Z")
    # Alpine's subscription is visible in Contoso's az account list through Lighthouse: ignored (other tenant).
    w[1]["subscriptions.json"].append({"id": sub(5), "name": "Alpine-Prod", "state": "Enabled", "tenantId": tid(4)})

    # --- Fabrikam Cloud Partners (partner tenant) ---
    U(2, 1, "Farah Malik", "farah@fabrikamcloud.onmicrosoft.com")
    S(2, 1, "fabrikam-ops")
    G(2, 1, "Fabrikam Delivery", [("u", user(2, 1)), ("s", sp(2, 1))])
    LINK(2, sp(2, 1), "4200011", "2026-04-20T15:00:00Z")

    # --- Adatum: a Contoso guest with Contributor on Adatum-Prod, linked to Contoso Seattle ---
    U(3, 1, "Ada Admin", "ada@adatum.onmicrosoft.com")
    U(3, 2, "Alice Ortega (Contoso)", "alice_contosoms.com#EXT#@adatum.onmicrosoft.com", guest=True,
      created="2026-02-11T10:00:00Z")
    RA(3, 1, user(3, 1), "User", OWNER, "/subscriptions/" + sub(3))
    RA(3, 2, user(3, 2), "User", CONTRIBUTOR, "/subscriptions/" + sub(3), created="2026-02-12T09:00:00Z")
    RA(3, 3, user(3, 2), "User", READER, "/subscriptions/%s/resourceGroups/rg-dev" % sub(4))
    LINK(3, user(3, 1), "4300001", "2026-03-01T09:00:00Z")  # a global ID: never credits, reported
    LINK(3, user(3, 2), "4100011", "2026-02-12T09:30:00Z")
    w[3]["managementGroups.json"] = mg_tree(3, [("adatum-platform", "Platform", [], [3, 4])])

    # --- Alpine Ski House: Lighthouse to Contoso (permanent for the operators group, eligible for Bob) ---
    U(4, 1, "Anna Alpine", "anna@alpineskihouse.onmicrosoft.com")
    RA(4, 1, user(4, 1), "User", OWNER, "/subscriptions/" + sub(5))
    LH(4, 1, "/subscriptions/" + sub(5), CONTOSO,
       [(grp(1, 1), "Contoso Azure Operators", CONTRIBUTOR), (grp(1, 1), "Contoso Azure Operators", MSRA_DELETE)],
       eligible=[(user(1, 2), "Bob Kim", SUPPORT_CONTRIB)])

    # --- Bellows College: a local service principal (Owner) linked to Fabrikam Berlin ---
    S(5, 1, "fabrikam-managed-app", created="2026-03-03T12:00:00Z")
    RA(5, 1, sp(5, 1), "ServicePrincipal", OWNER, "/subscriptions/" + sub(6), created="2026-03-03T12:05:00Z")
    LINK(5, sp(5, 1), "4200011", "2026-03-03T12:10:00Z")

    # --- Coho Winery: a member user for Fabrikam at MG scope; disabled on 09-01, deleted 2026-09-20 ---
    U(6, 1, "Carl Coho", "carl@cohowinery.onmicrosoft.com")
    if i <= 1:
        U(6, 2, "Fabrikam Operator", "fabrikam.op@cohowinery.onmicrosoft.com", created="2026-01-05T08:00:00Z")
    elif i == 2:
        U(6, 2, "Fabrikam Operator", "fabrikam.op@cohowinery.onmicrosoft.com", enabled=False,
          created="2026-01-05T08:00:00Z")
    else:
        U(6, 2, "Fabrikam Operator", "fabrikam.op@cohowinery.onmicrosoft.com", enabled=False,
          created="2026-01-05T08:00:00Z", deleted="2026-09-20T14:00:00Z")
    RA(6, 1, user(6, 1), "User", OWNER, "/providers/Microsoft.Management/managementGroups/" + tid(6))
    RA(6, 2, user(6, 2), "User", CONTRIBUTOR, "/providers/Microsoft.Management/managementGroups/coho-workloads",
       created="2026-01-05T09:00:00Z")
    LINK(6, user(6, 2), "4200011", "2026-01-05T09:10:00Z")
    w[6]["managementGroups.json"] = mg_tree(6, [("coho-workloads", "Workloads", [("coho-prod", "Production", [], [7])], [8])])

    # --- Fourth Coffee: a managed identity (no link) and a guest whose link moves Contoso Seattle -> Fabrikam Berlin ---
    S(7, 1, "id-shop-sync", kind="ManagedIdentity", created="2025-11-02T10:00:00Z")
    U(7, 1, "Jo Consultant", "jo_consult.example#EXT#@fourthcoffee.onmicrosoft.com", guest=True,
      created="2026-03-15T10:00:00Z")
    RA(7, 1, sp(7, 1), "ServicePrincipal", CONTRIBUTOR, "/subscriptions/%s/resourceGroups/rg-shops" % sub(9))
    RA(7, 2, user(7, 1), "User", CONTRIBUTOR, "/subscriptions/" + sub(9), created="2026-03-15T11:00:00Z")
    if i <= 1:
        LINK(7, user(7, 1), "4100011", "2026-03-15T11:30:00Z")
    else:
        LINK(7, user(7, 1), "4200011", "2026-03-15T11:30:00Z", updated="2026-08-15T09:00:00Z")

    # --- Litware: Lighthouse to Fabrikam's delivery group ---
    U(8, 1, "Lia Litware", "lia@litware.onmicrosoft.com")
    RA(8, 1, user(8, 1), "User", OWNER, "/subscriptions/" + sub(10))
    LH(8, 1, "/subscriptions/" + sub(10), FABRIKAM, [(grp(2, 1), "Fabrikam Delivery", CONTRIBUTOR)])

    # --- Lucerne: nested groups; a Contoso guest reaches Contributor through two levels ---
    U(9, 1, "Bob Kim (Contoso)", "bob_contosoms.com#EXT#@lucernepublishing.onmicrosoft.com", guest=True,
      created="2026-04-01T10:00:00Z")
    U(9, 2, "Luc Editor", "luc@lucernepublishing.onmicrosoft.com")
    G(9, 2, "Lucerne Contractors", [("u", user(9, 1))])
    G(9, 1, "Lucerne Cloud Team", [("u", user(9, 2)), ("g", grp(9, 2))])
    RA(9, 1, grp(9, 1), "Group", CONTRIBUTOR, "/subscriptions/" + sub(11), created="2026-04-02T10:00:00Z")
    LINK(9, user(9, 1), "4100011", "2026-04-02T10:30:00Z")

    # --- Margie's Travel: an assignment first seen on 08-01, created 2026-07-10 (starts then) ---
    U(10, 1, "Dana Dublin (Contoso)", "dana_contosoms.com#EXT#@margiestravel.onmicrosoft.com", guest=True,
      created="2026-06-20T10:00:00Z")
    if i >= 1:
        RA(10, 1, user(10, 1), "User", CONTRIBUTOR, "/subscriptions/%s/resourceGroups/rg-bookings" % sub(12),
           created="2026-07-10T08:00:00Z")
    LINK(10, user(10, 1), "4100012", "2026-06-20T11:00:00Z")

    # --- Proseware: a Contoso guest's Contributor is removed by the 09-01 snapshot ---
    U(11, 1, "Alice Ortega (Contoso)", "alice_contosoms.com#EXT#@proseware.onmicrosoft.com", guest=True,
      created="2026-01-20T10:00:00Z")
    if i <= 1:
        RA(11, 1, user(11, 1), "User", CONTRIBUTOR, "/subscriptions/" + sub(13), created="2026-01-21T10:00:00Z")
    LINK(11, user(11, 1), "4100011", "2026-01-21T10:30:00Z")

    # --- Tailspin: Tailspin-Arcade (sub 16) moves to Wide World Importers on 09-01 ---
    S(12, 1, "tailspin-deployer", created="2025-12-01T10:00:00Z")
    RA(12, 1, sp(12, 1), "ServicePrincipal", CONTRIBUTOR, "/subscriptions/" + sub(16), created="2025-12-01T10:05:00Z")
    RA(12, 2, sp(12, 1), "ServicePrincipal", CONTRIBUTOR, "/subscriptions/" + sub(14), created="2025-12-01T10:05:00Z")
    LINK(12, sp(12, 1), "4100012", "2025-12-01T10:10:00Z")

    # --- Wide World Importers: Lighthouse to Contoso with an eligible authorization only ---
    U(13, 1, "Wendy Importer", "wendy@wideworldimporters.onmicrosoft.com")
    RA(13, 1, user(13, 1), "User", OWNER, "/subscriptions/" + sub(15))
    LH(13, 1, "/subscriptions/%s/resourceGroups/rg-freight" % sub(15), CONTOSO, [],
       eligible=[(user(1, 1), "Alice Ortega", CONTRIBUTOR)])

    # --- Woodgrove: a custom role and a ForeignGroup assignee; a Contoso guest linked to the global ID ---
    U(14, 1, "Alice Ortega (Contoso)", "alice_contosoms.com#EXT#@woodgrovebank.onmicrosoft.com", guest=True,
      created="2026-05-10T10:00:00Z")
    w[14]["roleDefinitions.json"] = [{"name": COST_READER_CUSTOM, "roleName": "Woodgrove Cost Reader",
                                      "roleType": "CustomRole", "description": "Reads cost data",
                                      "permissions": [{"actions": ["Microsoft.CostManagement/*/read"],
                                                       "notActions": [], "dataActions": [], "notDataActions": []}]}]
    RA(14, 1, user(14, 1), "User", COST_READER_CUSTOM, "/subscriptions/" + sub(17), created="2026-05-11T10:00:00Z")
    RA(14, 2, "5f000000-0000-4000-8000-990000000001", "ForeignGroup", READER, "/subscriptions/" + sub(18),
       created="2026-05-11T10:00:00Z")
    RA(14, 3, user(14, 1), "User", CONTRIBUTOR, "/subscriptions/" + sub(18), created="2026-05-11T10:00:00Z")
    LINK(14, user(14, 1), "4100011", "2026-05-11T10:30:00Z")
    return w


def mg_tree(t, children):
    """A tenant root group (named after the tenant) with (name, displayName, subgroups, subscriptions) children."""
    def node(name, display, subgroups, subs):
        kids = [node(*g) for g in subgroups]
        kids += [{"id": "/subscriptions/" + sub(n), "name": sub(n), "type": "/subscriptions",
                  "displayName": SUBS[n][1], "children": None} for n in subs]
        return {"id": "/providers/Microsoft.Management/managementGroups/" + name, "name": name,
                "type": "Microsoft.Management/managementGroups", "displayName": display, "children": kids}
    return node(tid(t), "Tenant Root Group", children, [])


PARTNERS_HEADER = "partnerId,partnerName,level,globalPartnerId,state,tenantId"


def partners_csv(i):
    rows = [
        ("4100001", "Contoso Managed Services", "global", "", "active", tid(1)),
        ("4100011", "\"Contoso Managed Services, Seattle\"", "location", "4100001", "active", tid(1)),
        ("4100012", "\"Contoso Managed Services, Dublin\"", "location", "4100001", "active", tid(1)),
        ("4200001", "Fabrikam Cloud Partners", "global", "", "active", tid(2)),
        ("4200011", "Fabrikam Cloud Partners Berlin", "location", "4200001", "active", tid(2)),
        ("4300001", "Northwind Advisory", "global", "", "deleted" if i == 3 else "active", ""),
    ]
    return PARTNERS_HEADER + "\n" + "\n".join(",".join(r) for r in rows) + "\n"


def write_json(path, content):
    with open(path, "w") as f:
        json.dump(content, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for i, d in enumerate(DATES):
        base = os.path.join(ROOT, d)
        os.makedirs(base)
        write_json(os.path.join(base, "snapshot.json"), {"asOf": d + "T00:00:00Z"})
        # Partner directory in the first and last snapshots only: absent = unchanged.
        if i in (0, 3):
            with open(os.path.join(base, "partners.csv"), "w") as f:
                f.write(partners_csv(i))
        world = snapshot_world(i)
        for t, files in world.items():
            folder = os.path.join(base, "tenants", tid(t))
            os.makedirs(folder)
            name, domain = TENANTS[t]
            write_json(os.path.join(folder, "tenant.json"),
                       {"tenantId": tid(t), "displayName": name, "defaultDomain": domain})
            # The export job writes every Graph/RBAC file, empty or not: a present file is the whole truth, so an
            # assignment that disappears with its tenant's last one still ends.
            for always in ("users.json", "servicePrincipals.json", "groups.json", "roleAssignments.json"):
                files.setdefault(always, [])
            for fname, content in sorted(files.items()):
                # Graph files as Graph pages in even snapshots, bare arrays in odd ones: both shapes are read.
                if fname in ("users.json", "servicePrincipals.json", "groups.json") and i % 2 == 0:
                    content = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#" + fname[:-5],
                               "value": content}
                write_json(os.path.join(folder, fname), content)


if __name__ == "__main__":
    main()
