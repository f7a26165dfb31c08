// `pal links`: the link inventory (who is linked to which partner ID, since when, by which kind of identity) and
// the customers whose credit rests on linked users only. Logic: engine/link_inventory.h; formats: docs/cli.md.
#include <algorithm>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "core/guid.h"
#include "engine/link_inventory.h"
#include "engine/report_writer.h"
#include "store/store.h"

namespace openpal::cli {

// Writes `inventory` in `format` (table, csv, tsv or json) to `out`; shared with `pal demo`.
void WriteLinkInventory(const engine::LinkInventory& inventory, const std::string& format, std::ostream& out);

namespace {

// A CSV/TSV column list: one row per inventory link, `customerAtRisk` marking rows of an at-risk customer.
const std::vector<std::string> kColumns = {"tenantId",     "tenantName", "principalTenantId", "objectId",
                                           "displayName",  "identityKind", "principalState",        "partnerId",
                                           "partnerName",  "since",        "source",          "customerAtRisk"};

bool AtRisk(const engine::LinkInventory& inv, const engine::InventoryLink& r) {
  return std::any_of(inv.at_risk.begin(), inv.at_risk.end(), [&](const engine::CustomerAtRisk& c) {
    return c.tenant_id == r.tenant_id && c.partner_id == r.partner_id;
  });
}

std::vector<std::string> Cells(const engine::LinkInventory& inv, const engine::InventoryLink& r) {
  return {r.tenant_id,    r.tenant_name,  r.principal_tenant_id, r.object_id,
          r.display_name, r.identity_kind, r.principal_state, r.partner_id,
          r.partner_name, FormatIsoTime(r.since), r.source, AtRisk(inv, r) ? "true" : "false"};
}

// TSV has no quoting: tabs and line breaks inside a value become spaces.
std::string TsvField(std::string value) {
  for (char& c : value)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return value;
}

// Display width of UTF-8 text (code points; the demo names are Latin).
size_t Width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void WriteAligned(const std::vector<std::vector<std::string>>& rows, std::ostream& out, const std::string& indent) {
  if (rows.empty()) return;
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line = indent;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      line += rows[r][i];
      if (i + 1 < rows[r].size()) line += std::string(widths[i] - Width(rows[r][i]) + 2, ' ');
    }
    out << line << "\n";
    if (r == 0) {
      std::string rule = indent;
      for (size_t i = 0; i < widths.size(); ++i) rule += std::string(widths[i], '-') + (i + 1 < widths.size() ? "  " : "");
      out << rule << "\n";
    }
  }
}

std::string ShortDate(Timestamp t) { return FormatIsoTime(t).substr(0, 10); }

void WriteTable(const engine::LinkInventory& inv, std::ostream& out) {
  out << "Links at " << FormatIsoTime(inv.at) << ": " << inv.links.size() << "\n\n";
  if (inv.links.empty()) {
    out << "  (none: import snapshots with partnerLinks.json, or link through the API)\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"TENANT", "PRINCIPAL", "KIND", "PARTNER", "SINCE", "SOURCE"}};
    for (const auto& r : inv.links) {
      std::string who = r.display_name.empty() ? r.object_id : r.display_name;
      if (r.principal_state != "enabled") who += " (" + r.principal_state + ")";
      std::string kind = r.identity_kind;
      if (kind == "lighthouse") kind += " (" + std::string(r.is_user ? "user" : "app") + ")";
      std::string partner = r.partner_id + (r.partner_name.empty() ? "" : " " + r.partner_name);
      rows.push_back({r.tenant_name.empty() ? r.tenant_id : r.tenant_name, who, kind, partner, ShortDate(r.since),
                      r.source});
    }
    WriteAligned(rows, out, "  ");
  }
  out << "\nCustomers at risk (credit rests on linked users only; link a service principal too): "
      << inv.at_risk.size() << "\n";
  if (inv.at_risk.empty()) return;
  out << "\n";
  std::vector<std::vector<std::string>> rows = {{"CUSTOMER", "PARTNER", "USERS", "WHY"}};
  for (const auto& r : inv.at_risk)
    rows.push_back({r.tenant_name.empty() ? r.tenant_id : r.tenant_name, r.partner_id,
                    std::to_string(r.linked_users), r.reason});
  WriteAligned(rows, out, "  ");
}

struct LinksArgs {
  std::string partner, tenant, at, db, output = "table";
};

int RunLinks(const LinksArgs& args) {
  engine::InventoryQuery query;
  query.at = Timestamp::Now();
  if (!args.at.empty()) {
    auto at = ParseTime(args.at);
    if (!at.ok()) {
      std::cerr << "pal links: --at: " << at.status().ToString() << "\n  e.g. --at 2026-10-01T00:00:00Z\n";
      return kExitUsage;
    }
    query.at = *at;
  }
  if (!args.partner.empty()) {
    if (args.partner.size() < 6 || args.partner.size() > 10 ||
        args.partner.find_first_not_of("0123456789") != std::string::npos) {
      std::cerr << "pal links: --partner: a partner ID is 6 to 10 digits, got '" << args.partner << "'\n";
      return kExitUsage;
    }
    query.partner_id = args.partner;
  }
  if (!args.tenant.empty()) {
    auto tenant = NormalizeGuid(args.tenant);
    if (!tenant) {
      std::cerr << "pal links: --tenant: expected a tenant ID (GUID), got '" << args.tenant << "'\n";
      return kExitUsage;
    }
    query.tenant_id = *tenant;
  }
  auto store = OpenExistingStore(args.db);
  if (!store.ok()) {
    std::cerr << "pal links: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  auto inventory = engine::BuildLinkInventory(**store, query);
  if (!inventory.ok()) {
    std::cerr << "pal links: " << inventory.status().ToString() << "\n";
    return kExitFailure;
  }
  WriteLinkInventory(*inventory, args.output, std::cout);
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "links", 45, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<LinksArgs>();
      CLI::App* sub = app.add_subcommand(
          "links", "Who is linked to which partner ID, by which kind of identity, and which customers are at risk");
      sub->add_option("--partner", args->partner,
                      "Only links to this partner ID; a global ID includes its location IDs, e.g. --partner 4100011");
      sub->add_option("--tenant", args->tenant, "Only this customer tenant (GUID)");
      sub->add_option("--at", args->at, "The moment (ISO 8601 or a date = midnight UTC; default now)");
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--output", args->output, "table (default), csv, tsv or json (the /openpal/v1/links body)")
          ->check(CLI::IsMember({"table", "csv", "tsv", "json"}));
      sub->footer(
          "The inventory Microsoft does not give partners: which principals of which tenants are linked to which\n"
          "partner ID, since when, by which kind of identity (member, guest, servicePrincipal, managedIdentity,\n"
          "lighthouse: a linked principal of a managing tenant with Lighthouse access to a customer), and which\n"
          "customers depend on linked users only (at risk: the credit leaves with those people).\n"
          "Examples:\n"
          "  pal links --partner 4100011 --at 2026-10-01\n"
          "  pal links --tenant 10000000-0000-4000-8000-000000000007 --output csv > links.csv");
      return [args] { return RunLinks(*args); };
    }});

}  // namespace

void WriteLinkInventory(const engine::LinkInventory& inventory, const std::string& format, std::ostream& out) {
  if (format == "json") {
    out << engine::LinkInventoryJson(inventory, 2) << "\n";
  } else if (format == "csv" || format == "tsv") {
    bool csv = format == "csv";
    auto field = [csv](const std::string& v) { return csv ? engine::CsvField(v) : TsvField(v); };
    const char* sep = csv ? "," : "\t";
    for (size_t i = 0; i < kColumns.size(); ++i) out << (i ? sep : "") << kColumns[i];
    out << "\n";
    for (const auto& r : inventory.links) {
      auto cells = Cells(inventory, r);
      for (size_t i = 0; i < cells.size(); ++i) out << (i ? sep : "") << field(cells[i]);
      out << "\n";
    }
  } else {
    WriteTable(inventory, out);
  }
}

}  // namespace openpal::cli
