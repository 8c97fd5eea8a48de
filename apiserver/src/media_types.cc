// apiserver/src/media_types.cc
#include "media_types.h"

#include <map>

#include "json_read.h"

namespace bubble::apiserver::detail {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

struct MediaRange {
  std::string type{};
  std::map<std::string, std::string> params{};
};

MediaRange ParseRange(std::string_view entry) {
  MediaRange range;
  std::size_t at = entry.find(';');
  range.type = LowerAscii(Trim(entry.substr(0, at)));
  while (at != std::string_view::npos) {
    entry.remove_prefix(at + 1);
    at = entry.find(';');
    const std::string_view param = entry.substr(0, at);
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos) {
      range.params[LowerAscii(Trim(param.substr(0, eq)))] = std::string(Trim(param.substr(eq + 1)));
    }
  }
  return range;
}

bool IsJsonRange(std::string_view type) {
  return type == "application/json" || type == "*/*" || type == "application/*";
}

}  // namespace

Negotiated NegotiateAccept(std::string_view accept) {
  if (Trim(accept).empty()) {
    return {};
  }
  std::string_view rest = accept;
  while (true) {
    const std::size_t comma = rest.find(',');
    const MediaRange range = ParseRange(rest.substr(0, comma));
    if (IsJsonRange(range.type)) {
      const auto as = range.params.find("as");
      if (as == range.params.end()) {
        return {};
      }
      const auto g = range.params.find("g");
      const auto v = range.params.find("v");
      if (as->second == "Table" && g != range.params.end() && g->second == "meta.k8s.io" &&
          v != range.params.end() && (v->second == "v1" || v->second == "v1beta1")) {
        return {.acceptable = true, .table_api_version = "meta.k8s.io/" + v->second};
      }
      // Any other transformation (PartialObjectMetadata...) is not served: try the next entry.
    }
    if (comma == std::string_view::npos) {
      return {.acceptable = false, .table_api_version = {}};
    }
    rest.remove_prefix(comma + 1);
  }
}

std::string MediaTypeOf(std::string_view content_type) {
  return LowerAscii(Trim(content_type.substr(0, content_type.find(';'))));
}

}  // namespace bubble::apiserver::detail
