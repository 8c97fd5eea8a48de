// runtime/src/field_selector.cc
#include "bubble/runtime/field_selector.h"

namespace bubble::runtime {

namespace {

bool IsEscapable(char c) {
  return c == ',' || c == '=' || c == '!' || c == '\\';
}

// Splits on unescaped ',' (escapes kept for the term parser).
std::vector<std::string_view> SplitTerms(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == ',') {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(text.substr(start));
  return out;
}

Result<std::string> Unescape(std::string_view selector, std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      if (i + 1 >= s.size() || !IsEscapable(s[i + 1])) {
        return Err(NewBadRequest(fmt::format(
            "invalid field selector \"{}\": invalid escape sequence in \"{}\" (only \\, \\= \\! "
            "and \\\\ are allowed)",
            selector, s)));
      }
      ++i;
    } else if (s[i] == '=' || s[i] == '!') {
      return Err(NewBadRequest(fmt::format(
          "invalid field selector \"{}\": unescaped '{}' in value \"{}\"", selector, s[i], s)));
    }
    out += s[i];
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector out;
  if (text.find_first_not_of(" \t") == std::string_view::npos) {
    return out;
  }
  for (const std::string_view term : SplitTerms(text)) {
    // The first unescaped operator: "!=", "==" or "=".
    std::size_t op_pos = std::string_view::npos;
    std::size_t op_len = 0;
    bool negate = false;
    for (std::size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term[i] == '!' && i + 1 < term.size() && term[i + 1] == '=') {
        op_pos = i;
        op_len = 2;
        negate = true;
        break;
      }
      if (term[i] == '=') {
        op_pos = i;
        op_len = i + 1 < term.size() && term[i + 1] == '=' ? 2 : 1;
        break;
      }
    }
    std::string_view field = op_pos == std::string_view::npos ? term : term.substr(0, op_pos);
    while (!field.empty() && field.front() == ' ') {
      field.remove_prefix(1);
    }
    while (!field.empty() && field.back() == ' ') {
      field.remove_suffix(1);
    }
    if (op_pos == std::string_view::npos || field.empty()) {
      return Err(
          NewBadRequest(fmt::format("invalid selector: '{}'; can't understand '{}'", text, term)));
    }
    Result<std::string> value = Unescape(text, term.substr(op_pos + op_len));
    if (!value) {
      return Err(value.error());
    }
    out.requirements_.push_back({std::string(field), negate, std::move(*value)});
  }
  return out;
}

Result<bool> FieldSelector::Matches(const Object& obj) const {
  for (const FieldRequirement& r : requirements_) {
    const std::optional<std::string> have = obj.FieldValue(r.field);
    if (!have.has_value()) {
      return Err(NewBadRequest(fmt::format("field label not supported: {}", r.field)));
    }
    if ((*have == r.value) == r.negate) {
      return false;
    }
  }
  return true;
}

Result<void> FieldSelector::Validate(const Object& sample) const {
  for (const FieldRequirement& r : requirements_) {
    if (!sample.FieldValue(r.field).has_value()) {
      return Err(NewBadRequest(fmt::format("field label not supported: {}", r.field)));
    }
  }
  return {};
}

std::string FieldSelector::String() const {
  std::string out;
  for (std::size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += requirements_[i].field;
    out += requirements_[i].negate ? "!=" : "=";
    for (const char c : requirements_[i].value) {
      if (IsEscapable(c)) {
        out += '\\';
      }
      out += c;
    }
  }
  return out;
}

}  // namespace bubble::runtime
