// The fake token endpoint, Graph and ARM over the fake world (see fake_cloud.h).
#include "fake_cloud.h"

#include <cstdio>
#include <ctime>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "fake_shapes.h"

namespace openpal::collect::testing {
namespace {

struct Token {
  std::string tenant, audience;  // "graph" or "arm"
};


std::string B64UrlDecode(std::string s) {
  for (auto& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  std::string out(s.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  if (n < 0) return "";
  size_t pad = 0;
  while (pad < 2 && s.size() > pad && s[s.size() - 1 - pad] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}
std::string B64Url(const unsigned char* d, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), d, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// Why a client assertion is not acceptable ("" = it is).
std::string CheckAssertion(const std::string& jwt, const std::string& cert_pem, const std::string& thumbprint,
                           const std::string& audience, const std::string& client_id) {
  size_t a = jwt.find('.'), b = jwt.rfind('.');
  if (a == std::string::npos || a == b) return "not a JWT";
  auto header = json::parse(B64UrlDecode(jwt.substr(0, a)), nullptr, false);
  auto claims = json::parse(B64UrlDecode(jwt.substr(a + 1, b - a - 1)), nullptr, false);
  if (!header.is_object() || !claims.is_object()) return "unreadable header or claims";
  if (header.value("alg", "") != "RS256") return "alg is not RS256";
  if (header.value("x5t", "") != thumbprint) return "x5t is not the certificate's thumbprint";
  if (claims.value("aud", "") != audience) return "aud is " + claims.value("aud", "") + ", expected " + audience;
  if (claims.value("iss", "") != client_id || claims.value("sub", "") != client_id) return "iss/sub is not the client";
  if (!claims.contains("jti")) return "no jti";
  int64_t now = std::time(nullptr);
  if (claims.value("exp", int64_t{0}) <= now || claims.value("nbf", now + 1000) > now + 60) return "expired or not yet valid";
  BIO* bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!cert) return "no certificate trusted";
  EVP_PKEY* key = X509_get_pubkey(cert);
  std::string input = jwt.substr(0, b), sig = B64UrlDecode(jwt.substr(b + 1));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  X509_free(cert);
  return ok ? "" : "bad signature";
}

std::vector<std::string> SplitSelect(const std::string& select) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= select.size()) {
    size_t comma = select.find(',', start);
    if (comma == std::string::npos) comma = select.size();
    if (comma > start) out.push_back(select.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

json Selected(const json& full, const std::string& select) {
  if (select.empty()) return full;
  json out = json::object();
  for (const auto& f : SplitSelect(select)) out[f] = full.contains(f) ? full[f] : json(nullptr);
  return out;
}

bool UnderSubscription(const std::string& scope, const std::string& sub) {
  std::string s = Lower(scope), prefix = "/subscriptions/" + Lower(sub);
  return s == prefix || s.rfind(prefix + "/", 0) == 0;
}

}  // namespace

// --- the server ----------------------------------------------------------------------------------------------

struct FakeCloud::Impl {
  FakeWorld world;
  FaultPlan plan;
  httplib::Server server;
  std::mutex mutex;  // guards everything below
  std::mt19937 rng;
  std::map<std::string, Token> tokens;
  std::map<std::string, size_t> issued_links;  // nextLink URL -> offset
  std::set<std::string> followed_links;
  std::vector<std::string> violations;
  std::string certificate_pem;
  std::string thumbprint;  // base64url SHA-1 of the certificate
  std::string base;

  void Violation(const std::string& what) {
    std::lock_guard lock(mutex);
    if (violations.size() < 50) violations.push_back(what);
  }
  const FakeTenant* TenantById(const std::string& id) {
    for (const auto& t : world.tenants)
      if (t.id == id) return &t;
    return nullptr;
  }
};


FakeCloud::FakeCloud(FakeWorld world, FaultPlan plan) : impl_(std::make_unique<Impl>()) {
  Impl& im = *impl_;
  im.world = std::move(world);
  im.plan = plan;
  im.rng.seed(plan.seed);

  // Serves `items` a page at a time, following the $skiptoken this fake put into its own nextLink.
  auto page = [this](const httplib::Request& req, httplib::Response& res, const std::vector<json>& items,
                     size_t page_size, const char* next_field, const std::string& context) {
    Impl& im = *impl_;
    size_t offset = 0;
    std::string target = req.target;
    if (req.has_param("$skiptoken")) {
      std::string url = im.base + req.target;
      std::lock_guard lock(im.mutex);
      auto it = im.issued_links.find(url);
      if (it == im.issued_links.end()) {
        im.violations.push_back("a paging link this server never sent: " + url);
        res.status = 400;
        return;
      }
      offset = it->second;
      im.followed_links.insert(url);
      target = req.target.substr(0, req.target.find("&$skiptoken="));
    }
    json value = json::array();
    for (size_t i = offset; i < items.size() && i < offset + page_size; ++i) value.push_back(items[i]);
    json body = {{"value", value}};
    if (!context.empty()) body["@odata.context"] = context;
    if (offset + page_size < items.size()) {
      std::lock_guard lock(im.mutex);
      char token[32];
      std::snprintf(token, sizeof token, "%08x%08x", static_cast<unsigned>(im.rng()), static_cast<unsigned>(im.rng()));
      std::string next = im.base + target + (target.find('?') == std::string::npos ? "?" : "&") + "$skiptoken=" + token;
      im.issued_links[next] = offset + page_size;
      body[next_field] = next;
    }
    res.set_content(body.dump(), "application/json");
  };

  auto fault = [this](httplib::Response& res) {
    Impl& im = *impl_;
    std::lock_guard lock(im.mutex);
    double roll = std::uniform_real_distribution<double>(0, 1)(im.rng);
    if (roll < im.plan.throttle) {
      res.status = 429;
      res.set_header("Retry-After", "0");
      res.set_content(R"({"error":{"code":"TooManyRequests","message":"Too many requests."}})", "application/json");
    } else if (roll < im.plan.throttle + im.plan.unavailable) {
      res.status = 503;
      res.set_header("Retry-After", "0");
      res.set_content(R"({"error":{"code":"ServiceUnavailable","message":"Try again."}})", "application/json");
    } else if (roll < im.plan.throttle + im.plan.unavailable + im.plan.server_error) {
      res.status = 500;
      res.set_content(R"({"error":{"code":"InternalServerError","message":"Oops."}})", "application/json");
    } else {
      return false;
    }
    ++faults_;
    return true;
  };

  im.server.Post(R"(/([^/]+)/oauth2/v2\.0/token)", [this, fault](const httplib::Request& req, httplib::Response& res) {
    Impl& im = *impl_;
    ++requests_;
    if (fault(res)) return;
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    auto get = [&](const char* k) {
      auto it = form.find(k);
      return it == form.end() ? std::string() : it->second;
    };
    std::string tenant = req.matches[1];
    auto refuse = [&](const std::string& error, const std::string& why) {
      res.status = 400;
      res.set_content(json{{"error", error}, {"error_description", why}}.dump(), "application/json");
    };
    if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) != 0)
      im.Violation("token request not form-encoded");
    if (!im.TenantById(tenant)) return refuse("invalid_request", "AADSTS90002: Tenant '" + tenant + "' not found.");
    if (get("grant_type") != "client_credentials") im.Violation("grant_type " + get("grant_type"));
    if (get("client_id") != im.world.client_id) return refuse("unauthorized_client", "AADSTS700016: unknown app");
    std::string scope = get("scope");
    std::string audience = scope == "https://graph.microsoft.com/.default"      ? "graph"
                           : scope == "https://management.azure.com/.default" ? "arm"
                                                                               : "";
    if (audience.empty()) {
      im.Violation("token scope " + scope);
      return refuse("invalid_scope", "AADSTS70011: bad scope");
    }
    if (!get("client_assertion").empty()) {
      if (get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        im.Violation("client_assertion_type " + get("client_assertion_type"));
      std::string why = CheckAssertion(get("client_assertion"), im.certificate_pem, im.thumbprint,
                                       im.base + "/" + tenant + "/oauth2/v2.0/token", im.world.client_id);
      if (!why.empty()) {
        im.Violation("client assertion: " + why);
        return refuse("invalid_client", "AADSTS700027: " + why);
      }
      ++assertions_;
    } else if (get("client_secret") != im.world.secret) {
      return refuse("invalid_client", "AADSTS7000215: Invalid client secret provided.");
    }
    std::string token;
    {
      std::lock_guard lock(im.mutex);
      token = "fake." + std::to_string(im.tokens.size()) + "." + std::to_string(im.rng());
      im.tokens[token] = {tenant, audience};
    }
    res.set_content(json{{"token_type", "Bearer"}, {"expires_in", 3599}, {"ext_expires_in", 3599}, {"access_token", token}}.dump(),
                    "application/json");
  });

  im.server.Get(".*", [this, fault, page](const httplib::Request& req, httplib::Response& res) {
    Impl& im = *impl_;
    ++requests_;
    auto error = [&](int status, const std::string& code, const std::string& message) {
      res.status = status;
      res.set_content(json{{"error", {{"code", code}, {"message", message}}}}.dump(), "application/json");
    };
    const std::string& path = req.path;
    bool graph = path.rfind("/v1.0/", 0) == 0;
    std::string auth = req.get_header_value("Authorization");
    Token token;
    {
      std::lock_guard lock(im.mutex);
      auto it = auth.rfind("Bearer ", 0) == 0 ? im.tokens.find(auth.substr(7)) : im.tokens.end();
      if (it == im.tokens.end()) {
        im.violations.push_back("no valid bearer token on " + path);
        return error(401, "InvalidAuthenticationToken", "no token");
      }
      token = it->second;
    }
    if (token.audience != (graph ? "graph" : "arm")) {
      im.Violation("a " + token.audience + " token sent to " + path);
      return error(401, "InvalidAuthenticationTokenAudience", "wrong audience");
    }
    if (fault(res)) return;
    if (!im.plan.always_fail.empty() && req.target.find(im.plan.always_fail) != std::string::npos)
      return error(im.plan.always_fail_status, "AuthorizationFailed", "The client does not have authorization.");
    const FakeTenant& t = *im.TenantById(token.tenant);
    const std::string ctx_base = im.base + "/v1.0/$metadata#";

    if (graph) {
      std::string select = req.get_param_value("$select");
      size_t top = req.has_param("$top") ? std::stoul(req.get_param_value("$top")) : 100;
      if (top > 999) {
        im.Violation("$top over 999");
        return error(400, "Request_BadRequest", "Invalid page size specified");
      }
      size_t size = std::min<size_t>(top, im.plan.graph_page);
      std::vector<json> items;
      if (path == "/v1.0/users") {
        for (const auto& u : t.users)
          if (u.deleted.empty()) {
            json j = UserJson(u);
            j["deletedDateTime"] = nullptr;
            items.push_back(Selected(j, select));
          }
        return page(req, res, items, size, "@odata.nextLink", ctx_base + "users");
      }
      if (path == "/v1.0/directory/deletedItems/microsoft.graph.user") {
        for (const auto& u : t.users)
          if (!u.deleted.empty()) items.push_back(Selected(UserJson(u), select));
        return page(req, res, items, size, "@odata.nextLink", ctx_base + "directory/deletedItems/microsoft.graph.user");
      }
      if (path == "/v1.0/servicePrincipals") {
        for (const auto& s : t.sps) items.push_back(Selected(SpJson(s), select));
        return page(req, res, items, size, "@odata.nextLink", ctx_base + "servicePrincipals");
      }
      if (path == "/v1.0/groups") {
        for (const auto& g : t.groups)
          items.push_back(Selected({{"id", g.id}, {"displayName", g.name}, {"securityEnabled", g.security},
                                    {"createdDateTime", g.created}, {"mailEnabled", false}},
                                   select));
        return page(req, res, items, size, "@odata.nextLink", ctx_base + "groups");
      }
      if (path == "/v1.0/organization") {
        json org = {{"id", t.id},
                    {"displayName", t.display},
                    {"verifiedDomains", json::array({{{"name", "other.example.com"}, {"isDefault", false}},
                                                     {{"name", t.domain}, {"isDefault", true}, {"isInitial", true}}})}};
        return page(req, res, {org}, 1, "@odata.nextLink", ctx_base + "organization");
      }
      static const std::string kGroupPrefix = "/v1.0/groups/";
      if (path.rfind(kGroupPrefix, 0) == 0 && path.size() > 8 && path.substr(path.size() - 8) == "/members") {
        std::string id = path.substr(kGroupPrefix.size(), path.size() - 8 - kGroupPrefix.size());
        for (const auto& g : t.groups)
          if (g.id == id) {
            for (const auto& m : g.members) {
              json j = Selected({{"id", m.id}, {"displayName", "x"}}, select);
              j["@odata.type"] = m.type;
              items.push_back(j);
            }
            return page(req, res, items, size, "@odata.nextLink", ctx_base + "directoryObjects");
          }
        return error(404, "Request_ResourceNotFound", "no group " + id);
      }
      im.Violation("unexpected Graph request " + req.target);
      return error(404, "Request_ResourceNotFound", "unknown");
    }

    // ARM.
    std::string api = req.get_param_value("api-version");
    auto need_api = [&](const char* version) {
      if (api == version) return true;
      im.Violation("api-version '" + api + "' on " + path + ", expected " + version);
      error(400, "InvalidApiVersionParameter", "bad api-version");
      return false;
    };
    const size_t size = static_cast<size_t>(im.plan.arm_page);
    std::vector<json> items;
    // The subscriptions this tenant's caller can see: its own and those delegated to it.
    auto visible_sub = [&](const std::string& id, const FakeTenant** owner) {
      for (const auto& other : im.world.tenants)
        for (const auto& s : other.subs)
          if (Lower(s.id) == Lower(id)) {
            bool delegated = false;
            for (const auto& r : other.registrations) delegated = delegated || (r.sub == s.id && r.managing_tenant == t.id);
            *owner = &other;
            return other.id == t.id || delegated;
          }
      return false;
    };
    if (path == "/subscriptions") {
      if (!need_api("2022-12-01")) return;
      for (const auto& other : im.world.tenants)
        for (const auto& s : other.subs) {
          const FakeTenant* owner = nullptr;
          if (visible_sub(s.id, &owner))
            items.push_back({{"id", "/subscriptions/" + s.id}, {"authorizationSource", "RoleBased"},
                             {"subscriptionId", s.id}, {"tenantId", other.id}, {"displayName", s.name}, {"state", s.state},
                             {"subscriptionPolicies", {{"locationPlacementId", "Public_2014-09-01"}}}});
        }
      return page(req, res, items, size, "nextLink", "");
    }
    static const std::string kMg = "/providers/Microsoft.Management/managementGroups/";
    static const std::string kRa = "/providers/Microsoft.Authorization/roleAssignments";
    static const std::string kRd = "/providers/Microsoft.Authorization/roleDefinitions";
    auto ends_with = [&](const std::string& s) { return path.size() > s.size() && path.substr(path.size() - s.size()) == s; };
    if (ends_with(kRa) || ends_with(kRd)) {
      bool ra = ends_with(kRa);
      if (!need_api("2022-04-01")) return;
      std::string scope = path.substr(0, path.size() - (ra ? kRa.size() : kRd.size()));
      std::vector<std::string> above;  // lowercase scopes at or above the listed one
      std::string sub;
      if (scope.rfind(kMg, 0) == 0) {
        above = MgChain(t, scope.substr(kMg.size()));
        if (above.empty()) return error(404, "ManagementGroupNotFound", "no such group");
        if (ra && req.get_param_value("$filter") != "atScope()") {
          im.Violation("role assignments at a management group without $filter=atScope(): " + req.target);
          return error(400, "UnsupportedQuery", "atScope() required at management group scope");
        }
      } else if (scope.rfind("/subscriptions/", 0) == 0 && scope.find('/', 15) == std::string::npos) {
        sub = scope.substr(15);
        const FakeTenant* owner = nullptr;
        if (!visible_sub(sub, &owner) || owner != &t) {
          im.Violation("RBAC listed on a subscription of another tenant: " + scope);
          return error(403, "AuthorizationFailed", "no access");
        }
        for (const auto& s : t.subs)
          if (s.id == sub) above = MgChain(t, s.mg);
      } else {
        im.Violation("RBAC listed at an unexpected scope: " + scope);
        return error(400, "InvalidScope", scope);
      }
      auto is_above = [&](const std::string& x) {
        if (x == "/") return true;
        if (x.rfind(kMg, 0) != 0) return false;
        return std::find(above.begin(), above.end(), Lower(x.substr(kMg.size()))) != above.end();
      };
      if (ra) {
        for (const auto& a : t.assignments) {
          if (!is_above(a.scope) && !(sub.size() && UnderSubscription(a.scope, sub))) continue;
          items.push_back({{"id", AssignmentId(a)},
                           {"name", a.name},
                           {"type", "Microsoft.Authorization/roleAssignments"},
                           {"properties",
                            {{"roleDefinitionId", RoleDefinitionId(a.scope, a.role)},
                             {"principalId", a.principal},
                             {"principalType", a.principal_type},
                             {"scope", a.scope},
                             {"condition", nullptr},
                             {"conditionVersion", nullptr},
                             {"createdOn", a.created},
                             {"updatedOn", a.created},
                             {"createdBy", nullptr},
                             {"updatedBy", "0b000000-0000-4000-8000-0000000000ff"},
                             {"delegatedManagedIdentityResourceId", nullptr},
                             {"description", nullptr}}}});
        }
      } else {
        if (req.get_param_value("$filter") != "type eq 'CustomRole'") im.Violation("role definitions without the CustomRole filter");
        for (const auto& r : t.roles) {
          if (!is_above(r.scope) && !(sub.size() && UnderSubscription(r.scope, sub))) continue;
          items.push_back({{"id", (sub.empty() ? std::string() : "/subscriptions/" + sub) + kRd + "/" + r.name},
                           {"name", r.name},
                           {"type", "Microsoft.Authorization/roleDefinitions"},
                           {"properties",
                            {{"roleName", r.role_name},
                             {"type", "CustomRole"},
                             {"description", "made for the test"},
                             {"assignableScopes", json::array({r.scope})},
                             {"permissions", json::array({{{"actions", json::array({"*/read"})}, {"notActions", json::array()},
                                                           {"dataActions", json::array()}, {"notDataActions", json::array()}}})},
                             {"createdOn", "2024-01-01T00:00:00.0000000Z"}}}});
        }
      }
      return page(req, res, items, size, "nextLink", "");
    }
    if (path.rfind(kMg, 0) == 0) {
      if (!need_api("2020-05-01")) return;
      if (req.get_param_value("$expand") != "children" || req.get_param_value("$recurse") != "true")
        im.Violation("management group read without $expand=children&$recurse=true");
      std::string name = path.substr(kMg.size());
      for (const auto& g : t.mgs)
        if (Lower(g.name) == Lower(name)) {
          // ARM's shape: displayName and children under properties at the top, directly on the children.
          json az = AzTree(t, g);
          json node = {{"id", az["id"]}, {"type", az["type"]}, {"name", az["name"]},
                       {"properties", {{"tenantId", t.id}, {"displayName", az["displayName"]},
                                       {"details", {{"version", 3}}}, {"children", az["children"]}}}};
          for (auto& c : node["properties"]["children"])
            if (c["type"] == "/subscriptions") c["children"] = nullptr;
          res.set_content(node.dump(), "application/json");
          return;
        }
      return error(404, "NotFound", "'" + name + "' not found");
    }
    static const std::string kMs = "/providers/Microsoft.ManagedServices/";
    if (path.rfind("/subscriptions/", 0) == 0 && path.find(kMs) != std::string::npos) {
      if (!need_api("2022-10-01")) return;
      std::string sub = path.substr(15, path.find('/', 15) - 15);
      const FakeTenant* owner = nullptr;
      if (!visible_sub(sub, &owner)) return error(403, "AuthorizationFailed", "no access");
      bool definitions = ends_with("registrationDefinitions");
      bool expand = req.get_param_value("$expandRegistrationDefinition") == "true";
      for (const auto& r : owner->registrations)
        if (Lower(r.sub) == Lower(sub) && (owner->id == t.id || r.managing_tenant == t.id))
          items.push_back(definitions ? RegistrationDefinitionJson(r, im.world.tenants[0].display)
                                      : RegistrationAssignmentJson(r, im.world.tenants[0].display, expand));
      return page(req, res, items, size, "nextLink", "");
    }
    if (path == "/providers/Microsoft.ManagementPartner/partners") {
      if (!need_api("2018-02-01")) return;
      if (!t.caller_link) return error(404, "PartnerNotFound", "The partner is not found.");
      const FakeLink& l = *t.caller_link;
      res.set_content(json{{"id", "/providers/microsoft.managementpartner/partners/" + l.partner_id},
                           {"name", l.partner_id},
                           {"type", "Microsoft.ManagementPartner/partner"},
                           {"etag", 1},
                           {"properties",
                            {{"partnerId", l.partner_id}, {"partnerName", "Contoso"}, {"tenantId", t.id},
                             {"objectId", l.object_id}, {"version", 1}, {"createdTime", l.created},
                             {"updatedTime", l.updated}, {"state", "Active"}}}}
                          .dump(),
                      "application/json");
      return;
    }
    im.Violation("unexpected ARM request " + req.target);
    error(404, "NotFound", "unknown");
  });

  port_ = im.server.bind_to_any_port("127.0.0.1");
  im.base = "http://127.0.0.1:" + std::to_string(port_);
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  while (!im.server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeCloud::~FakeCloud() {
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

void FakeCloud::TrustCertificate(const std::string& certificate_pem) {
  Impl& im = *impl_;
  BIO* bio = BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char* der = nullptr;
  int n = i2d_X509(cert, &der);
  unsigned char sha[SHA_DIGEST_LENGTH];
  SHA1(der, static_cast<size_t>(n), sha);
  OPENSSL_free(der);
  X509_free(cert);
  std::lock_guard lock(im.mutex);
  im.certificate_pem = certificate_pem;
  im.thumbprint = B64Url(sha, sizeof sha);
}

std::vector<std::string> FakeCloud::Violations() {
  Impl& im = *impl_;
  std::lock_guard lock(im.mutex);
  std::vector<std::string> out = im.violations;
  for (const auto& [link, offset] : im.issued_links)
    if (!im.followed_links.count(link)) out.push_back("a paging link sent but never followed: " + link);
  return out;
}

std::string MakeSelfSignedPem(const std::string& common_name) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return pem;
}

}  // namespace openpal::collect::testing
