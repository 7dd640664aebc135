/* Ends one lane width of sort_simd.c: undefines the width's macros (the
 * list at the top of sort_simd_tmpl.h, first part) before the next width
 * defines them again. Included once after each width's instantiations. */
#undef UT
#undef LANES
#undef MASK
#undef FULL_MASK
#undef LANES_WITH_BIT
#undef V_XPERM
#undef V_MASK_LOADU
#undef V_MASK_STOREU
#undef V_MASK_MOV
#undef V_MASKZ_LOADU
#undef V_COMPRESS
#undef SMALL_N
#undef PAR_SAMPLES
#undef SIGN_BITS
#undef ABS_BITS
#undef INF_BITS
