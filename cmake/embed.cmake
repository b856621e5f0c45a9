# todoai_embed(target files...): compiles each file into a byte array and exposes them through
# `todoai::assets::find(name)` (src/runtime/http/assets.hpp), keyed by the path relative to the source tree.
function(todoai_embed target)
    set(generated ${CMAKE_BINARY_DIR}/generated/${target}.cpp)
    # The file list travels "|"-separated: a ";" list would be split by the shell.
    string(REPLACE ";" "|" files_arg "${ARGN}")
    add_custom_command(
        OUTPUT ${generated}
        COMMAND ${CMAKE_COMMAND} -DOUT=${generated} -DROOT=${CMAKE_SOURCE_DIR} "-DFILES=${files_arg}"
                -P ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
        DEPENDS ${ARGN} ${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake
        COMMENT "Embedding ${target}"
        VERBATIM)
    add_library(${target} STATIC ${generated})
    target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/src)
endfunction()
