/* Derivative rules of the extra family (filled by that family's engineer:
 * table[AX_OP_<ID>] = (ax_rule){vjp, jvp, vmap, flags}; see rules.h). */
#include "transforms/rules.h"

void ax__rules_register_extra(ax_rule *table) { (void)table; }
