// fake/include/bubble/fake/server_state.h
//
// The normalised state of fake API servers, for the convergence check (`bubble sweep
// --check-convergence`, docs/concepts.md "Liveness and convergence"): every stored object,
// without what the server assigns and a schedule may change, so that two runs that reached the
// same fixed point have equal states whatever the interleaving.
//
// Normalisation of each object (its JSON, keys sorted):
//  - removed from metadata: resourceVersion, uid, creationTimestamp, generation (it counts spec
//    writes, which a schedule may merge or split), and each ownerReference's uid;
//  - metadata.deletionTimestamp, when set, becomes "(set)": being deleted is state, when is not;
//  - generateName: an object whose name is its metadata.generateName plus a suffix the server
//    drew gets the name GENERATENAME + "<k>", k = 1, 2, ... in the order of the objects' other
//    content (within one resource, namespace and generateName), so the draws do not matter.
//    References to such names from other objects are left as they are.
//  - everything else (spec, status, labels, annotations, finalizers) is compared as stored;
//    a scenario that writes times into status is schedule-dependent by design and not
//    convergent.
//
//   fake::ServerState s = fake::NormalizedState(*cs);       // after the run
//   std::uint64_t h = fake::StateHash(s);
//   std::string d = fake::DiffStates(a, b, "seed 1", "seed 7");
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <bubble/fake/clientset.h>

namespace bubble::fake {

// Object key ("v1/configmaps default/a"; with several servers "server 2: ...") to its normalised
// JSON, pretty-printed one field per line.
struct ServerState {
  std::map<std::string, std::string> objects;

  friend bool operator==(const ServerState&, const ServerState&) = default;
};

ServerState NormalizedState(const Tracker& tracker);
// Several servers: keys prefixed "server K: " (K from 1) when there is more than one.
ServerState NormalizedState(std::span<const std::shared_ptr<Clientset>> clientsets);

// FNV-1a over keys and texts (the same on every platform).
std::uint64_t StateHash(const ServerState& state);

// A unified-diff-like text: "--- a_label" / "+++ b_label", then per differing object a "@@ key"
// line and its lines ('-' only in a, '+' only in b, ' ' a little context). At most `max_lines`
// lines of body, then a note of how many were cut. Empty when the states are equal.
std::string DiffStates(const ServerState& a, const ServerState& b, std::string_view a_label,
                       std::string_view b_label, std::size_t max_lines = 80);

}  // namespace bubble::fake
