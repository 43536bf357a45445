#include <catch2/catch.hpp>

int flipside_headers_a();
int flipside_headers_b();

TEST_CASE("every public header compiles in two translation units of one program") {
  // Linking this test is the real check; the calls keep both TUs in the link.
  REQUIRE(flipside_headers_a() + flipside_headers_b() == 3);
}
