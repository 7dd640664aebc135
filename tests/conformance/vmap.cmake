# vmap check of every case: vmap over a batch of 3 against an explicit loop
# (tests/conformance/vmap_check.c). Included by CMakeLists.txt here.
add_executable(conformance_vmap ${CMAKE_CURRENT_LIST_DIR}/vmap_check.c ${AX_CONF_CASES})
target_link_libraries(conformance_vmap PRIVATE ax_conf_harness)
add_test(NAME conformance_vmap COMMAND conformance_vmap WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
