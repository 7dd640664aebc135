/* Batching (vmap) rules of the existing ops (filled by the vmap engineer:
 * table[AX_OP_<ID>].vmap = ...; see rules.h). */
#include "transforms/rules.h"

void ax__rules_register_vmap(ax_rule *table) { (void)table; }
