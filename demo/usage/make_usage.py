#!/usr/bin/env python3
"""Generates the demo cost exports over the demo world (demo/snapshots) and one extra tenant (T15) whose two small
snapshots (demo/usage/snapshots/) make the two reason codes the main world never produces: NO_ACTIVE_LINK and
PARTNER_ID_INVALID. Standard library only; deterministic. Edit the tables here, never the generated files."""
import datetime as dt
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(2026)

def sub(n): return f"20000000-0000-4000-8000-0000000000{n:02d}"
def tenant(n): return f"10000000-0000-4000-8000-0000000000{n:02d}"

# (subscription number, resource group, resource type/name): the resources that consume.
RESOURCES = [
    (1, "rg-tools", "Microsoft.Web/sites/contoso-tools"),
    (3, "rg-prod", "Microsoft.Compute/virtualMachines/adatum-vm1"),
    (4, "rg-dev", "Microsoft.Compute/virtualMachines/adatum-dev1"),
    (4, "rg-test", "Microsoft.Storage/storageAccounts/adatumtest"),
    (5, "rg-alpine", "Microsoft.Sql/servers/alpine-sql"),
    (6, "rg-research", "Microsoft.MachineLearningServices/workspaces/bellows-ml"),
    (7, "rg-coho", "Microsoft.Compute/virtualMachines/coho-vm"),
    (8, "rg-coho-dev", "Microsoft.Web/sites/coho-dev"),
    (9, "rg-shops", "Microsoft.Web/sites/fourthcoffee-shop"),
    (10, "rg-litware", "Microsoft.ContainerService/managedClusters/litware-aks"),
    (11, "rg-publishing", "Microsoft.Storage/storageAccounts/lucernepub"),
    (12, "rg-bookings", "Microsoft.Web/sites/margies-bookings"),
    (13, "rg-proseware", "Microsoft.Compute/virtualMachines/proseware-vm"),
    (14, "rg-games", "Microsoft.Compute/virtualMachineScaleSets/tailspin-games"),
    (15, "rg-freight", "Microsoft.Logic/workflows/wwi-freight"),
    (16, "rg-arcade", "Microsoft.Web/sites/tailspin-arcade"),
    (17, "rg-core", "Microsoft.Sql/servers/woodgrove-core"),
    (18, "rg-analytics", "Microsoft.Synapse/workspaces/woodgrove-analytics"),
    (19, "rg-legacy", "Microsoft.Compute/virtualMachines/trey-legacy"),
    (19, "rg-apps", "Microsoft.Web/sites/trey-apps"),
]

def resource_id(n, rg, rest, lower=False):
    rid = f"/subscriptions/{sub(n)}/resourceGroups/{rg}/providers/{rest}"
    return rid.lower() if lower else rid

def days(start, end):
    d = start
    while d < end:
        yield d
        d += dt.timedelta(days=1)

def focus():
    cols = ["BilledCost", "BillingAccountId", "BillingCurrency", "ChargeCategory", "ChargePeriodEnd",
            "ChargePeriodStart", "EffectiveCost", "ProviderName", "ResourceId", "ResourceName", "ServiceCategory",
            "ServiceName", "SubAccountId", "Tags", "x_ResourceGroupName"]
    lines = [",".join(f'"{c}"' for c in cols)]
    for day in days(dt.date(2026, 6, 28), dt.date(2026, 11, 1)):
        for i, (n, rg, rest) in enumerate(RESOURCES):
            cost = round(rng.uniform(0.5, 40), 6)
            start, end = f"{day} 00:00:00", f"{day + dt.timedelta(days=1)} 00:00:00"
            rid = resource_id(n, rg, rest, lower=(i % 3 == 0))   # Microsoft writes all-lowercase IDs
            tags = '"{""env"": ""prod"", ""team"": ""ops, platform""}"'  # embedded commas and quotes
            lines.append(f'{cost},"/providers/Microsoft.Billing/billingAccounts/8611537","USD","Usage",'
                         f'"{end}","{start}",{round(cost * 0.9, 6)},"Microsoft","{rid}","{rest.split("/")[-1]}",'
                         f'"Compute","Virtual Machines","/subscriptions/{sub(n)}",{tags},"{rg}"')
        # A support charge with neither a resource nor a subscription: NO_SCOPE.
        lines.append(f'1.25,"/providers/Microsoft.Billing/billingAccounts/8611537","USD","Purchase",'
                     f'"{day + dt.timedelta(days=1)} 00:00:00","{day} 00:00:00",1.25,"Microsoft",NULL,NULL,'
                     f'"Other","Support",NULL,NULL,NULL')
    # Malformed rows: rejected with their line, never dropped (the first keeps its cost in the reconciliation).
    lines.append('2.5,"/providers/Microsoft.Billing/billingAccounts/8611537","USD","Usage",'
                 '"2026-09-02 00:00:00","2026-09-01 00:00:00",2.25,"Microsoft"')  # too few fields
    lines.append('3,"/providers/Microsoft.Billing/billingAccounts/8611537","USD","Usage","2026-09-31 00:00:00",'
                 f'"2026-09-30 00:00:00",3,"Microsoft","{resource_id(3, "rg-prod", RESOURCES[1][2])}","x","Compute",'
                 '"Virtual Machines",NULL,NULL,NULL')  # 31 September does not exist
    lines.append('"",NULL,"USD","Usage","2026-09-02 00:00:00","2026-09-01 00:00:00",NULL,"Microsoft",NULL,NULL,'
                 '"Compute","Virtual Machines",NULL,NULL,NULL')  # EffectiveCost NULL
    with open(os.path.join(HERE, "focus_2026-q3.csv"), "w", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")

def ea():
    header = ("BillingAccountId,BillingAccountName,BillingPeriodStartDate,BillingPeriodEndDate,BillingProfileId,"
              "BillingProfileName,AccountOwnerId,AccountName,SubscriptionId,SubscriptionName,Date,Product,PartNumber,"
              "MeterId,ServiceFamily,MeterCategory,MeterSubCategory,MeterRegion,MeterName,Quantity,EffectivePrice,Cost,"
              "UnitPrice,BillingCurrency,ResourceLocation,AvailabilityZone,ConsumedService,ResourceId,ResourceName,"
              "ServiceInfo1,ServiceInfo2,AdditionalInfo,Tags,InvoiceSectionId,InvoiceSection,CostCenter,UnitOfMeasure,"
              "ResourceGroup,ReservationId,ReservationName,ProductOrderId,ProductOrderName,OfferId,"
              "IsAzureCreditEligible,Term,PublisherName,PlanName,ChargeType,Frequency,PublisherType,PayGPrice,"
              "PricingModel,CostAllocationRuleName,benefitId,benefitName")
    ncols = len(header.split(","))
    rows = []
    def row(subscription, date, cost, rid, rg, charge="Usage"):
        f = [""] * ncols
        f[0], f[1], f[2], f[3] = "8611537", "Demo Enrollment", "09/01/2026", "09/30/2026"
        f[8], f[10], f[21], f[23], f[27], f[37], f[47] = subscription, date, cost, "EUR", rid, rg, charge
        f[32] = '"""env"": ""demo"",""owner"": ""ops"""'  # tags without braces, as EA writes them
        return ",".join(f)
    for day in days(dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        us = day.strftime("%m/%d/%Y")
        for n, rg, rest in RESOURCES[:10]:
            rows.append(row(sub(n), us, f"{rng.uniform(1, 20):.4f}", resource_id(n, rg, rest), rg))
    # A reservation purchase: its ResourceId names no subscription, so the SubscriptionId column is its scope.
    rows.append(row(sub(5), "09/15/2026", "310.5", "/providers/Microsoft.Capacity/reservationOrders/"
                    "49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/", "", "Purchase"))
    with open(os.path.join(HERE, "ea_actualcost_2026-09.csv"), "w", newline="") as f:
        f.write("\ufeff" + header + "\r\n" + "\r\n".join(rows) + "\r\n")

def snapshots():
    """T15 (Trey Research) with S19: Uma linked to the global ID 4300001 (PARTNER_ID_INVALID on rg-legacy); Vic linked
    to 4100012 until the 10-16 snapshot no longer lists the link (NO_ACTIVE_LINK on rg-apps afterwards)."""
    t = tenant(15)
    uma, vic = "30000000-0000-4000-8000-150000000001", "30000000-0000-4000-8000-150000000002"
    for as_of, links in (("2026-10-01", [(uma, "4300001"), (vic, "4100012")]), ("2026-10-16", [(uma, "4300001")])):
        root = os.path.join(HERE, "snapshots", as_of)
        folder = os.path.join(root, "tenants", t)
        os.makedirs(folder, exist_ok=True)
        files = {
            "snapshot.json": {"asOf": f"{as_of}T00:00:00Z"},
            f"tenants/{t}/tenant.json": {"tenantId": t, "displayName": "Trey Research",
                                         "defaultDomain": "treyresearch.onmicrosoft.com"},
            f"tenants/{t}/subscriptions.json": [{"id": sub(19), "name": "Trey-Legacy", "state": "Enabled",
                                                 "tenantId": t}],
            f"tenants/{t}/users.json": {"value": [
                {"id": uma, "displayName": "Uma (Northwind)", "userPrincipalName": "uma@treyresearch.onmicrosoft.com",
                 "userType": "Member", "accountEnabled": True, "createdDateTime": "2026-09-01T00:00:00Z"},
                {"id": vic, "displayName": "Vic (Contoso)", "userPrincipalName": "vic@treyresearch.onmicrosoft.com",
                 "userType": "Member", "accountEnabled": True, "createdDateTime": "2026-09-01T00:00:00Z"}]},
            f"tenants/{t}/roleAssignments.json": [
                {"id": f"/subscriptions/{sub(19)}/resourceGroups/rg-legacy/providers/Microsoft.Authorization/"
                       f"roleAssignments/60000000-0000-4000-8000-150000000001",
                 "name": "60000000-0000-4000-8000-150000000001", "principalId": uma, "principalType": "User",
                 "roleDefinitionId": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "roleDefinitionName": "Owner",
                 "scope": f"/subscriptions/{sub(19)}/resourceGroups/rg-legacy", "createdOn": "2026-09-01T00:00:00Z"},
                {"id": f"/subscriptions/{sub(19)}/resourceGroups/rg-apps/providers/Microsoft.Authorization/"
                       f"roleAssignments/60000000-0000-4000-8000-150000000002",
                 "name": "60000000-0000-4000-8000-150000000002", "principalId": vic, "principalType": "User",
                 "roleDefinitionId": "b24988ac-6180-42a0-ab88-20f7382dd24c", "roleDefinitionName": "Contributor",
                 "scope": f"/subscriptions/{sub(19)}/resourceGroups/rg-apps", "createdOn": "2026-09-01T00:00:00Z"}],
            f"tenants/{t}/partnerLinks.json": [
                {"objectId": o, "tenantId": t, "partnerId": p, "state": "Active",
                 "createdTime": "2026-09-01T00:00:00Z", "updatedTime": "2026-09-01T00:00:00Z"} for o, p in links],
        }
        for name, content in files.items():
            with open(os.path.join(root, name), "w") as f:
                json.dump(content, f, indent=2)
                f.write("\n")

if __name__ == "__main__":
    focus()
    ea()
    snapshots()
