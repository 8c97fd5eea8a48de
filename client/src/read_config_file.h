// client/src/read_config_file.h (private): reading the small files a configuration names.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bubble::client::detail {

// The file's contents, or nullopt with `error` set to the reason (e.g. "No such file or
// directory") when it cannot be read. Callers word the ConfigError: only they know which entry
// named the file.
std::optional<std::string> ReadConfigFile(const std::filesystem::path& path, std::string& error);

// `text` without leading and trailing white space (tokens and namespaces end in a newline).
std::string TrimSpace(std::string_view text);

}  // namespace bubble::client::detail
