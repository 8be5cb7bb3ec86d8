# Turn every file under DIR (web/) into a C table of
# {URL path, Content-Type, bytes, length} (struct tg_web_asset, declared in
# src/http/handlers/handlers.h) so that the daemon serves its pages without
# a web directory.  web/login.html becomes "/login.html", web/static/x.js
# "/static/x.js".  Hidden files and editor backups are skipped; a file of a
# type not listed below stops the build rather than being served as
# something else.
file(GLOB_RECURSE files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)

# Content types by extension (a function: list items cannot hold ';').
function(web_type ext out)
  if(ext STREQUAL "html")
    set(t "text/html; charset=utf-8")
  elseif(ext STREQUAL "js")
    set(t "text/javascript; charset=utf-8")
  elseif(ext STREQUAL "css")
    set(t "text/css; charset=utf-8")
  elseif(ext STREQUAL "svg")
    set(t "image/svg+xml")
  elseif(ext STREQUAL "png")
    set(t "image/png")
  elseif(ext STREQUAL "ico")
    set(t "image/x-icon")
  elseif(ext STREQUAL "txt")
    set(t "text/plain; charset=utf-8")
  elseif(ext STREQUAL "json")
    set(t "application/json")
  else()
    set(t "")
  endif()
  set(${out} "${t}" PARENT_SCOPE)
endfunction()

# CMake regexes have no {n}: sixteen bytes spelled out.
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line_re)

set(out "/* Generated from web/ by cmake/embed.cmake; do not edit. */\n#include \"http/handlers/handlers.h\"\n\n")
set(table "")
set(n 0)
foreach(f IN LISTS files)
  get_filename_component(name ${f} NAME)
  if(name MATCHES "^\\." OR name MATCHES "~$" OR name MATCHES "\\.(swp|orig|rej)$")
    continue()
  endif()
  if(NOT f MATCHES "^[A-Za-z0-9_][A-Za-z0-9_./-]*$" OR f MATCHES "\\.\\.")
    message(FATAL_ERROR "web/${f}: use only letters, digits, '.', '_', '-' and '/' in names")
  endif()
  string(REGEX MATCH "[^.]+$" ext "${name}")
  string(TOLOWER "${ext}" ext)
  web_type("${ext}" ctype)
  if(ctype STREQUAL "" OR name STREQUAL ext)
    message(FATAL_ERROR "web/${f}: no Content-Type known for this file type (add it to cmake/embed.cmake)")
  endif()

  file(READ ${DIR}/${f} hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  # 16 bytes a line; a trailing 0 keeps empty files valid C.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(${line_re})" "\\1\n\t" bytes "${bytes}")
  string(APPEND out "/* web/${f} */\nstatic const unsigned char asset_${n}[] = {\n\t${bytes}0x00\n};\n\n")
  string(APPEND table "\t{ \"/${f}\", \"${ctype}\", asset_${n}, ${len} },\n")
  math(EXPR n "${n} + 1")
endforeach()

string(APPEND out "const struct tg_web_asset tg_web_assets[] = {\n${table}\t{ NULL, NULL, NULL, 0 },\n};\n")
file(WRITE ${OUT} "${out}")
