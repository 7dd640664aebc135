/* Derivative rules of the linalg family (filled by that family's engineer:
 * table[AX_OP_<ID>] = (ax_rule){vjp, jvp, vmap, flags}; see rules.h). */
#include "transforms/rules.h"

void ax__rules_register_linalg(ax_rule *table) { (void)table; }
