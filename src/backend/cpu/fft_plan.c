/* FFT plans, the plan cache and plan execution (fft_impl.h).
 *
 * A complex plan of length n is either a chain of Stockham passes over the
 * prime factors of n (radix 8 where possible, then 4 or 2, 3, 5, 7, generic
 * odd primes), or — when n has a large prime factor and a padded transform
 * is cheaper (pocketfft's cost model) — Bluestein's chirp-z algorithm over a
 * 7-smooth length m >= 2n - 1. Twiddles and chirps are computed in double
 * (angles reduced exactly in integers) and rounded once to float. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cpu/cpu.h"
#include "backend/cpu/fft_impl.h"

/* ---------------------------------------------------------------- factors */

/* Prime factors of n, with 2s merged into 8s (then one 4 or 2). */
static int factorize(int64_t n, int64_t *f) {
    int nf = 0;
    while (n % 8 == 0) f[nf++] = 8, n /= 8;
    if (n % 4 == 0) f[nf++] = 4, n /= 4;
    if (n % 2 == 0) f[nf++] = 2, n /= 2;
    for (int64_t d = 3; d * d <= n; d += 2)
        while (n % d == 0) f[nf++] = d, n /= d;
    if (n > 1) f[nf++] = n;
    return nf;
}

static int64_t largest_prime_factor(int64_t n) {
    int64_t f[AX_FFT_MAX_PASSES];
    int nf = factorize(n, f);
    int64_t best = 1;
    for (int i = 0; i < nf; i++)
        if (f[i] > best) best = f[i];
    return best == 4 || best == 8 ? 2 : best;
}

/* pocketfft's estimate of the work of a Stockham plan. */
static double cost_guess(int64_t n) {
    const double lfp = 1.1; /* penalty for non-hardcoded radices */
    int64_t ni = n;
    double r = 0;
    int64_t f[AX_FFT_MAX_PASSES];
    int nf = factorize(n, f);
    for (int i = 0; i < nf; i++) /* 8 and 4 stand for 2 * 2 * 2 and 2 * 2 */
        r += f[i] == 8 ? 6 : f[i] == 4 ? 4 : f[i] <= 7 ? (double)f[i] : lfp * (double)f[i];
    return r * (double)ni;
}

/* Smallest 7-smooth number >= n. */
static int64_t good_size(int64_t n) {
    if (n <= 6) return n;
    int64_t best = 2 * n;
    for (int64_t f7 = 1; f7 < best; f7 *= 7)
        for (int64_t f75 = f7; f75 < best; f75 *= 5)
            for (int64_t f753 = f75; f753 < best; f753 *= 3) {
                int64_t x = f753;
                while (x < n) x *= 2;
                if (x < best) best = x;
            }
    return best;
}

/* exp(sign 2 pi i q / n) for 0 <= q < n, accurate to double. */
static ax_c64 unit_root(int64_t q, int64_t n, int sign) {
    /* reduce to the first octant for accuracy */
    double ang = 2.0 * M_PI * (double)q / (double)n;
    double c, s;
    if (4 * q == n) c = 0, s = 1;
    else if (2 * q == n) c = -1, s = 0;
    else if (4 * q == 3 * n) c = 0, s = -1;
    else {
        c = cos(ang);
        s = sin(ang);
    }
    return (ax_c64){(float)c, (float)(sign * s)};
}

/* ---------------------------------------------------------------- building */

static void plan_free(ax_fft_plan *p) {
    if (!p) return;
    for (int s = 0; s < p->npass; s++) {
        free(p->pass[s].tw);
        free(p->pass[s].gcos);
        free(p->pass[s].gsin);
    }
    free(p->chirp);
    free(p->bk);
    free(p->rtw);
    free(p);
}

static bool build_stockham(ax_fft_plan *p) {
    int64_t f[AX_FFT_MAX_PASSES];
    int nf = factorize(p->n, f);
    for (int i = 0; i < nf; i++)
        if (f[i] > INT32_MAX) return false; /* not reached: such factors take Bluestein */
    /* Order: a 2 or 4 first, odd factors next, radix 8 last, so the passes
     * with short ido (the last ones) have ido >= 8 except the final ido == 1
     * (which runs its vectors along k). */
    int ord[AX_FFT_MAX_PASSES], k = 0; /* factors fit in int (checked above) */
    for (int i = 0; i < nf; i++)
        if (f[i] == 2 || f[i] == 4) ord[k++] = (int)f[i];
    for (int i = 0; i < nf; i++)
        if (f[i] != 2 && f[i] != 4 && f[i] != 8) ord[k++] = (int)f[i];
    for (int i = 0; i < nf; i++)
        if (f[i] == 8) ord[k++] = 8;
    p->npass = nf;
    int64_t l1 = 1;
    for (int s = 0; s < nf; s++) {
        ax_fft_pass *ps = &p->pass[s];
        ps->p = ord[s];
        ps->l1 = l1;
        ps->ido = p->n / (l1 * ord[s]);
        if (ps->ido > 1) {
            ps->tw = malloc(sizeof(ax_c64) * (size_t)((ord[s] - 1) * ps->ido));
            if (!ps->tw) return false;
            for (int m = 1; m < ord[s]; m++)
                for (int64_t i = 0; i < ps->ido; i++)
                    ps->tw[(m - 1) * ps->ido + i] = unit_root(m * l1 * i, p->n, p->sign);
        }
        int q = ord[s];
        if (q != 2 && q != 3 && q != 4 && q != 5 && q != 7 && q != 8) {
            ps->gcos = malloc(sizeof(float) * (size_t)q);
            ps->gsin = malloc(sizeof(float) * (size_t)q);
            if (!ps->gcos || !ps->gsin) return false;
            for (int t = 0; t < q; t++) {
                ax_c64 w = unit_root(t, q, p->sign);
                ps->gcos[t] = w.re;
                ps->gsin[t] = w.im; /* includes the sign */
            }
        }
        l1 *= ord[s];
    }
    p->scratch = (size_t)p->n;
    return true;
}

static bool use_bluestein(int64_t n) {
    if (n < 50) return false;
    int64_t lpf = largest_prime_factor(n);
    if ((double)lpf * (double)lpf <= (double)n) return false;
    double comp1 = cost_guess(n);
    double comp2 = 2 * cost_guess(good_size(2 * n - 1)) * 1.5;
    return comp2 < comp1;
}


static bool build_bluestein(ax_fft_plan *p) {
    int64_t n = p->n, m = good_size(2 * n - 1);
    p->m = m;
    p->sub_f = ax__fft_plan(m, -1);
    p->sub_b = ax__fft_plan(m, 1);
    p->chirp = malloc(sizeof(ax_c64) * (size_t)n);
    p->bk = malloc(sizeof(ax_c64) * (size_t)m);
    ax_c64 *b = calloc((size_t)m, sizeof(ax_c64));
    ax_c64 *work = malloc(sizeof(ax_c64) * (size_t)m);
    if (!p->sub_f || !p->sub_b || !p->chirp || !p->bk || !b || !work) {
        free(b);
        free(work);
        return false;
    }
    /* chirp[j] = exp(sign pi i j^2 / n) = unit_root(j^2 mod 2n, 2n) */
    int64_t q = 0;
    for (int64_t j = 0; j < n; j++) {
        p->chirp[j] = unit_root(q, 2 * n, p->sign);
        q += 2 * j + 1;
        q %= 2 * n;
    }
    /* b[t] = conj(chirp[|t|]) placed circularly; bk = FFT_m(b) / m */
    for (int64_t j = 0; j < n; j++) {
        ax_c64 c = {p->chirp[j].re, -p->chirp[j].im};
        b[j] = c;
        if (j) b[m - j] = c;
    }
    ax__fft_exec(p->sub_f, b, p->bk, work, false);
    float inv = (float)(1.0 / (double)m);
    for (int64_t i = 0; i < m; i++) p->bk[i].re *= inv, p->bk[i].im *= inv;
    free(b);
    free(work);
    p->scratch = (size_t)(3 * m);
    return true;
}

static bool build_real(ax_fft_plan *p) {
    int64_t n = p->n;
    if (n % 2 == 0) {
        int64_t h = n / 2;
        p->sub_f = ax__fft_plan(h, -1);
        p->sub_b = ax__fft_plan(h, 1);
        p->rtw = malloc(sizeof(ax_c64) * (size_t)(h ? h : 1));
        if (!p->sub_f || !p->sub_b || !p->rtw) return false;
        for (int64_t k = 0; k < h; k++) p->rtw[k] = unit_root(k, n, -1);
        /* r2c: the sub-plan's scratch; c2r: that plus h values for Z */
        size_t s = p->sub_f->scratch > p->sub_b->scratch ? p->sub_f->scratch : p->sub_b->scratch;
        p->scratch = s + (size_t)h;
    } else {
        p->sub_f = ax__fft_plan(n, -1);
        p->sub_b = ax__fft_plan(n, 1);
        if (!p->sub_f || !p->sub_b) return false;
        size_t s = p->sub_f->scratch > p->sub_b->scratch ? p->sub_f->scratch : p->sub_b->scratch;
        p->scratch = 2 * (size_t)n + s;
    }
    return true;
}

static ax_fft_plan *plan_new(int64_t n, int sign, int kind) {
    ax_fft_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n;
    p->sign = sign;
    bool ok;
    if (kind == AX_FFT_PLAN_REAL) {
        p->kind = AX_FFT_PLAN_REAL;
        ok = build_real(p);
    } else if (use_bluestein(n)) {
        p->kind = AX_FFT_PLAN_BLUESTEIN;
        ok = build_bluestein(p);
    } else {
        p->kind = AX_FFT_PLAN_STOCKHAM;
        ok = build_stockham(p);
    }
    if (!ok) {
        plan_free(p);
        return NULL;
    }
    return p;
}

/* ---------------------------------------------------------------- cache */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static ax_fft_plan *g_plans; /* every plan made, never freed (reachable) */

static ax_fft_plan *cache_find(int64_t n, int sign, bool real) {
    for (ax_fft_plan *p = g_plans; p; p = p->next)
        if (p->n == n && (real ? p->kind == AX_FFT_PLAN_REAL
                               : p->kind != AX_FFT_PLAN_REAL && p->sign == sign))
            return p;
    return NULL;
}

/* Look up under the lock; build outside it (building may fetch sub-plans),
 * then publish under it; a racing builder's duplicate is dropped. */
static const ax_fft_plan *get_plan(int64_t n, int sign, bool real) {
    pthread_mutex_lock(&g_lock);
    ax_fft_plan *p = cache_find(n, sign, real);
    pthread_mutex_unlock(&g_lock);
    if (p) return p;
    ax_fft_plan *fresh = plan_new(n, real ? 0 : sign, real ? AX_FFT_PLAN_REAL : 0);
    if (!fresh) return NULL;
    pthread_mutex_lock(&g_lock);
    p = cache_find(n, sign, real);
    if (!p) {
        fresh->next = g_plans;
        g_plans = fresh;
        p = fresh;
        fresh = NULL;
    }
    pthread_mutex_unlock(&g_lock);
    plan_free(fresh);
    return p;
}

const ax_fft_plan *ax__fft_plan(int64_t n, int sign) { return get_plan(n, sign, false); }
const ax_fft_plan *ax__fft_rplan(int64_t n) { return get_plan(n, 0, true); }

/* ---------------------------------------------------------------- execution */

typedef struct cmul_job {
    ax_c64 *dst;
    const ax_c64 *a, *b;
} cmul_job;

static void cmul_task(void *ud, int64_t b0, int64_t e) {
    const cmul_job *j = ud;
    for (int64_t i = b0; i < e; i++) {
        ax_c64 x = j->a[i], y = j->b[i];
        j->dst[i] = (ax_c64){x.re * y.re - x.im * y.im, x.re * y.im + x.im * y.re};
    }
}

/* dst[i] = a[i] * b[i] over [0, n) */
static void cmul_n(ax_c64 *dst, const ax_c64 *a, const ax_c64 *b, int64_t n, bool par) {
    cmul_job j = {dst, a, b};
    if (par && n >= AX_FFT_PAR_MIN) ax__parallel_for(n, 16384, cmul_task, &j);
    else cmul_task(&j, 0, n);
}

static void exec_stockham(const ax_fft_plan *p, const ax_c64 *in, ax_c64 *out, ax_c64 *work,
                          bool par) {
    int np = p->npass;
    if (np == 0) {
        memcpy(out, in, sizeof(ax_c64) * (size_t)p->n);
        return;
    }
    /* the last pass writes out: pass s writes out when (np - 1 - s) is even */
    const ax_c64 *src = in;
    for (int s = 0; s < np; s++) {
        ax_c64 *dst = ((np - 1 - s) % 2 == 0) ? out : work;
        ax__fft_run_pass(&p->pass[s], p->sign, src, dst, par);
        src = dst;
    }
}

void ax__fft_exec_cols(const ax_fft_plan *p, const ax_c64 *in, ax_c64 *out, ax_c64 *work,
                       int nv) {
    int np = p->npass;
    if (np == 0) {
        memcpy(out, in, sizeof(ax_c64) * (size_t)(p->n * nv * ax__fft_simd_width()));
        return;
    }
    const ax_c64 *src = in;
    for (int s = 0; s < np; s++) {
        ax_c64 *dst = ((np - 1 - s) % 2 == 0) ? out : work;
        ax__fft_run_pass_cols(&p->pass[s], p->sign, src, dst, nv);
        src = dst;
    }
}

static void exec_bluestein(const ax_fft_plan *p, const ax_c64 *in, ax_c64 *out, ax_c64 *work,
                           bool par) {
    int64_t n = p->n, m = p->m;
    ax_c64 *a = work, *b = work + m, *w = work + 2 * m;
    cmul_n(a, in, p->chirp, n, par);
    memset(a + n, 0, sizeof(ax_c64) * (size_t)(m - n));
    exec_stockham(p->sub_f, a, b, w, par);
    cmul_n(b, b, p->bk, m, par);
    exec_stockham(p->sub_b, b, a, w, par);
    cmul_n(out, a, p->chirp, n, par);
}

void ax__fft_exec(const ax_fft_plan *p, const ax_c64 *in, ax_c64 *out, ax_c64 *work, bool par) {
    if (p->kind == AX_FFT_PLAN_BLUESTEIN) exec_bluestein(p, in, out, work, par);
    else exec_stockham(p, in, out, work, par);
}

/* Even n, forward: z = in as h complex values, Z = FFT_h(z) in out[0..h),
 * then X[k] = (Z[k] + conj Z[h-k]) / 2 - i w^k (Z[k] - conj Z[h-k]) / 2,
 * w = exp(-2 pi i / n), done in place pairwise (k, h - k). */
typedef struct rsplit_job {
    ax_c64 *x;
    const ax_c64 *in;
    const ax_c64 *tw;
    int64_t h;
} rsplit_job;

static void r2c_split_task(void *ud, int64_t b0, int64_t e) {
    const rsplit_job *j = ud;
    ax_c64 *x = j->x;
    int64_t h = j->h;
    for (int64_t k = b0 < 1 ? 1 : b0; k < e; k++) {
        int64_t k2 = h - k;
        if (k2 < k) break;
        ax_c64 a = x[k], b = x[k2];
        /* E = (a + conj b) / 2, O = -i (a - conj b) / 2 */
        float er = 0.5f * (a.re + b.re), ei = 0.5f * (a.im - b.im);
        float orr = 0.5f * (a.im + b.im), oi = -0.5f * (a.re - b.re);
        ax_c64 w = j->tw[k];
        float tr = w.re * orr - w.im * oi, ti = w.re * oi + w.im * orr;
        x[k] = (ax_c64){er + tr, ei + ti};
        if (k2 != k) {
            /* X[h-k] = conj(E) + w^(h-k) conj(O) with w^(h-k) = -conj(w^k) */
            float ur = -w.re, ui = w.im;
            float sr = ur * orr - ui * (-oi), si = ur * (-oi) + ui * orr;
            x[k2] = (ax_c64){er + sr, -ei + si};
        }
    }
}

void ax__fft_exec_r2c(const ax_fft_plan *p, const float *in, ax_c64 *out, ax_c64 *work, bool par) {
    int64_t n = p->n;
    if (n % 2) {
        ax_c64 *z = work, *y = work + n, *w = work + 2 * n;
        for (int64_t i = 0; i < n; i++) z[i] = (ax_c64){in[i], 0.f};
        ax__fft_exec(p->sub_f, z, y, w, par);
        memcpy(out, y, sizeof(ax_c64) * (size_t)(n / 2 + 1));
        return;
    }
    int64_t h = n / 2;
    ax__fft_exec(p->sub_f, (const ax_c64 *)in, out, work, par);
    ax_c64 z0 = out[0];
    rsplit_job j = {.x = out, .tw = p->rtw, .h = h};
    int64_t half = h / 2 + 1;
    if (par && n >= AX_FFT_PAR_MIN) ax__parallel_for(half, 8192, r2c_split_task, &j);
    else r2c_split_task(&j, 0, half);
    out[0] = (ax_c64){z0.re + z0.im, 0.f};
    out[h] = (ax_c64){z0.re - z0.im, 0.f};
}

/* Even n, inverse: Z[k] = (X[k] + conj X[h-k]) + i conj(w^k) (X[k] - conj X[h-k])
 * (k < h, X[0] and X[h] taken real), then z = IFFT_h(Z) holds
 * (out[2t], out[2t+1]). */
static void c2r_split_task(void *ud, int64_t b0, int64_t e) {
    const rsplit_job *j = ud;
    const ax_c64 *x = j->in;
    ax_c64 *z = j->x;
    int64_t h = j->h;
    for (int64_t k = b0 < 1 ? 1 : b0; k < e; k++) {
        int64_t k2 = h - k;
        if (k2 < k) break;
        ax_c64 a = x[k], b = x[k2];
        float er = a.re + b.re, ei = a.im - b.im; /* X[k] + conj X[h-k] */
        float dr = a.re - b.re, di = a.im + b.im; /* X[k] - conj X[h-k] */
        ax_c64 w = j->tw[k];
        /* t = conj(w) * d, then i * t */
        float tr = w.re * dr + w.im * di, ti = w.re * di - w.im * dr;
        z[k] = (ax_c64){er - ti, ei + tr};
        if (k2 != k) {
            /* Z[h-k]: roles of a and b swap; conj(w^(h-k)) = -w^k */
            float er2 = b.re + a.re, ei2 = b.im - a.im;
            float dr2 = b.re - a.re, di2 = b.im + a.im;
            float vr = -w.re, vi = -w.im;
            float tr2 = vr * dr2 - vi * di2, ti2 = vr * di2 + vi * dr2;
            z[k2] = (ax_c64){er2 - ti2, ei2 + tr2};
        }
    }
}

void ax__fft_exec_c2r(const ax_fft_plan *p, const ax_c64 *in, float *out, ax_c64 *work, bool par) {
    int64_t n = p->n;
    if (n % 2) {
        ax_c64 *z = work, *y = work + n, *w = work + 2 * n;
        int64_t h = n / 2;
        z[0] = (ax_c64){in[0].re, 0.f};
        for (int64_t k = 1; k <= h; k++) {
            z[k] = in[k];
            z[n - k] = (ax_c64){in[k].re, -in[k].im};
        }
        ax__fft_exec(p->sub_b, z, y, w, par);
        for (int64_t i = 0; i < n; i++) out[i] = y[i].re;
        return;
    }
    int64_t h = n / 2;
    /* exec is out of place, so Z lives after the sub-plan's scratch */
    ax_c64 *z = work + p->sub_b->scratch;
    rsplit_job j = {.x = z, .in = in, .tw = p->rtw, .h = h};
    int64_t half = h / 2 + 1;
    if (par && n >= AX_FFT_PAR_MIN) ax__parallel_for(half, 8192, c2r_split_task, &j);
    else c2r_split_task(&j, 0, half);
    float a = in[0].re, b = in[h].re;
    z[0] = (ax_c64){a + b, a - b};
    ax__fft_exec(p->sub_b, z, (ax_c64 *)out, work, par);
}
