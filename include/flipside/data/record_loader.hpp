// The generic loader: JSONL, CSV or TSV files with a field mapping (which fields hold the input
// text, which holds the label, how label values map to classes). The built-in datasets that are
// JSONL or CSV use it too (see builtin_datasets.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include <flipside/core/error.hpp>
#include <flipside/data/csv.hpp>
#include <flipside/data/example.hpp>
#include <flipside/data/label_mapper.hpp>
#include <flipside/data/load_options.hpp>
#include <flipside/data/text_file.hpp>

namespace flipside {

enum class record_format { jsonl, csv, tsv };

struct field_mapping {
  record_format format = record_format::jsonl;
  // JSON keys; CSV/TSV column names when `header`, else 0-based column numbers ("0", "1").
  std::vector<std::string> text_fields;
  std::string label_field;
  // The file's spelling of each class, in class order. Empty: the class ids "0", "1", ….
  std::vector<std::string> label_values;
  std::vector<std::string> ignored_values;  // labels outside the task: counted as filtered
  std::optional<double> threshold;  // numeric label: ≥ threshold → class 1, else class 0
  bool header = true;               // CSV/TSV: the first record names the columns
  std::optional<char> delimiter;    // default ',' (CSV), '\t' (TSV)
  text_encoding encoding = text_encoding::utf8;
};

namespace detail {

inline label_mapper make_label_mapper(const field_mapping& m, std::size_t n_classes) {
  if (m.threshold) return label_mapper::threshold(*m.threshold);
  std::vector<std::string> values = m.label_values;
  if (values.empty()) {
    for (std::size_t i = 0; i < n_classes; ++i) values.push_back(std::to_string(i));
  }
  if (values.size() != n_classes) {
    throw argument_error("field mapping: " + std::to_string(values.size()) + " label values for " +
                         std::to_string(n_classes) + " classes");
  }
  return label_mapper(std::move(values), m.ignored_values);
}

// Shared tail of every loader: check the text fields and the label, then keep / filter / reject.
inline void accept_record(std::vector<std::string> fields, std::string_view label,
                          const label_mapper& labels, const text_file& f, std::size_t line,
                          const std::vector<std::string>& field_names, load_stats& stats,
                          const load_options& opt, std::vector<example>& out) {
  ++stats.records;
  if (f.line_is_bad(line)) {
    malformed_record(stats, opt, f.path, line, "invalid UTF-8");
    return;
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    fields[i] = std::string(trim(fields[i]));
    if (fields[i].empty()) {
      const std::string name = i < field_names.size() ? field_names[i] : std::to_string(i);
      malformed_record(stats, opt, f.path, line, "empty text field '" + name + "'");
      return;
    }
  }
  int cls = -1;
  switch (labels.map(trim(label), cls)) {
    case label_mapper::outcome::ok:
      out.push_back(example{std::move(fields), cls, line});
      ++stats.kept;
      return;
    case label_mapper::outcome::filtered:
      ++stats.filtered;
      return;
    case label_mapper::outcome::unknown:
      malformed_record(stats, opt, f.path, line,
                       "unknown label '" + std::string(label) + "' (" + labels.expected() + ")");
      return;
  }
}

inline std::vector<example> read_jsonl(const text_file& f, const field_mapping& m,
                                       const label_mapper& labels, load_stats& stats,
                                       const load_options& opt) {
  std::vector<example> out;
  simdjson::dom::parser parser;
  for_each_line(f.text, [&](std::size_t line, std::string_view raw) {
    if (trim(raw).empty()) {
      ++stats.blank;
      return;
    }
    const auto bad = [&](const std::string& what) {
      ++stats.records;
      malformed_record(stats, opt, f.path, line, what);
    };
    simdjson::dom::element doc;
    if (auto err = parser.parse(raw.data(), raw.size()).get(doc)) {
      return bad(std::string("invalid JSON (") + simdjson::error_message(err) + ")");
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return bad("not a JSON object");
    std::vector<std::string> fields;
    for (const auto& key : m.text_fields) {
      std::string_view v;
      simdjson::dom::element el;
      if (obj[key].get(el)) return bad("missing field '" + key + "'");
      if (el.get_string().get(v)) return bad("field '" + key + "' is not a string");
      fields.emplace_back(v);
    }
    simdjson::dom::element lab;
    if (obj[m.label_field].get(lab)) return bad("missing label field '" + m.label_field + "'");
    std::string label;
    switch (lab.type()) {
      case simdjson::dom::element_type::STRING:
        label = std::string(lab.get_string().value_unsafe());
        break;
      case simdjson::dom::element_type::INT64:
        label = std::to_string(lab.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        label = std::to_string(lab.get_uint64().value_unsafe());
        break;
      case simdjson::dom::element_type::BOOL:
        label = lab.get_bool().value_unsafe() ? "true" : "false";
        break;
      case simdjson::dom::element_type::DOUBLE: {
        const double d = lab.get_double().value_unsafe();
        if (m.threshold) {
          label = std::to_string(d);
        } else if (d == static_cast<double>(static_cast<long long>(d))) {
          label = std::to_string(static_cast<long long>(d));
        } else {
          return bad("label field '" + m.label_field + "' is not a class");
        }
        break;
      }
      default:
        return bad("label field '" + m.label_field + "' is not a string or number");
    }
    accept_record(std::move(fields), label, labels, f, line, m.text_fields, stats, opt, out);
  });
  return out;
}

inline std::size_t column_number(const std::string& name, const text_file& f) {
  std::size_t v = 0;
  if (name.empty()) throw argument_error(f.path + ": empty column reference");
  for (const char c : name) {
    if (c < '0' || c > '9') {
      throw argument_error(f.path + ": column '" + name +
                           "' is not a 0-based number (the mapping says the file has no header)");
    }
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

inline std::vector<example> read_delimited(const text_file& f, const field_mapping& m,
                                           const label_mapper& labels, load_stats& stats,
                                           const load_options& opt) {
  csv_dialect d = m.format == record_format::tsv ? csv_dialect::tsv() : csv_dialect::csv();
  if (m.delimiter) d.delimiter = *m.delimiter;
  csv_parser parser(f.text, d);
  csv_record rec;
  std::vector<std::size_t> text_cols;
  std::size_t label_col = 0;
  bool have_columns = false;
  if (!m.header) {
    for (const auto& n : m.text_fields) text_cols.push_back(column_number(n, f));
    label_col = column_number(m.label_field, f);
    have_columns = true;
  }
  std::vector<example> out;
  while (parser.next(rec)) {
    if (rec.blank) {
      ++stats.blank;
      continue;
    }
    if (!have_columns) {  // the header
      if (!rec.error.empty()) throw format_error(f.path, detail::line_field(rec.line), rec.error);
      std::map<std::string, std::size_t> col;
      for (std::size_t i = 0; i < rec.fields.size(); ++i)
        col.emplace(std::string(trim(rec.fields[i])), i);
      const auto find = [&](const std::string& name) {
        auto it = col.find(name);
        if (it == col.end()) throw format_error(f.path, "header", "no column named '" + name + "'");
        return it->second;
      };
      for (const auto& n : m.text_fields) text_cols.push_back(find(n));
      label_col = find(m.label_field);
      have_columns = true;
      continue;
    }
    if (!rec.error.empty()) {
      ++stats.records;
      malformed_record(stats, opt, f.path, rec.line, rec.error);
      continue;
    }
    std::size_t needed = label_col;
    for (auto c : text_cols) needed = std::max(needed, c);
    if (rec.fields.size() <= needed) {
      ++stats.records;
      malformed_record(stats, opt, f.path, rec.line,
                       std::to_string(rec.fields.size()) + " fields, expected at least " +
                           std::to_string(needed + 1));
      continue;
    }
    std::vector<std::string> fields;
    for (auto c : text_cols) fields.push_back(std::move(rec.fields[c]));
    accept_record(std::move(fields), rec.fields[label_col], labels, f, rec.line, m.text_fields,
                  stats, opt, out);
  }
  if (!have_columns && m.header) throw format_error(f.path, "header", "file is empty");
  return out;
}

}  // namespace detail

// Reads one JSONL / CSV / TSV file into examples with labels in [0, n_classes).
inline std::vector<example> read_records(const std::filesystem::path& path,
                                         const field_mapping& mapping, std::size_t n_classes,
                                         load_stats& stats, const load_options& opt = {}) {
  if (mapping.text_fields.empty()) throw argument_error("field mapping: no text fields");
  if (mapping.label_field.empty()) throw argument_error("field mapping: no label field");
  const auto labels = detail::make_label_mapper(mapping, n_classes);
  const text_file f = read_text_file(path, opt.encoding.value_or(mapping.encoding));
  if (mapping.format == record_format::jsonl) {
    return detail::read_jsonl(f, mapping, labels, stats, opt);
  }
  return detail::read_delimited(f, mapping, labels, stats, opt);
}

// Reads a line-per-example file where `parse(line, fields, label, error)` splits each non-blank
// line (returns false with `error` set when the line is malformed). The built-in formats
// "<label> <text>" (SST-2), "COARSE:fine text" (TREC), "text@label" (FP) use it.
template <class Parse>
std::vector<example> read_line_records(const std::filesystem::path& path, text_encoding enc,
                                       const label_mapper& labels,
                                       const std::vector<std::string>& field_names,
                                       load_stats& stats, const load_options& opt, Parse&& parse) {
  const text_file f = read_text_file(path, opt.encoding.value_or(enc));
  std::vector<example> out;
  for_each_line(f.text, [&](std::size_t line, std::string_view raw) {
    if (trim(raw).empty()) {
      ++stats.blank;
      return;
    }
    std::vector<std::string> fields;
    std::string label, error;
    if (!parse(raw, fields, label, error)) {
      ++stats.records;
      detail::malformed_record(stats, opt, f.path, line, error);
      return;
    }
    detail::accept_record(std::move(fields), label, labels, f, line, field_names, stats, opt, out);
  });
  return out;
}

}  // namespace flipside
