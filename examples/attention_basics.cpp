// attention_basics: one head of causal self-attention over four tokens, computed with both
// softmax algorithms flipside offers, plus the attention weights behind the result.
//
//   out_t = Σ_{j ≤ t} softmax_j(q_t·k_j / √d) · v_j        (causal: token t sees tokens 0 … t)
//
// two_pass materialises each row of weights; online<2> streams the keys two at a time, keeping
// a running max and sum (FlashAttention-style). Both give the same output up to rounding.
#include <cstdio>

#include <xtensor/xtensor.hpp>

#include <flipside/attention.hpp>

int main() {
  // [tokens, heads, head_dim] = [4, 1, 4]. Token 3's query points the same way as token 1's key.
  const xt::xtensor<float, 3> q = {{{1, 0, 0, 0}}, {{0, 2, 0, 0}}, {{0, 0, 1, 1}}, {{0, 3, 0, 0}}};
  const xt::xtensor<float, 3> k = {{{1, 0, 0, 0}}, {{0, 1, 0, 0}}, {{0, 0, 1, 0}}, {{0, 0, 0, 1}}};
  const xt::xtensor<float, 3> v = {{{1, 0, 0, 0}}, {{0, 1, 0, 0}}, {{0, 0, 1, 0}}, {{0, 0, 0, 1}}};

  xt::xtensor<float, 3> out_two_pass, out_online;
  flipside::attention<flipside::causal, flipside::two_pass>(q, k, v, out_two_pass);
  flipside::attention<flipside::causal, flipside::online<2>>(q, k, v, out_online);

  // The weights themselves, from the scalar reference: [tokens, heads, keys].
  flipside::attention_shape shape;
  shape.n_queries = shape.n_keys = 4;
  shape.n_heads = shape.n_kv_heads = 1;
  shape.head_dim = 4;
  float weights[4 * 4], ref[4 * 4];
  flipside::reference::attention<flipside::causal>(q.data(), k.data(), v.data(), ref, shape, {},
                                                   weights);

  std::printf(
      "attention weights (row t = query, column j = key; causal: zero above the "
      "diagonal)\n");
  for (int t = 0; t < 4; ++t) {
    for (int j = 0; j < 4; ++j) std::printf(" %.4f", weights[t * 4 + j]);
    std::printf("\n");
  }
  std::printf("output, two_pass | online<2>\n");
  for (int t = 0; t < 4; ++t) {
    for (int c = 0; c < 4; ++c) std::printf(" %.4f", out_two_pass(t, 0, c));
    std::printf("  |");
    for (int c = 0; c < 4; ++c) std::printf(" %.4f", out_online(t, 0, c));
    std::printf("\n");
  }
  // Because v_j is the j-th unit vector, each output row is exactly the row of weights.
}

// Expected output (row 1: scores 0 and 2/√4 = 1, so weights 1/(1+e) and e/(1+e)):
//
// attention weights (row t = query, column j = key; causal: zero above the diagonal)
//  1.0000 0.0000 0.0000 0.0000
//  0.2689 0.7311 0.0000 0.0000
//  0.2741 0.2741 0.4519 0.0000
//  0.1337 0.5990 0.1337 0.1337
// output, two_pass | online<2>
//  1.0000 0.0000 0.0000 0.0000  | 1.0000 0.0000 0.0000 0.0000
//  0.2689 0.7311 0.0000 0.0000  | 0.2689 0.7311 0.0000 0.0000
//  0.2741 0.2741 0.4519 0.0000  | 0.2741 0.2741 0.4519 0.0000
//  0.1337 0.5990 0.1337 0.1337  | 0.1337 0.5990 0.1337 0.1337
