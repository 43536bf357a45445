// libFuzzer entry point for the safetensors reader (header length, JSON header, offsets): any
// input must parse or throw flipside::error; see fuzz_gguf.cpp.
#include <cstddef>
#include <cstdint>

#include <flipside/io/safetensors_file.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = flipside::safetensors_file::from_memory(data, size, "fuzz");
    std::size_t sink = f.metadata().size();
    for (const auto& t : f.tensors()) {
      if (t.nbytes == 0) continue;
      sink += static_cast<std::size_t>(t.data[0]) + static_cast<std::size_t>(t.data[t.nbytes - 1]);
      if (f.find_tensor(t.name) == nullptr) __builtin_trap();
    }
    volatile std::size_t keep = sink;
    (void)keep;
  } catch (const flipside::error&) {
  }
  return 0;
}
