// fake/src/server_state.cc
#include "bubble/fake/server_state.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bubble::fake {

namespace {

nlohmann::json Normalize(const runtime::Object& obj) {
  nlohmann::json j = obj.ToJson();
  if (auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
    for (const char* noise : {"resourceVersion", "uid", "creationTimestamp", "generation"}) {
      meta->erase(noise);
    }
    if (meta->contains("deletionTimestamp")) {
      (*meta)["deletionTimestamp"] = "(set)";
    }
    if (auto refs = meta->find("ownerReferences"); refs != meta->end() && refs->is_array()) {
      for (nlohmann::json& ref : *refs) {
        if (ref.is_object()) {
          ref.erase("uid");
        }
      }
    }
  }
  return j;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      if (start < text.size()) {
        out.push_back(text.substr(start));
      }
      break;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

ServerState NormalizedState(const Tracker& tracker) {
  ServerState state;
  for (const runtime::GroupVersionResource& gvr : tracker.Resources()) {
    const runtime::Result<runtime::ObjectList> list = tracker.List(gvr, "");
    if (!list) {
      continue;
    }
    // Objects named by generateName, by (namespace, generateName): their content sorts them.
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> generated;
    for (const runtime::ObjectPtr& obj : list->items) {
      const runtime::ObjectMeta& m = obj->metadata;
      nlohmann::json j = Normalize(*obj);
      const bool drawn = !m.generate_name.empty() && m.name.size() > m.generate_name.size() &&
                         m.name.compare(0, m.generate_name.size(), m.generate_name) == 0;
      if (drawn) {
        j["metadata"].erase("name");
        generated[{m.namespace_, m.generate_name}].push_back(j.dump(2));
        continue;
      }
      state.objects.emplace(fmt::format("{} {}", gvr.String(), m.Key()), j.dump(2));
    }
    for (auto& [where, texts] : generated) {
      std::sort(texts.begin(), texts.end());
      for (std::size_t k = 0; k < texts.size(); ++k) {
        nlohmann::json j = nlohmann::json::parse(texts[k]);
        const std::string name = fmt::format("{}<{}>", where.second, k + 1);
        j["metadata"]["name"] = name;
        const std::string key =
            where.first.empty() ? name : fmt::format("{}/{}", where.first, name);
        state.objects.emplace(fmt::format("{} {}", gvr.String(), key), j.dump(2));
      }
    }
  }
  return state;
}

ServerState NormalizedState(std::span<const std::shared_ptr<Clientset>> clientsets) {
  if (clientsets.size() == 1) {
    return NormalizedState(clientsets[0]->GetTracker());
  }
  ServerState all;
  for (std::size_t k = 0; k < clientsets.size(); ++k) {
    for (auto& [key, text] : NormalizedState(clientsets[k]->GetTracker()).objects) {
      all.objects.emplace(fmt::format("server {}: {}", k + 1, key), std::move(text));
    }
  }
  return all;
}

std::uint64_t StateHash(const ServerState& state) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;  // a separator no text contains as a whole
    h *= 0x100000001b3ULL;
  };
  for (const auto& [key, text] : state.objects) {
    mix(key);
    mix(text);
  }
  return h;
}

std::string DiffStates(const ServerState& a, const ServerState& b, std::string_view a_label,
                       std::string_view b_label, std::size_t max_lines) {
  if (a == b) {
    return {};
  }
  std::vector<std::string> body;
  auto whole = [&body](char sign, const std::string& key, const std::string& text) {
    body.push_back(fmt::format("@@ {} (only in {})", key, sign == '-' ? "---" : "+++"));
    for (const std::string& line : Lines(text)) {
      body.push_back(sign + line);
    }
  };
  constexpr std::size_t kContext = 2;
  auto ia = a.objects.begin();
  auto ib = b.objects.begin();
  while (ia != a.objects.end() || ib != b.objects.end()) {
    if (ib == b.objects.end() || (ia != a.objects.end() && ia->first < ib->first)) {
      whole('-', ia->first, ia->second);
      ++ia;
      continue;
    }
    if (ia == a.objects.end() || ib->first < ia->first) {
      whole('+', ib->first, ib->second);
      ++ib;
      continue;
    }
    if (ia->second != ib->second) {
      const std::vector<std::string> la = Lines(ia->second);
      const std::vector<std::string> lb = Lines(ib->second);
      std::size_t pre = 0;
      while (pre < la.size() && pre < lb.size() && la[pre] == lb[pre]) {
        ++pre;
      }
      std::size_t suf = 0;
      while (suf < la.size() - pre && suf < lb.size() - pre &&
             la[la.size() - 1 - suf] == lb[lb.size() - 1 - suf]) {
        ++suf;
      }
      body.push_back(fmt::format("@@ {}", ia->first));
      for (std::size_t i = pre > kContext ? pre - kContext : 0; i < pre; ++i) {
        body.push_back(" " + la[i]);
      }
      for (std::size_t i = pre; i < la.size() - suf; ++i) {
        body.push_back("-" + la[i]);
      }
      for (std::size_t i = pre; i < lb.size() - suf; ++i) {
        body.push_back("+" + lb[i]);
      }
      for (std::size_t i = la.size() - suf; i < la.size() && i < la.size() - suf + kContext; ++i) {
        body.push_back(" " + la[i]);
      }
    }
    ++ia;
    ++ib;
  }
  std::string out = fmt::format("--- {}\n+++ {}\n", a_label, b_label);
  for (std::size_t i = 0; i < body.size() && i < max_lines; ++i) {
    out += body[i] + "\n";
  }
  if (body.size() > max_lines) {
    out += fmt::format("... ({} more lines cut)\n", body.size() - max_lines);
  }
  return out;
}

}  // namespace bubble::fake
