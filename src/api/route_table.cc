// Matching, authentication and the 405s of pal serve's route table (route_table.h).
#include "api/route_table.h"

#include "api/arm_errors.h"
#include "api/caller.h"
#include "core/guid.h"

namespace openpal::api {
namespace {

bool IsParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool SameText(std::string_view a, std::string_view b, PathCase path_case) {
  return path_case == PathCase::kExact ? a == b : EqualsIgnoreCase(a, b);
}

// Matches `path` (already cut by the slash rule) against `r`, collecting its parameters into `params`.
bool MatchPath(const Resource& r, std::string_view path, std::vector<std::string>* params) {
  params->clear();
  size_t pos = 0;
  for (const std::string& segment : r.segments) {
    if (pos >= path.size() || path[pos] != '/') return false;
    ++pos;
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view got = path.substr(pos, end - pos);
    if (IsParam(segment)) {
      if (got.empty()) return false;
      params->emplace_back(got);
    } else if (!SameText(got, segment, r.path_case)) {
      return false;
    }
    pos = end;
  }
  if (r.rest) return pos == path.size() || path[pos] == '/';
  return pos == path.size();
}

// Matches `path` with the trailing slashes `r` tolerates.
bool Matches(const Resource& r, std::string_view path, std::vector<std::string>* params) {
  if (MatchPath(r, path, params)) return true;
  if (r.rest || r.slash == Slash::kExact || path.size() < 2 || path.back() != '/') return false;
  path.remove_suffix(1);
  if (r.slash == Slash::kAny)
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return MatchPath(r, path, params);
}

// Runs `work`, turning an exception escaping a handler into a 500 whose cause goes to the log.
template <class Work>
ApiResponse Guarded(Work&& work) {
  try {
    return work();
  } catch (const std::exception& e) {
    ApiResponse response = ErrorResponse(Status::Error(StatusCode::kInternal, "unexpected exception"));
    response.log_detail = std::string("exception: ") + e.what();
    return response;
  }
}

}  // namespace

void RouteTable::Add(const Surface& surface) {
  for (Route& route : surface.Routes()) {
    Resource* resource = nullptr;
    for (Resource& existing : resources_)
      if (existing.surface == &surface && existing.pattern == route.pattern) resource = &existing;
    if (!resource) {
      Resource& r = resources_.emplace_back();
      r.pattern = route.pattern;
      r.auth = route.auth;
      r.slash = route.slash;
      r.path_case = route.path_case;
      r.surface = &surface;
      std::string_view text = route.pattern;
      if (text.empty() || text.front() != '/') r.problems.push_back(route.pattern + ": a pattern starts with '/'");
      if (text.size() >= 3 && text.substr(text.size() - 3) == "/**") {
        r.rest = true;
        text.remove_suffix(3);
      }
      if (!text.empty()) text.remove_prefix(1);
      // "/" alone is one empty segment: it matches the path "/" only.
      if (!r.rest || !text.empty()) {
        size_t start = 0;
        while (true) {
          size_t slash = text.find('/', start);
          std::string_view segment = text.substr(start, slash == std::string_view::npos ? text.npos : slash - start);
          if (segment.find_first_of("{}*") != std::string_view::npos && !IsParam(segment))
            r.problems.push_back(route.pattern + ": '" + std::string(segment) + "' is neither literal nor {name}");
          r.segments.emplace_back(segment);
          if (slash == std::string_view::npos) break;
          start = slash + 1;
        }
      }
      resource = &r;
    }
    if (route.auth != resource->auth || route.slash != resource->slash || route.path_case != resource->path_case)
      resource->problems.push_back(route.method + " " + route.pattern +
                                   ": its auth, slash or path case differs from the other methods of the path");
    for (const Route& other : resource->routes)
      if (other.method == route.method)
        resource->problems.push_back(route.method + " " + route.pattern + ": declared twice");
    if (route.takes_body && route.auth != Auth::kPublic)
      resource->problems.push_back(route.method + " " + route.pattern +
                                   ": takes_body is for public routes (token routes always read theirs)");
    if (!route.handler) resource->problems.push_back(route.method + " " + route.pattern + ": no handler");
    if (route.method != "*") resource->allow += (resource->allow.empty() ? "" : ", ") + route.method;
    resource->routes.push_back(std::move(route));
  }
}

std::vector<std::string> RouteTable::Problems() const {
  std::vector<std::string> all;
  for (const Resource& r : resources_) all.insert(all.end(), r.problems.begin(), r.problems.end());
  return all;
}

std::vector<std::string> RouteTable::Describe() const {
  std::vector<std::string> lines;
  for (const Resource& r : resources_)
    for (const Route& route : r.routes) lines.push_back(route.method + " " + r.pattern);
  return lines;
}

RouteTable::Match RouteTable::Find(const ApiRequest& request) const {
  Match match;
  for (const Resource& r : resources_) {
    if (!Matches(r, request.path, &match.params)) continue;
    match.resource = &r;
    for (const Route& route : r.routes)
      if (route.method == request.method || route.method == "*") {
        match.route = &route;
        break;
      }
    return match;
  }
  match.params.clear();
  return match;
}

std::optional<ApiResponse> RouteTable::RefuseBody(const ApiRequest& head) const {
  Match match = Find(head);
  if (!match.resource) return ErrorResponse(UnknownPath(head.path));
  const Resource& r = *match.resource;
  std::optional<ApiResponse> answer;
  if (r.auth != Auth::kPublic) {
    auto caller = AuthenticateBearer(verifier_, head.authorization, Timestamp::Now());
    if (caller.ok()) return std::nullopt;  // a verified caller's body is read (and the method checked after)
    answer = ErrorResponse(caller.status());
  } else if (!match.route) {
    answer = MethodNotAllowedResponse(head.method, r.allow);
  } else if (match.route->takes_body) {
    return std::nullopt;
  } else if (!match.route->blocks) {
    // A route answering from memory says what it would (a missing file is still 404); only a success becomes 400.
    answer = Guarded([&] { return match.route->handler(RouteCall{head, nullptr, Timestamp::Now(), match.params}); });
    if (answer->status < 400) answer = ErrorResponse(InvalidRequestContent("this route takes no body."));
  } else {
    answer = ErrorResponse(InvalidRequestContent("this route takes no body."));
  }
  r.surface->Finish(*answer);
  return answer;
}

ApiResponse RouteTable::Answer(const Match& match, const ApiRequest& request) const {
  if (!match.resource) return ErrorResponse(UnknownPath(request.path));
  const Resource& r = *match.resource;
  Timestamp now = Timestamp::Now();
  ApiResponse response;
  if (r.auth == Auth::kPublic) {
    response = match.route ? Guarded([&] { return match.route->handler(RouteCall{request, nullptr, now, match.params}); })
                           : MethodNotAllowedResponse(request.method, r.allow);
  } else {
    // As link-api.md orders the checks: the token, then the route and method, then (where asked) the principal.
    auto caller = AuthenticateBearer(verifier_, request.authorization, now);
    if (!caller.ok()) {
      response = ErrorResponse(caller.status());
    } else {
      response = Guarded([&] {
        if (!match.route) return MethodNotAllowedResponse(request.method, r.allow);
        if (r.auth == Auth::kPrincipal)
          if (Status s = CheckEnabledPrincipal(store_, *caller, now); !s.ok()) return ErrorResponse(s);
        return match.route->handler(RouteCall{request, &*caller, now, match.params});
      });
      response.caller = caller->tenant_id + "/" + caller->object_id;
    }
  }
  r.surface->Finish(response);
  return response;
}

}  // namespace openpal::api
