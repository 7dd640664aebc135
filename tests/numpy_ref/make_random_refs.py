#!/usr/bin/env python3
"""Generate tests/numpy_ref/random_refs.h: expected outputs of ax's random ops,
made by JAX (jax.random with the default "threefry2x32" implementation and
jax_threefry_partitionable = True, the default since JAX 0.5; pinned here).

Run:  python3 tests/numpy_ref/make_random_refs.py > tests/numpy_ref/random_refs.h
Needs jax (pip install "jax[cpu]"); generated with the version recorded in the
header. The script also carries a pure-NumPy Threefry-2x32 (Salmon et al.
2011, Random123 rotation constants and key-schedule parity) and checks that
JAX's raw bits, keys and splits equal it, so the fixture does not rest on JAX
alone; the known-answer vectors of Random123 (kat_vectors) are checked too.
CI needs neither: the header is committed.
"""
import sys

import numpy as np

import jax

jax.config.update("jax_enable_x64", True)          # 64-bit seeds, float64/uint64 draws
jax.config.update("jax_threefry_partitionable", True)
jax.config.update("jax_default_prng_impl", "threefry2x32")
import jax.numpy as jnp  # noqa: E402
from jax import random  # noqa: E402

M32 = np.uint64(0xFFFFFFFF)
ROT = [13, 15, 26, 6, 17, 29, 16, 24]


def np_threefry(k0, k1, c0, c1):
    """Threefry-2x32, 20 rounds, on uint32 arrays (NumPy, from the spec)."""
    k0, k1 = np.uint64(k0), np.uint64(k1)
    ks = [k0, k1, k0 ^ k1 ^ np.uint64(0x1BD11BDA)]
    x0 = (np.asarray(c0, np.uint64) + ks[0]) & M32
    x1 = (np.asarray(c1, np.uint64) + ks[1]) & M32
    for g in range(5):
        for r in range(4):
            rot = ROT[(g % 2) * 4 + r]
            x0 = (x0 + x1) & M32
            x1 = ((x1 << np.uint64(rot)) | (x1 >> np.uint64(32 - rot))) & M32
            x1 = x1 ^ x0
        x0 = (x0 + ks[(g + 1) % 3]) & M32
        x1 = (x1 + ks[(g + 2) % 3] + np.uint64(g + 1)) & M32
    return x0.astype(np.uint32), x1.astype(np.uint32)


def np_hash(key, n):
    i = np.arange(n, dtype=np.uint64)
    return np_threefry(key[0], key[1], (i >> np.uint64(32)) & M32, i & M32)


# Random123 known-answer tests for threefry2x32_20 (kat_vectors).
KAT = [((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
       ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
       ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0))]
for key, ctr, want in KAT:
    got = np_threefry(key[0], key[1], np.array([ctr[0]]), np.array([ctr[1]]))
    assert (int(got[0][0]), int(got[1][0])) == want, (key, ctr, got)

out = []


def emit(name, arr, ctype, fmt):
    a = np.asarray(arr).ravel()
    body = ", ".join(fmt(v) for v in a)
    out.append(f"static const {ctype} {name}[{max(len(a), 1)}] = {{{body if len(a) else '0'}}};")
    out.append(f"#define {name.upper()}_N {len(a)}")


u32 = lambda v: f"0x{int(v):08x}u"
u64 = lambda v: f"0x{int(v):016x}ull"
i64 = lambda v: f"{int(v)}ll"
f64 = lambda v: repr(float(v)) if np.isfinite(v) else ("INFINITY" if v > 0 else "-INFINITY")


def key_of(seed):
    return random.PRNGKey(seed)


def raw(k):
    return np.asarray(jax.random.key_data(k) if jnp.issubdtype(k.dtype, jax.dtypes.prng_key) else k)


SEEDS = [0, 42, (1 << 32) + 7, 0xDEADBEEFCAFEF00D]
keys = np.stack([raw(key_of(np.uint64(s).astype(np.int64) if s >= 1 << 63 else s)) for s in SEEDS])
for s, k in zip(SEEDS, keys):
    assert (int(k[0]), int(k[1])) == (s >> 32, s & 0xFFFFFFFF), (s, k)
emit("rr_key_seeds", np.array(SEEDS, dtype=np.uint64), "uint64_t", u64)
emit("rr_keys", keys, "uint32_t", u32)

K = key_of(42)
kraw = raw(K)
split = np.asarray(random.split(K, 5))
h0, h1 = np_hash(kraw, 5)
assert (split[:, 0] == h0).all() and (split[:, 1] == h1).all()
emit("rr_split5", split, "uint32_t", u32)

b32 = np.asarray(random.bits(K, (3, 5), jnp.uint32))
h0, h1 = np_hash(kraw, 15)
assert (b32.ravel() == (h0 ^ h1)).all()
emit("rr_bits32", b32, "uint32_t", u32)
emit("rr_bits8", np.asarray(random.bits(K, (11,), jnp.uint8)), "uint32_t", u32)
emit("rr_bits16", np.asarray(random.bits(K, (11,), jnp.uint16)), "uint32_t", u32)
emit("rr_bits64", np.asarray(random.bits(K, (7,), jnp.uint64)), "uint64_t", u64)

K7 = key_of(7)
emit("rr_uniform_f32", np.asarray(random.uniform(K7, (64,), jnp.float32, -2.0, 3.0)), "double", f64)
emit("rr_uniform_f64", np.asarray(random.uniform(K7, (33,), jnp.float64, -2.0, 3.0)), "double", f64)
emit("rr_uniform_f16", np.asarray(random.uniform(K7, (33,), jnp.float16, -2.0, 3.0)).astype(np.float64), "double", f64)
emit("rr_uniform_bf16", np.asarray(random.uniform(K7, (33,), jnp.bfloat16, -2.0, 3.0)).astype(np.float64), "double", f64)
emit("rr_normal_f32", np.asarray(random.normal(K7, (257,), jnp.float32)), "double", f64)
emit("rr_normal_f64", np.asarray(random.normal(K7, (65,), jnp.float64)), "double", f64)
emit("rr_normal_f16", np.asarray(random.normal(K7, (33,), jnp.float16)).astype(np.float64), "double", f64)
emit("rr_normal_bf16", np.asarray(random.normal(K7, (33,), jnp.bfloat16)).astype(np.float64), "double", f64)
emit("rr_truncnorm_f32", np.asarray(random.truncated_normal(K7, -1.5, 2.0, (65,), jnp.float32)), "double", f64)
emit("rr_truncnorm_f64", np.asarray(random.truncated_normal(K7, -1.5, 2.0, (65,), jnp.float64)), "double", f64)
emit("rr_gumbel_f32", np.asarray(random.gumbel(K7, (65,), jnp.float32)), "double", f64)
emit("rr_gumbel_f64", np.asarray(random.gumbel(K7, (65,), jnp.float64)), "double", f64)
emit("rr_laplace_f32", np.asarray(random.laplace(K7, (65,), jnp.float32)), "double", f64)
# XLA's float64 log1p is off by up to ~1e-13 relative: the float64 reference
# takes JAX's (bit-exact) uniform and NumPy's correctly rounded log1p.
U = np.asarray(random.uniform(K7, (65,), jnp.float64, -1 + np.finfo(np.float64).epsneg, 1.0))
LAP = np.asarray(random.laplace(K7, (65,), jnp.float64))
assert np.allclose(LAP, np.sign(U) * np.log1p(-np.abs(U)), rtol=1e-12, atol=0)
emit("rr_laplace_f64", np.sign(U) * np.log1p(-np.abs(U)), "double", f64)

K9 = key_of(9)
emit("rr_randint_i32", np.asarray(random.randint(K9, (70,), -5, 17, jnp.int32)), "int64_t", i64)
emit("rr_randint_u8", np.asarray(random.randint(K9, (70,), 0, 256, jnp.uint8)), "int64_t", i64)
emit("rr_randint_i8", np.asarray(random.randint(K9, (70,), -100, 27, jnp.int8)), "int64_t", i64)
emit("rr_randint_i32_wide", np.asarray(random.randint(K9, (70,), -2**31, 2**31 - 1, jnp.int32)), "int64_t", i64)
emit("rr_randint_i64", np.asarray(random.randint(K9, (70,), -10**15, 3 * 10**17, jnp.int64)), "int64_t", i64)
emit("rr_bernoulli", np.asarray(random.bernoulli(K9, jnp.float32(0.3), (70,))).astype(np.int64), "int64_t", i64)
P = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
emit("rr_bernoulli_p", P, "double", f64)
emit("rr_bernoulli_parr", np.asarray(random.bernoulli(K9, jnp.asarray(P), (5, 3, 4))).astype(np.int64), "int64_t", i64)

K11 = key_of(11)
LOG = np.log(np.array([[0.1, 0.2, 0.3, 0.4, 1e-3], [1, 1, 1, 1, 1], [5, 0.5, 0.05, 2, 3]], np.float32))
emit("rr_cat_logits", LOG, "double", f64)
emit("rr_cat", np.asarray(random.categorical(K11, jnp.asarray(LOG), axis=-1)), "int64_t", i64)
emit("rr_cat_axis0", np.asarray(random.categorical(K11, jnp.asarray(LOG), axis=0)), "int64_t", i64)
cat_s = np.asarray(random.categorical(K11, jnp.asarray(LOG), axis=-1, shape=(6, 3)))
emit("rr_cat_s6", np.moveaxis(cat_s, 0, -1), "int64_t", i64)  # ax: samples on the last axis
emit("rr_perm10", np.asarray(random.permutation(K11, 10)), "int64_t", i64)
emit("rr_perm2000", np.asarray(random.permutation(K11, 2000)), "int64_t", i64)
A = np.arange(12, dtype=np.float32).reshape(3, 4)
emit("rr_perm_arr_ax1", np.asarray(random.permutation(K11, jnp.asarray(A), axis=1)), "double", f64)

K13 = key_of(13)
MEAN = np.array([1.0, -2.0, 0.5], np.float32)
COV = np.array([[2.0, 0.6, -0.4], [0.6, 1.0, 0.2], [-0.4, 0.2, 0.5]], np.float32)
emit("rr_mvn_mean", MEAN, "double", f64)
emit("rr_mvn_cov", COV, "double", f64)
emit("rr_mvn_f32", np.asarray(random.multivariate_normal(K13, jnp.asarray(MEAN), jnp.asarray(COV), (4, 5), jnp.float32)), "double", f64)
emit("rr_mvn_f64", np.asarray(random.multivariate_normal(K13, jnp.asarray(MEAN, jnp.float64), jnp.asarray(COV, jnp.float64), (4, 5), jnp.float64)), "double", f64)

print("/* Generated by tests/numpy_ref/make_random_refs.py with jax %s (threefry2x32," % jax.__version__)
print(" * jax_threefry_partitionable = True, jax_enable_x64 = True). Do not edit. */")
print("#ifndef AX_RANDOM_REFS_H\n#define AX_RANDOM_REFS_H\n#include <math.h>\n#include <stdint.h>")
print("#define RR_JAX_VERSION \"%s\"" % jax.__version__)
print("\n".join(out))
print("#endif")
