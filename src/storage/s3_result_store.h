// ResultStore over an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, OSS's S3 API...): `--results s3://BUCKET/PREFIX`.
// A result goes up in one PUT, or in parts (multipart upload) above S3Settings::part_bytes, and the local copy is
// removed once it is stored; reads are ranged GETs streamed to the caller.
#pragma once

#include <memory>

#include "storage/result_store.h"
#include "storage/s3_settings.h"

namespace facefuse::storage {

// A store for the bucket and prefix of `settings`. Makes no request (Health() checks the bucket).
std::unique_ptr<ResultStore> NewS3ResultStore(S3Settings settings);

}  // namespace facefuse::storage
