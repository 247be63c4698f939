// Building small ONNX models in tests with libonnx's protobuf classes.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace facefuse::testing {

inline onnx::ModelProto NewModel(int64_t opset = 13) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("facefuse tests");
  auto* op = model.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model.mutable_graph()->set_name("g");
  return model;
}

// dims: -1 is a dynamic dim (dim_param "N").
inline void SetTensorType(onnx::ValueInfoProto* v, const std::string& name, int32_t elem_type, const std::vector<int64_t>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
}

inline void AddInput(onnx::ModelProto& m, const std::string& name, const std::vector<int64_t>& dims,
              int32_t elem_type = onnx::TensorProto::FLOAT) {
  SetTensorType(m.mutable_graph()->add_input(), name, elem_type, dims);
}

inline void AddOutput(onnx::ModelProto& m, const std::string& name, const std::vector<int64_t>& dims,
               int32_t elem_type = onnx::TensorProto::FLOAT) {
  SetTensorType(m.mutable_graph()->add_output(), name, elem_type, dims);
}

inline onnx::NodeProto* AddNode(onnx::ModelProto& m, const std::string& op_type, const std::string& name,
                         std::initializer_list<std::string> inputs, std::initializer_list<std::string> outputs) {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op_type);
  n->set_name(name);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

inline onnx::TensorProto* AddInitializer(onnx::ModelProto& m, const std::string& name, const std::vector<int64_t>& dims,
                                  int32_t elem_type = onnx::TensorProto::FLOAT) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(elem_type);
  for (int64_t d : dims) t->add_dims(d);
  return t;
}

inline void SetRawFloats(onnx::TensorProto* t, const std::vector<float>& values) {
  t->set_raw_data(values.data(), values.size() * sizeof(float));
}

}  // namespace facefuse::testing
