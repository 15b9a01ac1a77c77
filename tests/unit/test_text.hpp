// Text helpers shared by the unit and CLI tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

inline bool contains(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

// The whole file, bytes as they are ("" when it cannot be read).
inline std::string file_text(const std::filesystem::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
