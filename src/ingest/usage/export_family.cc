// The table of cost-export families and the header matching that reads it.
#include "ingest/usage/export_family.h"

#include <algorithm>

namespace openpal::usage {
namespace {

const std::vector<FamilyDescriptor> kFamilies = {
    {
        .family = Family::kFocus,
        .name = "FOCUS",
        .marker = "chargeperiodstart",
        .needs = "FOCUS (needs ChargePeriodStart, ChargePeriodEnd, EffectiveCost or BilledCost, BillingCurrency)",
        .period = PeriodRule::kStartEnd,
        .start = {"ChargePeriodStart", {"chargeperiodstart"}, true},
        .end = {"ChargePeriodEnd", {"chargeperiodend"}, true},
        .effective = {"EffectiveCost", {"effectivecost"}, true},
        .billed = {"BilledCost", {"billedcost"}, true},
        .currency = {"BillingCurrency", {"billingcurrency"}, true},
        .resource_id = {"ResourceId", {"resourceid"}, false},
        .subscription = {"SubAccountId", {"subaccountid"}, false},
    },
    {
        // EA and MCA, actual and amortized cost: the same columns under the names each schema uses.
        .family = Family::kAzureExport,
        .name = "Azure Cost Management export",
        .marker = "",
        .needs = "an Azure Cost Management export (needs Date or UsageDateTime, CostInBillingCurrency/Cost/PreTaxCost, "
                 "BillingCurrency/BillingCurrencyCode/Currency)",
        .period = PeriodRule::kDay,
        .start = {"Date", {"date", "usagedatetime"}, true},
        .end = {},
        .effective = {"Cost", {"costinbillingcurrency", "cost", "pretaxcost"}, true},
        .billed = {"Cost", {"costinbillingcurrency", "cost", "pretaxcost"}, true},
        .currency = {"BillingCurrency", {"billingcurrency", "billingcurrencycode", "currency"}, true},
        .resource_id = {"ResourceId", {"resourceid", "instanceid"}, false},
        .subscription = {"SubscriptionId", {"subscriptionid", "subscriptionguid"}, false},
    },
};

// Index of the first alias (in the spec's order) present in the header, or -1.
int FindColumn(const std::vector<std::string>& header, const ColumnSpec& spec) {
  for (std::string_view alias : spec.aliases) {
    auto it = std::find(header.begin(), header.end(), alias);
    if (it != header.end()) return static_cast<int>(it - header.begin());
  }
  return -1;
}

}  // namespace

const std::vector<FamilyDescriptor>& ExportFamilies() { return kFamilies; }

const FamilyDescriptor& Describe(Family f) {
  for (const auto& d : kFamilies)
    if (d.family == f) return d;
  return kFamilies.front();  // unreachable: every Family has an entry (export_family_test checks)
}

Result<FamilyColumns> DetectFamily(const std::vector<std::string>& header, Measure measure, const std::string& where) {
  for (const FamilyDescriptor& d : kFamilies) {
    const bool marked = !d.marker.empty() && std::find(header.begin(), header.end(), d.marker) != header.end();
    if (!d.marker.empty() && !marked) continue;
    const ColumnSpec& amount = measure == Measure::kBilled ? d.billed : d.effective;
    FamilyColumns c;
    c.family = &d;
    c.start = FindColumn(header, d.start);
    c.end = d.period == PeriodRule::kStartEnd ? FindColumn(header, d.end) : -1;
    c.amount = FindColumn(header, amount);
    c.currency = FindColumn(header, d.currency);
    c.resource_id = FindColumn(header, d.resource_id);
    c.subscription = FindColumn(header, d.subscription);
    std::string missing;
    auto need = [&](const ColumnSpec& spec, int index) {
      if (spec.required && index < 0) missing += std::string(" ") + spec.display;
    };
    need(d.start, c.start);
    if (d.period == PeriodRule::kStartEnd) need(d.end, c.end);
    need(amount, c.amount);
    need(d.currency, c.currency);
    if (missing.empty()) return c;
    if (marked)
      return Status::Error(StatusCode::kCorruption, std::string(d.name) + " header lacks required column(s):" + missing,
                           where);
  }
  std::string fits = "header fits neither ";
  for (size_t i = 0; i < kFamilies.size(); ++i) fits += (i ? " nor " : "") + std::string(kFamilies[i].needs);
  return Status::Error(StatusCode::kCorruption, fits, where);
}

}  // namespace openpal::usage
