// Errors flipside reports. Every message names what was wrong and where (file, field, line), so a
// user can fix the input without a debugger; bad input never leads to undefined behaviour.
#pragma once

#include <stdexcept>
#include <string>

namespace flipside {

// Base of everything flipside throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file (model, tokenizer, dataset) whose content is malformed, truncated or hostile.
// what() reads "<file>: <field>: <problem>".
class format_error : public error {
 public:
  format_error(const std::string& file, const std::string& field, const std::string& problem)
      : error(file + ": " + field + ": " + problem), file_(file), field_(field) {}
  const std::string& file() const noexcept { return file_; }
  const std::string& field() const noexcept { return field_; }

 private:
  std::string file_;
  std::string field_;
};

// Valid input that this build does not support (architecture, dtype, tokenizer variant…).
class unsupported_error : public error {
 public:
  using error::error;
};

// A caller passed arguments that violate a documented precondition (shapes, k > data, …).
class argument_error : public error {
 public:
  using error::error;
};

}  // namespace flipside
