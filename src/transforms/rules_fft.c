/* Derivative rules of the fft family (src/ops/ops_fft.def): none, by design
 * for now.
 *
 * Every FFT primitive has a complex64 input or output (C2C both, R2C its
 * output, C2R its input), and ax's autodiff walkers refuse complex arrays:
 * ax_vjp / ax_jvp through an FFT fail with AX_ERR_UNSUPPORTED and the message
 * "<transform>: derivatives through complex64 arrays are not supported (input
 * or output i of 'fft')" -- also for real -> real compositions such as
 * irfft(rfft(x) * w), whose complex intermediate the walkers would have to
 * carry. complex64 is ax's only complex dtype, so an FFT derivative could not
 * be checked at float64 by the conformance harness either.
 *
 * What a rule will be once the walkers carry complex cotangents (JAX's
 * convention: the cotangent of a complex value is conjugate-linear): the
 * transform is linear, so the jvp is the same transform of the tangent, and
 * the vjp is the adjoint DFT -- the opposite exponent sign with the same
 * scale, the length-n padding/truncation transposed (slice <-> zero-pad),
 * and for R2C/C2R the Hermitian weighting (bins 1 .. ceil(n/2) - 1 count
 * twice). docs/transforms.md records this gap. */
#include "transforms/rules.h"

void ax__rules_register_fft(ax_rule *table) { (void)table; }
