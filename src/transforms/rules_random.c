/* Derivative rules of the random family (src/ops/ops_random.def).
 *
 * RANDOM_BITS and RANDOM_PERMUTATION have zero derivative: their only
 * differentiable-typed input is bernoulli's p, whose output is bool, and the
 * distribution parameters (low/high, loc/scale) are params, not inputs. They
 * are flagged AX_RULE_ZERO so a transformation that meets them gives zero
 * instead of asking for a rule. Distributions with array parameters are
 * composites users write with ordinary ops -- uniform(0, 1) * (hi - lo) + lo,
 * normal(0, 1) * scale + loc, ax_random_multivariate_normal (mean + L z with
 * L = cholesky(cov)) -- and differentiate through those ops (the
 * reparameterization trick); tests/conformance/cases_rules.c checks them. */
#include "transforms/rules.h"

void ax__rules_register_random(ax_rule *t) {
    t[AX_OP_RANDOM_BITS] = (ax_rule){NULL, NULL, NULL, AX_RULE_ZERO};
    t[AX_OP_RANDOM_PERMUTATION] = (ax_rule){NULL, NULL, NULL, AX_RULE_ZERO};
}
