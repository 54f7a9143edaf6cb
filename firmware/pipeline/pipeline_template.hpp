#pragma once
// Pipeline fragments are gst-launch text with "#" comment lines and ${name} placeholders.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentcast::pipeline {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using TemplateValues = std::map<std::string, std::string, std::less<>>;

// Drops comment lines, joins the rest into one line and substitutes every ${name}.
// An unknown placeholder or an unterminated "${" is an error naming `origin`.
std::string fill_template(std::string_view text, const TemplateValues& values, std::string_view origin);

}  // namespace agentcast::pipeline
