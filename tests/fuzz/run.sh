#!/bin/sh
# Bounded libFuzzer run of the GGUF and safetensors readers; needs no network and no ../shared.
#   usage: tests/fuzz/run.sh [seconds per target]   (default: $FLIPSIDE_FUZZ_SECONDS or 60)
# Configures build-fuzz/ with clang (libFuzzer + ASan + UBSan; $FLIPSIDE_FUZZ_CXX picks the
# compiler), writes a seed corpus with flipside's own writers, runs each target, and fails on any
# crash, sanitizer report, leak, uncaught non-flipside exception, 10 s timeout, or single
# allocation above 256 MB (inputs are at most 4 KB, so such an allocation means a trusted count).
set -eu
cd "$(dirname "$0")/../.."
secs="${1:-${FLIPSIDE_FUZZ_SECONDS:-60}}"
cxx="${FLIPSIDE_FUZZ_CXX:-}"
if [ -z "$cxx" ]; then
  for c in clang++ clang++-14 clang++-15 clang++-16; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "tests/fuzz/run.sh: no clang++ found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi
b=build-fuzz
cmake -S . -B "$b" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DFLIPSIDE_BUILD_FUZZERS=ON -DFLIPSIDE_BUILD_BENCHMARKS=OFF -DFLIPSIDE_BUILD_EXAMPLES=OFF \
      -DFLIPSIDE_INSTALL=OFF >/dev/null
cmake --build "$b" -j2 --target fuzz_gguf fuzz_safetensors fuzz_make_seeds
work="$b/fuzz-work"
rm -rf "$work"
mkdir -p "$work"
"$b/tests/fuzz/fuzz_make_seeds" "$work/seeds"
for t in gguf safetensors; do
  mkdir -p "$work/corpus-$t" "$work/artifacts-$t"
  echo "== fuzzing the $t reader for $secs s"
  if ! "$b/tests/fuzz/fuzz_$t" "$work/corpus-$t" "$work/seeds/$t" -dict="tests/fuzz/$t.dict" \
      -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
      -artifact_prefix="$work/artifacts-$t/" -print_final_stats=1 >"$work/$t.log" 2>&1; then
    tail -60 "$work/$t.log" >&2
    echo "tests/fuzz/run.sh: the $t fuzzer found a failure; reproducer(s) in $work/artifacts-$t/" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$t.log" | tr '\n' ' '
  echo "corpus: $(ls "$work/corpus-$t" | wc -l) inputs"
done
