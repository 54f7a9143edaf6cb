#include "pipeline/pipeline_template.hpp"

namespace agentcast::pipeline {
namespace {

std::string strip_comments(std::string_view text) {
  std::string joined;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    if (!joined.empty()) joined += ' ';
    joined.append(line.substr(first, last - first + 1));
  }
  return joined;
}

}  // namespace

std::string fill_template(std::string_view text, const TemplateValues& values, std::string_view origin) {
  const std::string joined = strip_comments(text);
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto open = joined.find("${", pos);
    if (open == std::string::npos) break;
    const auto close = joined.find('}', open + 2);
    if (close == std::string::npos) throw TemplateError(std::string(origin) + ": unterminated \"${\"");
    const std::string_view name = std::string_view(joined).substr(open + 2, close - open - 2);
    const auto value = values.find(name);
    if (value == values.end())
      throw TemplateError(std::string(origin) + ": unknown placeholder ${" + std::string(name) + "}");
    out.append(joined, pos, open - pos);
    out += value->second;
    pos = close + 1;
  }
  out.append(joined, pos);
  return out;
}

}  // namespace agentcast::pipeline
