#include "face/selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace facefuse::face {
namespace {

struct NamedOrder {
  const char* name;
  FaceOrder order;
};
constexpr NamedOrder kOrders[] = {
    {"left-right", FaceOrder::kLeftRight},   {"right-left", FaceOrder::kRightLeft},
    {"top-bottom", FaceOrder::kTopBottom},   {"bottom-top", FaceOrder::kBottomTop},
    {"small-large", FaceOrder::kSmallLarge}, {"large-small", FaceOrder::kLargeSmall},
    {"best-worst", FaceOrder::kBestWorst},   {"worst-best", FaceOrder::kWorstBest},
};

// The sort key of a face and whether larger keys come first.
float SortKey(const DetectedFace& f, FaceOrder order) {
  switch (order) {
    case FaceOrder::kLeftRight:
    case FaceOrder::kRightLeft:
      return f.x1;
    case FaceOrder::kTopBottom:
    case FaceOrder::kBottomTop:
      return f.y1;
    case FaceOrder::kSmallLarge:
    case FaceOrder::kLargeSmall:
      return f.area();
    case FaceOrder::kBestWorst:
    case FaceOrder::kWorstBest:
      return f.score;
  }
  return 0;
}

bool Descending(FaceOrder order) {
  return order == FaceOrder::kRightLeft || order == FaceOrder::kBottomTop || order == FaceOrder::kLargeSmall ||
         order == FaceOrder::kBestWorst;
}

}  // namespace

Result<SelectionMode> ParseSelectionMode(std::string_view name) {
  if (name == "many") return SelectionMode::kMany;
  if (name == "one") return SelectionMode::kOne;
  if (name == "reference") return SelectionMode::kReference;
  return InvalidArgument("unknown face selection mode '" + std::string(name) + "' (many, one, reference)");
}

Result<FaceOrder> ParseFaceOrder(std::string_view name) {
  std::string names;
  for (const auto& o : kOrders) {
    if (name == o.name) return o.order;
    names += names.empty() ? o.name : std::string(", ") + o.name;
  }
  return InvalidArgument("unknown face order '" + std::string(name) + "' (" + names + ")");
}

std::string FaceOrderName(FaceOrder order) {
  for (const auto& o : kOrders)
    if (o.order == order) return o.name;
  return "unknown";
}

float FaceDistance(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.empty() || a.size() != b.size()) return 1.f;
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += static_cast<double>(a[i]) * b[i];
  return static_cast<float>((1.0 - dot) / 2.0);
}

std::vector<size_t> SortFaces(const std::vector<AnalysedFace>& faces, FaceOrder order) {
  std::vector<size_t> index(faces.size());
  std::iota(index.begin(), index.end(), size_t{0});
  const bool descending = Descending(order);
  std::stable_sort(index.begin(), index.end(), [&](size_t a, size_t b) {
    const float ka = SortKey(faces[a].face, order), kb = SortKey(faces[b].face, order);
    return descending ? ka > kb : ka < kb;
  });
  return index;
}

Result<std::vector<size_t>> SelectFaces(const std::vector<AnalysedFace>& faces, const SelectionOptions& options) {
  std::vector<size_t> sorted = SortFaces(faces, options.order);
  switch (options.mode) {
    case SelectionMode::kMany:
      return sorted;
    case SelectionMode::kOne:
      if (sorted.empty()) return sorted;
      return std::vector<size_t>{sorted.front()};
    case SelectionMode::kReference:
      break;
  }
  if (options.reference.empty()) return InvalidArgument("reference face selection needs a reference embedding");
  if (!(options.max_distance >= 0)) return InvalidArgument("the reference face distance must be >= 0");
  std::vector<size_t> picked;
  for (size_t i : sorted) {
    const std::vector<float>& e = faces[i].embedding;
    if (e.size() != options.reference.size())
      return InvalidArgument("face " + std::to_string(i) + " has a " + std::to_string(e.size()) +
                             "-d embedding; the reference is " + std::to_string(options.reference.size()) + "-d");
    if (FaceDistance(e, options.reference) < options.max_distance) picked.push_back(i);
  }
  return picked;
}

Result<std::vector<float>> ReferenceEmbedding(const std::vector<AnalysedFace>& faces, FaceOrder order) {
  if (faces.empty()) return NotFound("the reference image has no face");
  const AnalysedFace& first = faces[SortFaces(faces, order).front()];
  if (first.embedding.empty()) return InvalidArgument("the reference face has no embedding");
  return first.embedding;
}

Result<std::vector<float>> AverageEmbeddings(const std::vector<std::vector<float>>& embeddings) {
  if (embeddings.empty()) return InvalidArgument("no embeddings to average");
  const size_t n = embeddings.front().size();
  std::vector<double> sum(n, 0.0);
  for (size_t k = 0; k < embeddings.size(); ++k) {
    const std::vector<float>& e = embeddings[k];
    if (e.size() != n || n == 0)
      return InvalidArgument("embedding " + std::to_string(k) + " is " + std::to_string(e.size()) + "-d, expected " +
                             std::to_string(n) + "-d (non-empty)");
    double norm = 0;
    for (float v : e) norm += static_cast<double>(v) * v;
    norm = std::sqrt(norm);
    if (!(norm > 0)) return InvalidArgument("embedding " + std::to_string(k) + " is zero");
    for (size_t i = 0; i < n; ++i) sum[i] += e[i] / norm;
  }
  std::vector<float> mean(n);
  for (size_t i = 0; i < n; ++i) mean[i] = static_cast<float>(sum[i] / static_cast<double>(embeddings.size()));
  return mean;
}

Result<std::vector<float>> SourceIdentity(const std::vector<std::vector<AnalysedFace>>& faces_per_image) {
  std::vector<std::vector<float>> largest;
  for (size_t k = 0; k < faces_per_image.size(); ++k) {
    const auto& faces = faces_per_image[k];
    if (faces.empty()) return NotFound("source image " + std::to_string(k) + " has no face");
    largest.push_back(faces[SortFaces(faces, FaceOrder::kLargeSmall).front()].embedding);
  }
  return AverageEmbeddings(largest);
}

}  // namespace facefuse::face
