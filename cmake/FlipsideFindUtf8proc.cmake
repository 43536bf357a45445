# utf8proc (Unicode categories and normalization for the tokenizers) ships only a pkg-config file
# on Debian 12, so wrap it in an imported target the installed package can recreate.
if(NOT TARGET flipside_utf8proc)
  find_path(FLIPSIDE_UTF8PROC_INCLUDE_DIR utf8proc.h)
  find_library(FLIPSIDE_UTF8PROC_LIBRARY NAMES utf8proc)
  if(NOT FLIPSIDE_UTF8PROC_INCLUDE_DIR OR NOT FLIPSIDE_UTF8PROC_LIBRARY)
    message(FATAL_ERROR "flipside needs utf8proc (Debian: libutf8proc-dev); run cmake/deps.sh")
  endif()
  add_library(flipside_utf8proc INTERFACE IMPORTED)
  set_target_properties(flipside_utf8proc PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${FLIPSIDE_UTF8PROC_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${FLIPSIDE_UTF8PROC_LIBRARY}")
endif()
