// The table of cost-export families (export_family.h): every family described once, a header matched to the family
// whose columns it has (aliases in order), and the errors naming what is missing.
#include <gtest/gtest.h>

#include <set>

#include "ingest/usage/export_family.h"

namespace openpal::usage {
namespace {

TEST(ExportFamilies, EachFamilyIsDescribedOnceWithItsRequiredColumns) {
  std::set<Family> seen;
  for (const FamilyDescriptor& d : ExportFamilies()) {
    EXPECT_TRUE(seen.insert(d.family).second) << d.name << " described twice";
    EXPECT_EQ(&Describe(d.family), &d);
    for (const ColumnSpec* spec : {&d.start, &d.effective, &d.billed, &d.currency}) {
      EXPECT_TRUE(spec->required) << d.name << " " << spec->display;
      EXPECT_FALSE(spec->aliases.empty()) << d.name << " " << spec->display;
    }
    if (d.period == PeriodRule::kStartEnd) EXPECT_TRUE(d.end.required) << d.name;
  }
  EXPECT_EQ(seen, (std::set<Family>{Family::kFocus, Family::kAzureExport}));
}

TEST(ExportFamilies, AHeaderIsTheFamilyWhoseColumnsItHasAndTheFirstAliasPresentWins) {
  auto focus = DetectFamily({"billedcost", "chargeperiodend", "chargeperiodstart", "effectivecost", "billingcurrency",
                             "subaccountid", "resourceid"},
                            Measure::kBilled, "f.csv:1");
  ASSERT_TRUE(focus.ok()) << focus.status().ToString();
  EXPECT_EQ(focus->family->family, Family::kFocus);
  EXPECT_EQ(focus->amount, 0);  // BilledCost for Measure::kBilled
  EXPECT_EQ(focus->start, 2);
  EXPECT_EQ(focus->end, 1);
  EXPECT_EQ(focus->subscription, 5);
  // An MCA actual-cost header: costInBillingCurrency is preferred to a Cost column beside it; no end column.
  auto azure = DetectFamily({"date", "cost", "costinbillingcurrency", "billingcurrencycode", "instanceid"},
                            Measure::kEffective, "a.csv:1");
  ASSERT_TRUE(azure.ok()) << azure.status().ToString();
  EXPECT_EQ(azure->family->family, Family::kAzureExport);
  EXPECT_EQ(azure->family->period, PeriodRule::kDay);
  EXPECT_EQ(azure->amount, 2);
  EXPECT_EQ(azure->end, -1);
  EXPECT_EQ(azure->resource_id, 4);
  EXPECT_EQ(azure->subscription, -1);
}

TEST(ExportFamilies, AMarkedFamilyNamesItsMissingColumnsAndNoFamilySaysWhatEachNeeds) {
  auto focus = DetectFamily({"chargeperiodstart", "effectivecost"}, Measure::kBilled, "f.csv:1");
  ASSERT_FALSE(focus.ok());
  EXPECT_EQ(focus.status().message(), "FOCUS header lacks required column(s): ChargePeriodEnd BilledCost BillingCurrency");
  EXPECT_EQ(focus.status().code(), StatusCode::kCorruption);
  auto none = DetectFamily({"date", "cost"}, Measure::kEffective, "n.csv:1");
  ASSERT_FALSE(none.ok());
  std::string expected = "header fits neither";
  for (size_t i = 0; i < ExportFamilies().size(); ++i)
    expected += std::string(i ? " nor " : " ") + ExportFamilies()[i].needs;
  EXPECT_EQ(none.status().message(), expected);
}

}  // namespace
}  // namespace openpal::usage
