// libFuzzer entry point for the GGUF reader: any input must parse or throw flipside::error.
// Anything else — a sanitizer report, another exception type, a leak, an allocation above
// libFuzzer's -malloc_limit_mb — is a finding. Views and metadata are touched so that ASan checks
// they lie inside the input.
#include <cstddef>
#include <cstdint>

#include <flipside/io/gguf_file.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = flipside::gguf_file::from_memory(data, size, "fuzz");
    std::size_t sink = f.alignment() + f.data_offset();
    for (const auto& kv : f.metadata()) sink += kv.value.to_string().size() + kv.value.size();
    (void)f.get<std::uint32_t>("general.alignment");
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
