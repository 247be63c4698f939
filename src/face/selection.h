// Face selection (FaceFusion's face selector): which of a frame's faces get
// swapped, in which order, and the identities they are matched against.
//
//   SelectionOptions o;                       // reference mode, large-small
//   FF_ASSIGN_OR_RETURN(o.reference, ReferenceEmbedding(reference_faces));
//   FF_ASSIGN_OR_RETURN(std::vector<size_t> picked, SelectFaces(target_faces, o));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "face/analysed_face.h"
#include "facefuse/status.h"

namespace facefuse::face {

enum class SelectionMode {
  kMany,       // every face, in order
  kOne,        // the first face in order
  kReference,  // every face whose FaceDistance to the reference is below max_distance, in order
};

// Stable sorts: faces that tie keep their input (detector, best-first) order.
enum class FaceOrder {
  kLeftRight,   // by box x1, ascending
  kRightLeft,   // by box x1, descending
  kTopBottom,   // by box y1, ascending
  kBottomTop,   // by box y1, descending
  kSmallLarge,  // by box area, ascending
  kLargeSmall,  // by box area, descending (the default)
  kBestWorst,   // by detector score, descending
  kWorstBest,   // by detector score, ascending
};

struct SelectionOptions {
  SelectionMode mode = SelectionMode::kReference;
  FaceOrder order = FaceOrder::kLargeSmall;
  std::vector<float> reference;  // kReference: the identity to match (see ReferenceEmbedding, SourceIdentity)
  float max_distance = 0.3f;     // kReference: a face matches when FaceDistance < max_distance
};

// Names as FaceFusion spells them: "many", "one", "reference"; "left-right",
// "right-left", "top-bottom", "bottom-top", "small-large", "large-small",
// "best-worst", "worst-best". Parse errors: InvalidArgument listing the names.
Result<SelectionMode> ParseSelectionMode(std::string_view name);
Result<FaceOrder> ParseFaceOrder(std::string_view name);
std::string FaceOrderName(FaceOrder order);

// FaceFusion's face distance d = (1 - a.b) / 2: 0 for the same direction, 0.5
// for orthogonal, 1 for opposite unit vectors (cos > 0.4 <=> d < 0.3). The dot
// product is taken as is: an averaged identity is not renormalised, as in
// FaceFusion. Returns 1 when the sizes differ or either is empty.
float FaceDistance(const std::vector<float>& a, const std::vector<float>& b);

// Indices of `faces` sorted by `order` (stable).
std::vector<size_t> SortFaces(const std::vector<AnalysedFace>& faces, FaceOrder order);

// Indices of the selected faces, in selection order. Errors (InvalidArgument):
// reference mode with an empty reference, a negative max_distance, or a face
// whose embedding is missing or of another size than the reference.
Result<std::vector<size_t>> SelectFaces(const std::vector<AnalysedFace>& faces, const SelectionOptions& options);

// The identity a reference image stands for: the embedding of its first face
// in `order` (FaceFusion's reference face position 0). Errors: NotFound when
// there is no face; InvalidArgument when that face has no embedding.
Result<std::vector<float>> ReferenceEmbedding(const std::vector<AnalysedFace>& faces,
                                              FaceOrder order = FaceOrder::kLargeSmall);

// The mean of the given embeddings after scaling each to unit length; the mean
// itself is not renormalised (the contract's averaged normalised embedding).
// Errors (InvalidArgument): no embeddings, differing sizes, a zero vector.
Result<std::vector<float>> AverageEmbeddings(const std::vector<std::vector<float>>& embeddings);

// One identity from several source images: the largest face of each image,
// averaged with AverageEmbeddings. Errors: NotFound naming the first image
// index without a face; AverageEmbeddings' errors.
Result<std::vector<float>> SourceIdentity(const std::vector<std::vector<AnalysedFace>>& faces_per_image);

}  // namespace facefuse::face
