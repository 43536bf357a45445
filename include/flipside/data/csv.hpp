// Delimiter-separated records (RFC 4180 CSV, and TSV as CSV with a tab and no quoting).
//
// A field may be quoted ("…"); inside quotes the delimiter and line breaks are content and a
// doubled quote ("") is one quote. A quote inside an unquoted field is kept as a character (as
// Python's csv does). Errors — text after a closing quote, a quote never closed — are reported with
// the line the record started on, and the parser resumes at the next line so a lenient load can
// skip the record.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flipside {

struct csv_dialect {
  char delimiter = ',';
  char quote = '"';  // '\0': no quoting (TSV)

  static csv_dialect csv() { return {',', '"'}; }
  static csv_dialect tsv() { return {'\t', '\0'}; }
};

struct csv_record {
  std::vector<std::string> fields;
  std::size_t line = 0;  // 1-based line where the record starts
  std::string error;     // non-empty: the record is malformed (fields are then incomplete)
  bool blank = false;    // an empty line (no fields)
};

// Reads records from UTF-8 text whose line ends are "\n" (see read_text_file).
class csv_parser {
 public:
  csv_parser(std::string_view text, csv_dialect dialect) : text_(text), d_(dialect) {}

  // Parses the next record into `rec`; false at the end of the text.
  bool next(csv_record& rec) {
    rec.fields.clear();
    rec.error.clear();
    rec.blank = false;
    if (pos_ >= text_.size()) return false;
    rec.line = line_;
    if (text_[pos_] == '\n') {  // an empty line
      rec.blank = true;
      ++pos_;
      ++line_;
      return true;
    }
    std::string field;
    while (true) {
      if (d_.quote != '\0' && pos_ < text_.size() && text_[pos_] == d_.quote) {
        if (!quoted_field(field, rec)) return true;
      } else {
        while (pos_ < text_.size() && text_[pos_] != d_.delimiter && text_[pos_] != '\n') {
          field.push_back(text_[pos_++]);
        }
      }
      rec.fields.push_back(std::move(field));
      field.clear();
      if (pos_ >= text_.size()) return true;
      if (text_[pos_] == '\n') {
        ++pos_;
        ++line_;
        return true;
      }
      ++pos_;  // the delimiter
    }
  }

  std::size_t line() const noexcept { return line_; }

 private:
  // Parses a quoted field starting at the opening quote; on error fills rec.error, skips to the
  // next line and returns false.
  bool quoted_field(std::string& field, csv_record& rec) {
    const std::size_t start_line = line_;
    ++pos_;
    while (true) {
      if (pos_ >= text_.size()) {
        rec.error =
            "quoted field opened on line " + std::to_string(start_line) + " is never closed";
        return false;
      }
      const char c = text_[pos_];
      if (c == d_.quote) {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == d_.quote) {
          field.push_back(c);
          pos_ += 2;
          continue;
        }
        ++pos_;  // closing quote
        if (pos_ < text_.size() && text_[pos_] != d_.delimiter && text_[pos_] != '\n') {
          rec.error = "unexpected text after a closing quote";
          skip_to_next_line();
          return false;
        }
        return true;
      }
      if (c == '\n') ++line_;
      field.push_back(c);
      ++pos_;
    }
  }

  void skip_to_next_line() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) {
      ++pos_;
      ++line_;
    }
  }

  std::string_view text_;
  csv_dialect d_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

}  // namespace flipside
