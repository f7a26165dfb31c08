// The route table of `pal serve`: every surface's routes (surface.h) in one list, matched, authenticated and
// answered in one place for the server (server.cc), the fuzz target and in-process tests alike.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/surface.h"

namespace openpal::api {

// One path pattern of one surface and the routes (methods) it has; built by RouteTable::Add.
struct Resource {
  std::string pattern;
  std::vector<std::string> segments;  // literal text, or "{name}" for a parameter
  bool rest = false;                  // the pattern ends in "/**"
  Auth auth = Auth::kToken;
  Slash slash = Slash::kOne;
  PathCase path_case = PathCase::kInsensitive;
  const Surface* surface = nullptr;
  std::vector<Route> routes;
  std::string allow;                  // "GET, PUT, ..." in table order, for 405s
  std::vector<std::string> problems;  // found while adding (RouteTable::Problems)
};

class RouteTable {
 public:
  // Routes authenticate with `verifier`; Auth::kPrincipal routes check the caller in `store`. Both must outlive
  // the table.
  RouteTable(const TokenVerifier& verifier, Store& store) : verifier_(verifier), store_(store) {}
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // Appends `surface`'s routes after those added before: the first resource whose pattern matches a path answers
  // it. `surface` must outlive the table.
  void Add(const Surface& surface);

  // The table's mistakes, one line each (empty when sound): entries of one resource that disagree on auth, slash
  // or path case, a pattern that is not one, a method declared twice, a public route blocking while taking a body.
  std::vector<std::string> Problems() const;

  // What answers a request: a resource and, if it has the request's method, the route (else 405).
  struct Match {
    const Resource* resource = nullptr;  // nullptr: no pattern matched (404 NotFound, public)
    const Route* route = nullptr;               // nullptr with a resource: 405
    std::vector<std::string> params;
    // True when answering may block (the route's `blocks`); 404s and 405s never do.
    bool blocks() const { return route && route->blocks; }
  };
  Match Find(const ApiRequest& request) const;

  // For the head of a request that has a body, before the body is read: the answer to send at once, without
  // reading it, or nullopt to read it. A body is read only for a caller that may use it: a verified token on
  // token routes, a public route that takes one. Never blocks: runs on the event loop.
  std::optional<ApiResponse> RefuseBody(const ApiRequest& head) const;

  // Answers `request` as `match` says: authenticates by the resource's policy (401), checks the method (405 with
  // Allow), checks the principal (Auth::kPrincipal, 403), runs the handler, and lets the surface finish the answer.
  // An exception escaping a handler is a 500 (surfaces report errors as values; this is a net).
  ApiResponse Answer(const Match& match, const ApiRequest& request) const;
  ApiResponse Answer(const ApiRequest& request) const { return Answer(Find(request), request); }

  // "METHOD pattern" of every route, in match order (for docs and tests).
  std::vector<std::string> Describe() const;

 private:
  const TokenVerifier& verifier_;
  Store& store_;
  std::vector<Resource> resources_;
};

}  // namespace openpal::api
