// runtime/src/label_selector.cc
#include "bubble/runtime/label_selector.h"

#include <algorithm>
#include <charconv>

namespace bubble::runtime {

namespace {

enum class Tok : std::uint8_t {
  kEnd,
  kIdentifier,
  kNot,
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kGreaterThan,
  kLessThan,
  kOpen,
  kClose,
  kComma,
  kIn,
  kNotIn,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;
  std::size_t pos = 0;
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsSpecial(char c) {
  return c == '!' || c == '=' || c == ',' || c == '(' || c == ')' || c == '<' || c == '>';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Token Next() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) {
      ++pos_;
    }
    const std::size_t start = pos_;
    if (pos_ >= text_.size()) {
      return {Tok::kEnd, {}, start};
    }
    const char c = text_[pos_];
    auto two = [&](char second) { return pos_ + 1 < text_.size() && text_[pos_ + 1] == second; };
    switch (c) {
      case '!':
        if (two('=')) {
          pos_ += 2;
          return {Tok::kNotEquals, text_.substr(start, 2), start};
        }
        ++pos_;
        return {Tok::kNot, text_.substr(start, 1), start};
      case '=':
        if (two('=')) {
          pos_ += 2;
          return {Tok::kDoubleEquals, text_.substr(start, 2), start};
        }
        ++pos_;
        return {Tok::kEquals, text_.substr(start, 1), start};
      case '>':
        ++pos_;
        return {Tok::kGreaterThan, text_.substr(start, 1), start};
      case '<':
        ++pos_;
        return {Tok::kLessThan, text_.substr(start, 1), start};
      case '(':
        ++pos_;
        return {Tok::kOpen, text_.substr(start, 1), start};
      case ')':
        ++pos_;
        return {Tok::kClose, text_.substr(start, 1), start};
      case ',':
        ++pos_;
        return {Tok::kComma, text_.substr(start, 1), start};
      default:
        break;
    }
    while (pos_ < text_.size() && !IsSpace(text_[pos_]) && !IsSpecial(text_[pos_])) {
      ++pos_;
    }
    const std::string_view word = text_.substr(start, pos_ - start);
    if (word == "in") {
      return {Tok::kIn, word, start};
    }
    if (word == "notin") {
      return {Tok::kNotIn, word, start};
    }
    return {Tok::kIdentifier, word, start};
  }

  Token Peek() {
    const std::size_t saved = pos_;
    Token t = Next();
    pos_ = saved;
    return t;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string Describe(const Token& t) {
  if (t.kind == Tok::kEnd) {
    return "end of input";
  }
  return fmt::format("'{}'", t.text);
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A name: 1..63 characters of [A-Za-z0-9._-], beginning and ending alphanumeric.
bool IsQualifiedNamePart(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) {
    return false;
  }
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A DNS subdomain: at most 253 characters, dot-separated labels of [a-z0-9-], alphanumeric at
// both ends.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) {
      dot = s.size();
    }
    const std::string_view label = s.substr(start, dot - start);
    auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (label.empty() || label.size() > 63 || !lower_alnum(label.front()) ||
        !lower_alnum(label.back()) || !std::all_of(label.begin(), label.end(), [&](char c) {
          return lower_alnum(c) || c == '-';
        })) {
      return false;
    }
    start = dot + 1;
  }
  return true;
}

std::optional<std::int64_t> ParseInt(std::string_view s) {
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || s.empty()) {
    return std::nullopt;
  }
  return v;
}

std::string_view OpName(SelectorOperator op) {
  switch (op) {
    case SelectorOperator::kEquals:
      return "=";
    case SelectorOperator::kNotEquals:
      return "!=";
    case SelectorOperator::kIn:
      return "in";
    case SelectorOperator::kNotIn:
      return "notin";
    case SelectorOperator::kExists:
      return "exists";
    case SelectorOperator::kDoesNotExist:
      return "!";
    case SelectorOperator::kGreaterThan:
      return ">";
    case SelectorOperator::kLessThan:
      return "<";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  Result<LabelSelector> Run(std::vector<Requirement>& out) {
    Token t = lexer_.Peek();
    if (t.kind == Tok::kEnd) {
      return LabelSelector{};
    }
    for (;;) {
      Result<Requirement> r = ParseRequirement();
      if (!r) {
        return Err(r.error());
      }
      out.push_back(std::move(*r));
      const Token sep = lexer_.Next();
      if (sep.kind == Tok::kEnd) {
        return LabelSelector{};
      }
      if (sep.kind != Tok::kComma) {
        return Err(Fail(sep, "expected ',' or end of input"));
      }
    }
  }

 private:
  Status Fail(const Token& at, std::string_view expected) const {
    return NewBadRequest(
        fmt::format("unable to parse label selector \"{}\": at position {}: "
                    "found {}, {}",
                    text_, at.pos, Describe(at), expected));
  }

  Status Invalid(const Token& at, std::string_view why) const {
    return NewBadRequest(fmt::format("unable to parse label selector \"{}\": at position {}: {}",
                                     text_, at.pos, why));
  }

  Result<std::string> Key(const Token& t) const {
    if (auto ok = ValidateLabelKey(t.text); !ok) {
      return Err(Invalid(t, ok.error().message));
    }
    return std::string(t.text);
  }

  Result<std::string> Value(const Token& t) const {
    if (auto ok = ValidateLabelValue(t.text); !ok) {
      return Err(Invalid(t, ok.error().message));
    }
    return std::string(t.text);
  }

  static bool IsWord(const Token& t) {
    return t.kind == Tok::kIdentifier || t.kind == Tok::kIn || t.kind == Tok::kNotIn;
  }

  Result<Requirement> ParseRequirement() {
    Token t = lexer_.Next();
    Requirement req;
    if (t.kind == Tok::kNot) {
      const Token k = lexer_.Next();
      if (!IsWord(k)) {
        return Err(Fail(k, "expected a label key after '!'"));
      }
      auto key = Key(k);
      if (!key) {
        return Err(key.error());
      }
      req.key = std::move(*key);
      req.op = SelectorOperator::kDoesNotExist;
      return req;
    }
    if (t.kind != Tok::kIdentifier) {
      return Err(Fail(t, "expected a label key or '!'"));
    }
    auto key = Key(t);
    if (!key) {
      return Err(key.error());
    }
    req.key = std::move(*key);
    const Token op = lexer_.Peek();
    switch (op.kind) {
      case Tok::kEnd:
      case Tok::kComma:
        req.op = SelectorOperator::kExists;
        return req;
      case Tok::kEquals:
      case Tok::kDoubleEquals:
      case Tok::kNotEquals: {
        lexer_.Next();
        req.op =
            op.kind == Tok::kNotEquals ? SelectorOperator::kNotEquals : SelectorOperator::kEquals;
        const Token v = lexer_.Peek();
        if (v.kind == Tok::kEnd || v.kind == Tok::kComma) {
          req.values.emplace_back();  // "key=" selects the empty value
          return req;
        }
        if (!IsWord(v)) {
          return Err(Fail(v, "expected a label value"));
        }
        lexer_.Next();
        auto value = Value(v);
        if (!value) {
          return Err(value.error());
        }
        req.values.push_back(std::move(*value));
        return req;
      }
      case Tok::kGreaterThan:
      case Tok::kLessThan: {
        lexer_.Next();
        req.op = op.kind == Tok::kGreaterThan ? SelectorOperator::kGreaterThan
                                              : SelectorOperator::kLessThan;
        const Token v = lexer_.Next();
        if (v.kind != Tok::kIdentifier || !ParseInt(v.text)) {
          return Err(Fail(v, fmt::format("expected an integer after '{}'", op.text)));
        }
        req.values.emplace_back(v.text);
        return req;
      }
      case Tok::kIn:
      case Tok::kNotIn: {
        lexer_.Next();
        req.op = op.kind == Tok::kIn ? SelectorOperator::kIn : SelectorOperator::kNotIn;
        const Token open = lexer_.Next();
        if (open.kind != Tok::kOpen) {
          return Err(Fail(open, fmt::format("expected '(' after '{}'", op.text)));
        }
        if (const Token first = lexer_.Peek(); first.kind == Tok::kClose) {
          return Err(Invalid(first, fmt::format("the value set of '{}' can't be empty", op.text)));
        }
        // Items separated by ',' up to ')'; an item may be empty ("(a,)" holds "a" and "").
        for (;;) {
          Token v = lexer_.Next();
          if (IsWord(v)) {
            auto value = Value(v);
            if (!value) {
              return Err(value.error());
            }
            req.values.push_back(std::move(*value));
            v = lexer_.Next();
          } else if (v.kind == Tok::kComma || v.kind == Tok::kClose) {
            req.values.emplace_back();
          } else {
            return Err(Fail(v, "expected a label value, ',' or ')'"));
          }
          if (v.kind == Tok::kClose) {
            break;
          }
          if (v.kind != Tok::kComma) {
            return Err(Fail(v, "expected ',' or ')'"));
          }
        }
        std::sort(req.values.begin(), req.values.end());
        req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
        return req;
      }
      default:
        return Err(Fail(op,
                        "expected one of '=', '==', '!=', 'in', 'notin', '>', '<', ',' or "
                        "end of input"));
    }
  }

  std::string_view text_;
  Lexer lexer_;
};

}  // namespace

Result<void> ValidateLabelKey(std::string_view key) {
  std::string_view name = key;
  const auto slash = key.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!IsDnsSubdomain(prefix)) {
      return Err(NewBadRequest(
          fmt::format("invalid label key \"{}\": the prefix must be a DNS subdomain (lower-case "
                      "alphanumerics, '-' and '.')",
                      key)));
    }
  }
  if (!IsQualifiedNamePart(name)) {
    return Err(NewBadRequest(fmt::format(
        "invalid label key \"{}\": a name must be 1-63 characters of alphanumerics, '-', '_' "
        "or '.', beginning and ending with an alphanumeric",
        key)));
  }
  return {};
}

Result<void> ValidateLabelValue(std::string_view value) {
  if (!value.empty() && !IsQualifiedNamePart(value)) {
    return Err(NewBadRequest(fmt::format(
        "invalid label value \"{}\": must be empty or 1-63 characters of alphanumerics, '-', "
        "'_' or '.', beginning and ending with an alphanumeric",
        value)));
  }
  return {};
}

bool Requirement::Matches(const Labels& labels) const {
  const auto it = labels.find(key);
  const bool has = it != labels.end();
  auto in_values = [&] {
    return has && std::binary_search(values.begin(), values.end(), it->second);
  };
  switch (op) {
    case SelectorOperator::kEquals:
    case SelectorOperator::kIn:
      return in_values();
    case SelectorOperator::kNotEquals:
    case SelectorOperator::kNotIn:
      return !in_values();
    case SelectorOperator::kExists:
      return has;
    case SelectorOperator::kDoesNotExist:
      return !has;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan: {
      if (!has || values.size() != 1) {
        return false;
      }
      const auto have = ParseInt(it->second);
      const auto want = ParseInt(values.front());
      if (!have || !want) {
        return false;
      }
      return op == SelectorOperator::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string Requirement::String() const {
  switch (op) {
    case SelectorOperator::kExists:
      return key;
    case SelectorOperator::kDoesNotExist:
      return "!" + key;
    case SelectorOperator::kIn:
    case SelectorOperator::kNotIn:
      return fmt::format("{} {} ({})", key, OpName(op), fmt::join(values, ","));
    default:
      return fmt::format("{}{}{}", key, OpName(op), values.empty() ? "" : values.front());
  }
}

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  std::vector<Requirement> reqs;
  Parser parser(text);
  if (auto ok = parser.Run(reqs); !ok) {
    return Err(ok.error());
  }
  std::stable_sort(reqs.begin(), reqs.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  LabelSelector out;
  out.requirements_ = std::move(reqs);
  return out;
}

LabelSelector LabelSelector::FromSet(const Labels& set) {
  LabelSelector out;
  for (const auto& [k, v] : set) {
    out.requirements_.push_back({k, SelectorOperator::kEquals, {v}});
  }
  return out;
}

bool LabelSelector::Matches(const Labels& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const Requirement& r) { return r.Matches(labels); });
}

std::string LabelSelector::String() const {
  std::string out;
  for (std::size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    out += requirements_[i].String();
  }
  return out;
}

}  // namespace bubble::runtime
