// apiserver/src/media_types.h
//
// Content negotiation as bubble's REST server does it (docs/semantics.md §1.16): it answers JSON
// only, as a plain object or as a metav1.Table when the Accept header asks for one the way
// `kubectl get` does:
//   Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;
//           g=meta.k8s.io,application/json
// Entries are taken in the order sent (kube-apiserver ignores q-values too). Protobuf and YAML
// entries are skipped; a header with no entry bubble can answer is a 406.
#pragma once

#include <string>
#include <string_view>

namespace bubble::apiserver::detail {

struct Negotiated {
  bool acceptable = true;
  // The Table's API version ("meta.k8s.io/v1" or "meta.k8s.io/v1beta1"); empty: a plain object.
  std::string table_api_version{};
};

Negotiated NegotiateAccept(std::string_view accept);

// The media type of a Content-Type header without parameters, lower-cased
// ("application/merge-patch+json").
std::string MediaTypeOf(std::string_view content_type);

}  // namespace bubble::apiserver::detail
