// tools/src/net/seed_objects.h (private): `bubble apiserver --seed-objects FILE`, the objects a
// live server starts with, read from YAML (one or many `---` documents, `kind: List` expanded) or
// JSON, the files `kubectl apply -f` takes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bubble::cli::net_commands {

// Larger seed files are refused before parsing: memory and time stay bounded.
inline constexpr std::uintmax_t kSeedObjectsMaxBytes = 64ull << 20;

// The objects in `path`, in file order, each with apiVersion, kind and metadata.name (or
// metadata.generateName). Throws SeedObjectsError naming the file, the document and the fix.
std::vector<nlohmann::json> ReadSeedObjects(const std::string& path);

// The same from text (`origin` names it in errors).
std::vector<nlohmann::json> ParseSeedObjects(const std::string& text, const std::string& origin);

struct SeedObjectsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace bubble::cli::net_commands
