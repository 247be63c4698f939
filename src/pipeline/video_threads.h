// One thread budget shared by the video pipeline's stages. The analyse and
// swap stages run model kernels (OpenMP) on one thread of their own, the
// encoder and decoder have FFmpeg's threads: giving each of them the whole
// budget makes them fight for the cores, and an OpenMP team that waits for a
// preempted member wastes the rest of its cores. Measured on 2 cores (720p,
// classical swapper; docs/benchmarks.md): kernels 1 + encoder 2 gives 22 fps,
// kernels 2 + encoder 2 gives 18.
#pragma once

namespace facefuse::pipeline {

struct VideoThreads {
  int decode = 1;   // decoder threads (decoding costs a few percent of a frame's work)
  int kernels = 1;  // model kernel threads of the analyse and swap stages
  int encode = 1;   // encoder threads
};

// Splits `budget` threads (<= 0: the CPUs this process may run on): half
// (at least one) to the model kernels, the rest plus one to the encoder,
// whose threads often wait on one another, and one per eight to the decoder
// (at least one).
VideoThreads ShareVideoThreads(int budget);

// The CPUs this process may run on (its affinity mask), at least 1.
int AvailableCpus();

}  // namespace facefuse::pipeline
