// The runtime's listed limits (see op_limits.h): three rules and one table of named features. A node's error is
// matched against the named features of its op first (they may be narrower than the dtype rule), then the rules.
#include "cli/op_limits.h"

#include <algorithm>
#include <array>
#include <regex>
#include <string>
#include <vector>

#include "facefuse/ops.h"

namespace facefuse::cli {
namespace {

// An unsupported feature named by its error text. `op` empty: a limit of the model or its files, matched
// anywhere in the message; otherwise a limit of that op, matched against the text after "Op 'node': ".
struct FeatureLimit {
  std::string_view op;
  std::string_view pattern;  // ECMAScript regex
  std::string_view what;     // as docs/ops.md words it
};

constexpr std::array kFeatureLimits = {
    FeatureLimit{"AveragePool", "^AveragePool dilations other than 1$", "dilations other than 1 (opset 19)"},
    FeatureLimit{"BatchNormalization", "^training_mode=1$", "training_mode=1"},
    FeatureLimit{"BatchNormalization", "^spatial=0$", "spatial=0 (opset < 9)"},
    FeatureLimit{"BatchNormalization", "^training outputs ", "the training outputs (running and saved mean and variance)"},
    FeatureLimit{"Constant", "^attribute (sparse_value|value_string|value_strings)$",
                 "the sparse_value, value_string and value_strings attributes"},
    FeatureLimit{"Conv", "^W has rank [0-9]+; only 1-D, 2-D and 3-D ", "convolutions other than 1-D, 2-D and 3-D"},
    FeatureLimit{"ConvTranspose", "^W has rank [0-9]+; only 1-D, 2-D and 3-D ",
                 "convolutions other than 1-D, 2-D and 3-D"},
    FeatureLimit{"Dropout", "^training_mode=true is not supported", "training_mode=true"},
    FeatureLimit{"Dropout", "^the mask output before opset 10 ", "the mask output before opset 10"},
    FeatureLimit{"FusedConv", "^W has rank [0-9]+; only 1-D, 2-D and 3-D ", "convolutions other than 1-D, 2-D and 3-D"},
    FeatureLimit{"FusedConv", "^activation '[^']*' is not supported ", "an activation not in its limits"},
    FeatureLimit{"LayerNormalization", "^stash_type other than 1 ", "stash_type other than 1 (float32)"},
    FeatureLimit{"Pad", "^a non-zero value attribute with 16-bit float data$",
                 "a non-zero value attribute with float16 or bfloat16 data (opset < 11)"},
    FeatureLimit{"Resize", "^antialias=1 is not supported$", "antialias=1 (opset 18)"},
    FeatureLimit{"Resize", "^the axes attribute is not supported$", "the axes attribute (opset 18)"},
    FeatureLimit{"Resize", "^attribute keep_aspect_ratio_policy='[^']*' is not supported ",
                 "keep_aspect_ratio_policy other than stretch"},
    FeatureLimit{"Resize", "^linear and cubic need float32$", "linear and cubic modes on other than float32 X"},
    FeatureLimit{"Resize", "^input 1 has dtype float16;", "roi as float16"},
    FeatureLimit{"", "tensor '[^']*' has unsupported data type (string|dtype\\((14|15|1[7-9]|2[0-3])\\))$",
                 "tensors (initializers, Constant values, test data) of a dtype facefuse does not store: string, "
                 "complex, float8, int4, uint4, float4"},
    FeatureLimit{"", "tensor '[^']*' uses segments$", "segmented tensors (TensorProto.segment)"},
    FeatureLimit{"", "sparse initializers are not supported", "sparse initializers"},
    FeatureLimit{"", "attribute references are not supported", "attribute references (inside functions)"},
    FeatureLimit{"", "models over 2 GiB must keep their weights in external data files",
                 "models over 2 GiB that keep their weights inside the .onnx file"},
    FeatureLimit{"", "graph (input|output) '[^']*' is not a tensor",
                 "graph inputs and outputs that are not tensors (sequence, optional, map)"},
};

// Error texts of a rejected dtype; group 1 is the dtype's name (DataTypeName, e.g. "uint8" or "dtype(14)").
const std::array<const char*, 4> kDtypePatterns = {
    "^input [0-9]+ has (?:unsupported )?dtype ([A-Za-z0-9()]+)",
    "^(?:value of )?dtype ([A-Za-z0-9()]+)$",
    "^cast (?:to|from) ([A-Za-z0-9()]+) is not supported$",
    "^(string) inputs$",
};

// Every dtype name DataTypeName gives for a dtype facefuse stores; the int and uint families in width order, as
// the spans "int8..int64" and "uint8..uint64" of CellNamesDtype rely on.
constexpr std::array<std::string_view, 14> kDtypeNames = {"float32", "float64", "float16", "bfloat16", "int8",
                                                          "int16",   "int32",   "int64",   "uint8",    "uint16",
                                                          "uint32",  "uint64",  "bool",    "string"};

struct CompiledLimits {
  std::vector<std::regex> features;  // one per kFeatureLimits entry
  std::vector<std::regex> dtypes;    // one per kDtypePatterns entry
  std::regex node{"(?:^|: )([A-Za-z_][A-Za-z0-9_]*) '[^']*': (.*)$"};
  std::regex unknown_op{"^op (\\S+) is not supported by facefuse"};
  std::vector<OperatorInfo> operators = ListOperators();

  CompiledLimits() {
    for (const auto& f : kFeatureLimits) features.emplace_back(f.pattern.begin(), f.pattern.end());
    for (const char* p : kDtypePatterns) dtypes.emplace_back(p);
  }
};

const CompiledLimits& Compiled() {
  static const CompiledLimits compiled;  // thread-safe initialisation; read-only afterwards
  return compiled;
}

// The op registered under `op_type` in any domain (facefuse's fused ops included), or nullptr.
const OperatorInfo* FindAnyDomain(std::string_view op_type) {
  for (const auto& d : Compiled().operators)
    if (d.op_type == op_type) return &d;
  return nullptr;
}

// Whether an op's dtypes cell (OpDef::dtypes, the "dtypes" column of docs/ops.md) names `dtype`: its dtype words
// name themselves, "int8..int64" (or uint8..uint64) names the span, and the words "any" and "every" name every
// dtype but string.
bool CellNamesDtype(std::string_view cell, std::string_view dtype) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : std::string(cell) + " ") {
    bool part = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
    if (part) {
      word += ch;
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  // Position in kDtypeNames; kDtypeNames.size() for a word that is no dtype.
  auto index = [](std::string_view name) {
    return static_cast<size_t>(std::find(kDtypeNames.begin(), kDtypeNames.end(), name) - kDtypeNames.begin());
  };
  const size_t wanted = index(dtype);
  if (wanted == kDtypeNames.size()) return false;  // e.g. "dtype(14)": no cell names it
  for (const auto& w : words) {
    if (w == dtype) return true;
    if ((w == "any" || w == "every") && dtype != "string") return true;
    size_t dots = w.find("..");
    if (dots == std::string::npos) continue;
    size_t lo = index(w.substr(0, dots)), hi = index(w.substr(dots + 2));
    if (lo < hi && hi < kDtypeNames.size() && lo <= wanted && wanted <= hi) return true;
  }
  return false;
}

std::string EscapeCell(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

}  // namespace

std::optional<std::string> ListedLimit(std::string_view message) {
  const CompiledLimits& c = Compiled();
  const std::string text(message);
  for (size_t i = 0; i < kFeatureLimits.size(); ++i)
    if (kFeatureLimits[i].op.empty() && std::regex_search(text, c.features[i]))
      return "model: " + std::string(kFeatureLimits[i].what);

  std::smatch node;
  if (!std::regex_search(text, node, c.node)) return std::nullopt;
  const std::string op_type = node[1].str(), what = node[2].str();

  std::smatch m;
  if (std::regex_search(what, m, c.unknown_op)) {
    const std::string full = m[1].str();
    const size_t dot = full.rfind('.');
    const std::string domain = dot == std::string::npos ? "" : full.substr(0, dot);
    const std::string op = dot == std::string::npos ? full : full.substr(dot + 1);
    if (FindOperator(domain, op).has_value()) return std::nullopt;  // the table has it
    return "op " + full + " is not in the operator table";
  }
  const OperatorInfo* def = FindAnyDomain(op_type);
  if (def == nullptr) return "op " + op_type + " is not in the operator table";

  for (size_t i = 0; i < kFeatureLimits.size(); ++i)
    if (kFeatureLimits[i].op == op_type && std::regex_search(what, c.features[i]))
      return op_type + ": " + std::string(kFeatureLimits[i].what);
  for (const auto& re : c.dtypes) {
    if (!std::regex_search(what, m, re)) continue;
    if (CellNamesDtype(def->dtypes, m[1].str())) return std::nullopt;  // docs/ops.md says the op takes it
    return op_type + " takes no " + m[1].str() + " (dtypes: " + std::string(def->dtypes) + ")";
  }
  return std::nullopt;
}

Result<std::string> ListedLimitsMarkdown() {
  std::string md =
      "## What check-model counts as unsupported\n\n"
      "`facefuse check-model` reports a case UNSUPPORTED only when the runtime's Unsupported error is one of the\n"
      "limits below (it matches the error text against this table, which `facefuse ops` prints from the same\n"
      "code); every other error, an unlisted Unsupported one included, is a FAIL.\n\n"
      "A node's error is matched against the features of its op first, then against the dtype rule.\n\n"
      "| rule | op | what is not supported | error text (regex) |\n|---|---|---|---|\n"
      "| op | any op not in the operator table | the op, in every domain | `op DOMAIN.OP is not supported by "
      "facefuse`, or any error on a node of such an op |\n"
      "| dtype | any op in the operator table | a dtype its *dtypes* cell does not name (`int8..int64` names "
      "int8, int16, int32 and int64; the words `any` and `every` name every dtype but string) |";
  for (const char* p : kDtypePatterns) md += " `" + EscapeCell(p) + "`";
  md += " |\n";
  for (const auto& f : kFeatureLimits) {
    if (!f.op.empty() && FindAnyDomain(f.op) == nullptr)
      return InvalidArgument("the limits table names op " + std::string(f.op) + ", which the registry lacks");
    md += "| " + std::string(f.op.empty() ? "model" : "feature") + " | " + std::string(f.op.empty() ? "-" : f.op) +
          " | " + EscapeCell(f.what) + " | `" + EscapeCell(f.pattern) + "` |\n";
  }
  return md;
}

}  // namespace facefuse::cli
