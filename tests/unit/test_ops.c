/* test_ops.c -- finite-difference gradient checks for every kernel in ops.h
 * (and, for the LoRA and adapter kernels, the forward against a naive loop).
 *
 * For each op, L = sum_i out_i * R_i with fixed random R (accumulated in
 * double from the float outputs); the analytic gradient comes from the op's
 * backward pass with dout = R. The numeric gradient is the central
 * difference (L(x+e) - L(x-e)) / 2e with e = 1e-2, evaluated in double from
 * float32 forwards. Tolerance: atol 3e-4 + rtol 1e-3 * max|numeric|
 * (float32 rounding of L is ~1e-7..1e-6, i.e. ~1e-5 after dividing by 2e;
 * the truncation error e^2/6 f''' is ~1e-5 for these inputs; measured
 * differences are 2e-6..7e-5). */
#include "check.h"
#include "engine/ops.h"

#include <stdlib.h>
#include <string.h>

#define EPS 1e-2
#define ATOL 3e-4
#define RTOL 1e-3

static rng_t R;

static float *rnd(long n, double scale)
{
    float *x = xmalloc(sizeof(float) * n);
    for (long i = 0; i < n; i++)
        x[i] = (float)(rng_normal(&R) * scale);
    return x;
}

static float *zeros(long n) { return xcalloc(n, sizeof(float)); }

/* The op under test: a forward that reads its inputs from globals. */
typedef void (*fwd_fn)(void);
static float *g_out, *g_R;
static long g_nout;

static double lossval(fwd_fn f)
{
    f();
    double s = 0;
    for (long i = 0; i < g_nout; i++)
        s += (double)g_out[i] * g_R[i];
    return s;
}

static void fdcheck(const char *name, float *x, long n, const float *analytic, fwd_fn f)
{
    float *num = zeros(n);
    for (long i = 0; i < n; i++) {
        float save = x[i];
        x[i] = (float)(save + EPS);
        double lp = lossval(f);
        x[i] = (float)(save - EPS);
        double lm = lossval(f);
        x[i] = save;
        num[i] = (float)((lp - lm) / (2 * EPS));
    }
    CHECK_CLOSE(name, analytic, num, n, ATOL, RTOL);
    free(num);
}

/* ---------------------------------------------------------------- embed */
enum { EB = 2, ET = 3, EH = 5, EV = 7, EP = 4, ETV = 2 };
static int e_ids[EB * ET] = {1, 6, 3, 3, 0, 1}, e_tids[EB * ET] = {0, 0, 1, 1, 1, 0};
static float *e_wte, *e_wpe, *e_wtt;
static void f_embed(void) { embed_forward(g_out, e_ids, e_tids, e_wte, e_wpe, e_wtt, EB, ET, EH); }

static void test_embed(void)
{
    e_wte = rnd(EV * EH, 1), e_wpe = rnd(EP * EH, 1), e_wtt = rnd(ETV * EH, 1);
    g_nout = EB * ET * EH, g_out = zeros(g_nout), g_R = rnd(g_nout, 1);
    float *dwte = zeros(EV * EH), *dwpe = zeros(EP * EH), *dwtt = zeros(ETV * EH);
    embed_backward(dwte, dwpe, dwtt, g_R, e_ids, e_tids, EB, ET, EH);
    fdcheck("embed dwte", e_wte, EV * EH, dwte, f_embed);
    fdcheck("embed dwpe", e_wpe, EP * EH, dwpe, f_embed);
    fdcheck("embed dwtt", e_wtt, ETV * EH, dwtt, f_embed);
    free(e_wte), free(e_wpe), free(e_wtt), free(dwte), free(dwpe), free(dwtt), free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- layernorm */
enum { LN_N = 4, LN_C = 6 };
static float *l_x, *l_w, *l_b, l_mean[LN_N], l_rstd[LN_N];
static void f_ln(void) { layernorm_forward(g_out, l_mean, l_rstd, l_x, l_w, l_b, 1e-5f, LN_N, LN_C); }

static void test_layernorm(void)
{
    l_x = rnd(LN_N * LN_C, 1), l_w = rnd(LN_C, 1), l_b = rnd(LN_C, 1);
    g_nout = LN_N * LN_C, g_out = zeros(g_nout), g_R = rnd(g_nout, 1);
    f_ln();
    /* forward sanity: normalised rows have mean 0 and variance 1 (w=1,b=0) */
    {
        float one[LN_C], zero[LN_C] = {0}, o[LN_N * LN_C], m[LN_N], r[LN_N];
        for (int c = 0; c < LN_C; c++) one[c] = 1;
        layernorm_forward(o, m, r, l_x, one, zero, 0.0f, LN_N, LN_C);
        double mu = 0, var = 0;
        for (int c = 0; c < LN_C; c++) mu += o[c];
        for (int c = 0; c < LN_C; c++) var += o[c] * o[c];
        CHECK(fabs(mu / LN_C) < 1e-6 && fabs(var / LN_C - 1) < 1e-5);
    }
    float *dx = zeros(g_nout), *dw = zeros(LN_C), *db = zeros(LN_C);
    layernorm_backward(dx, dw, db, g_R, l_x, l_w, l_mean, l_rstd, LN_N, LN_C);
    fdcheck("layernorm dinp", l_x, g_nout, dx, f_ln);
    fdcheck("layernorm dw", l_w, LN_C, dw, f_ln);
    fdcheck("layernorm db", l_b, LN_C, db, f_ln);
    free(l_x), free(l_w), free(l_b), free(dx), free(dw), free(db), free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- linear */
enum { LI_N = 5, LI_IN = 4, LI_OUT = 3 };
static float *li_x, *li_W, *li_b;
static void f_lin(void) { linear_forward(g_out, li_x, li_W, li_b, LI_N, LI_IN, LI_OUT); }

static void test_linear(void)
{
    li_x = rnd(LI_N * LI_IN, 1), li_W = rnd(LI_OUT * LI_IN, 1), li_b = rnd(LI_OUT, 1);
    g_nout = LI_N * LI_OUT, g_out = zeros(g_nout), g_R = rnd(g_nout, 1);
    float *dx = zeros(LI_N * LI_IN), *dW = zeros(LI_OUT * LI_IN), *db = zeros(LI_OUT);
    linear_backward(dx, dW, db, g_R, li_x, li_W, LI_N, LI_IN, LI_OUT);
    fdcheck("linear dinp", li_x, LI_N * LI_IN, dx, f_lin);
    fdcheck("linear dW", li_W, LI_OUT * LI_IN, dW, f_lin);
    fdcheck("linear db", li_b, LI_OUT, db, f_lin);
    /* accumulation: a second backward doubles the gradients */
    float *dx2 = zeros(LI_N * LI_IN);
    memcpy(dx2, dx, sizeof(float) * LI_N * LI_IN);
    linear_backward(dx2, NULL, NULL, g_R, li_x, li_W, LI_N, LI_IN, LI_OUT);
    for (int i = 0; i < LI_N * LI_IN; i++) dx[i] *= 2;
    CHECK_CLOSE("linear dinp accumulates (beta=1)", dx2, dx, LI_N * LI_IN, 1e-6, 1e-6);
    free(li_x), free(li_W), free(li_b), free(dx), free(dx2), free(dW), free(db), free(g_out), free(g_R);
}

/* linear_backward_set: the same gradients, but dinp overwritten */
static void test_linear_set(void)
{
    float *x = rnd(LI_N * LI_IN, 1), *W = rnd(LI_OUT * LI_IN, 1), *dout = rnd(LI_N * LI_OUT, 1);
    float *dx = zeros(LI_N * LI_IN), *dW = zeros(LI_OUT * LI_IN), *db = zeros(LI_OUT);
    float *dx2 = rnd(LI_N * LI_IN, 100), *dW2 = zeros(LI_OUT * LI_IN), *db2 = zeros(LI_OUT);
    linear_backward(dx, dW, db, dout, x, W, LI_N, LI_IN, LI_OUT);
    linear_backward_set(dx2, dW2, db2, dout, x, W, LI_N, LI_IN, LI_OUT); /* dx2: garbage in */
    CHECK(memcmp(dx, dx2, sizeof(float) * LI_N * LI_IN) == 0);
    CHECK(memcmp(dW, dW2, sizeof(float) * LI_OUT * LI_IN) == 0);
    CHECK(memcmp(db, db2, sizeof(float) * LI_OUT) == 0);
    free(x), free(W), free(dout), free(dx), free(dW), free(db), free(dx2), free(dW2), free(db2);
}

/* ---------------------------------------------------------------- LoRA */
/* out has a row stride wider than its OC columns (as q and v in the qkv rows) */
enum { LO_N = 5, LO_IC = 4, LO_OC = 3, LO_R = 2, LO_LD = 7 };
static float *lo_x, *lo_A, *lo_B, *lo_base, lo_xa[LO_N * LO_R];
static const float LO_S = 1.75f;
static void f_lora(void)
{
    memcpy(g_out, lo_base, sizeof(float) * LO_N * LO_LD);
    lora_forward(g_out, lo_xa, lo_x, lo_A, lo_B, LO_S, LO_LD, LO_N, LO_IC, LO_OC, LO_R);
}

static void test_lora(void)
{
    lo_x = rnd(LO_N * LO_IC, 1), lo_A = rnd(LO_R * LO_IC, 1), lo_B = rnd(LO_OC * LO_R, 1);
    lo_base = rnd(LO_N * LO_LD, 1);
    g_nout = LO_N * LO_LD, g_out = zeros(g_nout), g_R = rnd(g_nout, 1);
    /* forward against a naive loop: out[:, :OC] += s (x A^T) B^T, the rest untouched */
    f_lora();
    float *ref = zeros(LO_N * LO_LD);
    memcpy(ref, lo_base, sizeof(float) * LO_N * LO_LD);
    for (int i = 0; i < LO_N; i++)
        for (int o = 0; o < LO_OC; o++) {
            double s = 0;
            for (int k = 0; k < LO_R; k++) {
                double xa = 0;
                for (int c = 0; c < LO_IC; c++) xa += (double)lo_x[i * LO_IC + c] * lo_A[k * LO_IC + c];
                s += xa * lo_B[o * LO_R + k];
            }
            ref[i * LO_LD + o] = (float)(lo_base[i * LO_LD + o] + LO_S * s);
        }
    CHECK_CLOSE("lora forward vs naive", g_out, ref, LO_N * LO_LD, 1e-5, 1e-5);
    /* backward against finite differences; dout with the same stride */
    float *dx = zeros(LO_N * LO_IC), *dA = zeros(LO_R * LO_IC), *dB = zeros(LO_OC * LO_R);
    float dxa[LO_N * LO_R];
    lora_backward(dx, dA, dB, dxa, g_R, lo_xa, lo_x, lo_A, lo_B, LO_S, LO_LD, LO_N, LO_IC, LO_OC, LO_R);
    fdcheck("lora dinp", lo_x, LO_N * LO_IC, dx, f_lora);
    fdcheck("lora dA", lo_A, LO_R * LO_IC, dA, f_lora);
    fdcheck("lora dB", lo_B, LO_OC * LO_R, dB, f_lora);
    /* dinp NULL skips it and leaves the weight gradients the same (accumulated) */
    float *dA2 = zeros(LO_R * LO_IC), *dB2 = zeros(LO_OC * LO_R);
    lora_backward(NULL, dA2, dB2, dxa, g_R, lo_xa, lo_x, lo_A, lo_B, LO_S, LO_LD, LO_N, LO_IC, LO_OC, LO_R);
    CHECK(memcmp(dA, dA2, sizeof(float) * LO_R * LO_IC) == 0);
    CHECK(memcmp(dB, dB2, sizeof(float) * LO_OC * LO_R) == 0);
    free(lo_x), free(lo_A), free(lo_B), free(lo_base), free(ref), free(dx), free(dA), free(dB);
    free(dA2), free(dB2), free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- adapter */
enum { AD_N = 5, AD_C = 4, AD_M = 3 };
static float *ad_x, *ad_Wd, *ad_bd, *ad_Wu, *ad_bu, *ad_base, ad_act[AD_N * AD_M], ad_up[AD_N * AD_C];
static float ad_scale;
static void f_adapter(void)
{
    memcpy(g_out, ad_base, sizeof(float) * AD_N * AD_C);
    adapter_forward(g_out, ad_act, ad_up, ad_x, ad_Wd, ad_bd, ad_Wu, ad_bu, ad_scale, AD_N, AD_C, AD_M);
}

static void test_adapter(float scale)
{
    char nm[64];
    ad_scale = scale;
    ad_x = rnd(AD_N * AD_C, 1), ad_Wd = rnd(AD_M * AD_C, 1), ad_bd = rnd(AD_M, 0.5);
    ad_Wu = rnd(AD_C * AD_M, 1), ad_bu = rnd(AD_C, 0.5), ad_base = rnd(AD_N * AD_C, 1);
    g_nout = AD_N * AD_C, g_out = zeros(g_nout), g_R = rnd(g_nout, 1);
    /* forward against a naive loop: out += scale * (ReLU(x Wd^T + bd) Wu^T + bu) */
    f_adapter();
    float ref[AD_N * AD_C];
    for (int i = 0; i < AD_N; i++)
        for (int o = 0; o < AD_C; o++) {
            double s = ad_bu[o];
            for (int k = 0; k < AD_M; k++) {
                double z = ad_bd[k];
                for (int c = 0; c < AD_C; c++) z += (double)ad_x[i * AD_C + c] * ad_Wd[k * AD_C + c];
                s += (z > 0 ? z : 0) * ad_Wu[o * AD_M + k];
            }
            ref[i * AD_C + o] = (float)(ad_base[i * AD_C + o] + scale * s);
        }
    snprintf(nm, sizeof nm, "adapter forward vs naive (scale %g)", scale);
    CHECK_CLOSE(nm, g_out, ref, AD_N * AD_C, 1e-5, 1e-5);
    float *dx = zeros(AD_N * AD_C), *dWd = zeros(AD_M * AD_C), *dbd = zeros(AD_M);
    float *dWu = zeros(AD_C * AD_M), *dbu = zeros(AD_C), dup[AD_N * AD_C], dact[AD_N * AD_M], dz[AD_N * AD_M];
    adapter_backward(dx, dWd, dbd, dWu, dbu, scale == 1.0f ? NULL : dup, dact, dz, g_R, ad_act, ad_x,
                     ad_Wd, ad_Wu, scale, AD_N, AD_C, AD_M);
    snprintf(nm, sizeof nm, "adapter dinp (scale %g)", scale);
    fdcheck(nm, ad_x, AD_N * AD_C, dx, f_adapter);
    snprintf(nm, sizeof nm, "adapter dWd (scale %g)", scale);
    fdcheck(nm, ad_Wd, AD_M * AD_C, dWd, f_adapter);
    snprintf(nm, sizeof nm, "adapter dbd (scale %g)", scale);
    fdcheck(nm, ad_bd, AD_M, dbd, f_adapter);
    snprintf(nm, sizeof nm, "adapter dWu (scale %g)", scale);
    fdcheck(nm, ad_Wu, AD_C * AD_M, dWu, f_adapter);
    snprintf(nm, sizeof nm, "adapter dbu (scale %g)", scale);
    fdcheck(nm, ad_bu, AD_C, dbu, f_adapter);
    free(ad_x), free(ad_Wd), free(ad_bd), free(ad_Wu), free(ad_bu), free(ad_base);
    free(dx), free(dWd), free(dbd), free(dWu), free(dbu), free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- pointwise */
enum { PW = 24 };
static float *p_x, *p_y;
static void f_gelu(void) { gelu_forward(g_out, p_x, PW); }
static void f_relu(void) { relu_forward(g_out, p_x, PW); }
static void f_tanh(void) { tanh_forward(g_out, p_x, PW); }
static void f_res(void) { residual_forward(g_out, p_x, p_y, PW); }

static void test_pointwise(void)
{
    p_x = rnd(PW, 1.5), p_y = rnd(PW, 1);
    for (int i = 0; i < PW; i++) /* keep ReLU inputs away from the kink */
        if (fabsf(p_x[i]) < 0.05f) p_x[i] = p_x[i] < 0 ? -0.1f : 0.1f;
    g_nout = PW, g_out = zeros(PW), g_R = rnd(PW, 1);
    float *d = zeros(PW), *d2 = zeros(PW);
    gelu_backward(d, p_x, g_R, PW);
    fdcheck("gelu", p_x, PW, d, f_gelu);
    { /* the overwriting variant: same values over garbage, and in place */
        float set[PW], inplace[PW];
        for (int i = 0; i < PW; i++)
            set[i] = 1e3f, inplace[i] = g_R[i];
        gelu_backward_set(set, p_x, g_R, PW);
        gelu_backward_set(inplace, p_x, inplace, PW);
        CHECK(memcmp(set, d, sizeof set) == 0 && memcmp(inplace, d, sizeof set) == 0);
    }
    { /* value check: gelu(1) = 0.841344746 (erf form, not tanh) */
        float one = 1.0f, o;
        gelu_forward(&o, &one, 1);
        CHECK(fabs(o - 0.841344746) < 1e-6);
    }
    memset(d, 0, sizeof(float) * PW);
    f_relu();
    relu_backward(d, g_out, g_R, PW);
    fdcheck("relu", p_x, PW, d, f_relu);
    memset(d, 0, sizeof(float) * PW);
    f_tanh();
    tanh_backward(d, g_out, g_R, PW);
    fdcheck("tanh", p_x, PW, d, f_tanh);
    memset(d, 0, sizeof(float) * PW);
    residual_backward(d, d2, g_R, PW);
    fdcheck("residual da", p_x, PW, d, f_res);
    fdcheck("residual db", p_y, PW, d2, f_res);
    free(p_x), free(p_y), free(d), free(d2), free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- exp, erf */
/* The polynomial exp/erf the kernels use, against double libm on a dense
 * grid of floats (every 2^-16 step, about 2M points each), and GELU and its
 * derivative against the double formulas. */
static void test_exp_erf(void)
{
    double me = 0, xe = 0;
    for (double z = -88.0; z <= 88.75; z += 1.0 / 8192) {
        float x = (float)z;
        double e = exp((double)x);
        if (e < 1.1754944e-38 || e > 3.4028234e38) /* subnormal or overflow */
            continue;
        double r = fabs(ops_expf(x) - e) / e;
        if (r > me)
            me = r, xe = x;
    }
    printf("  ops_expf: max relative error %.3g at %g\n", me, xe);
    CHECK(me < 1.0e-7);
    CHECK(ops_expf(-88.0f) == 0.0f && ops_expf(-1e30f) == 0.0f && ops_expf(-INFINITY) == 0.0f);
    CHECK(isinf(ops_expf(89.0f)) && isinf(ops_expf(INFINITY)) && isnan(ops_expf(NAN)));
    CHECK(ops_expf(0.0f) == 1.0f);
    double ma = 0, mr = 0, xa = 0, ga = 0, gr = 0;
    for (double z = -8.0; z <= 8.0; z += 1.0 / 65536) {
        float x = (float)z;
        double e = erf((double)x), a = fabs(ops_erff(x) - e);
        double g = fabs(erff(x) - e);
        if (a > ma)
            ma = a, xa = x;
        if (e != 0 && a / fabs(e) > mr)
            mr = a / fabs(e);
        if (g > ga)
            ga = g;
        if (e != 0 && g / fabs(e) > gr)
            gr = g / fabs(e);
    }
    printf("  ops_erff: max abs error %.3g (at %g), max rel error %.3g; glibc erff %.3g, %.3g\n",
           ma, xa, mr, ga, gr);
    CHECK(ma < 1.0e-7 && mr < 1.2e-7);
    CHECK(ops_erff(1e30f) == 1.0f && ops_erff(-INFINITY) == -1.0f && isnan(ops_erff(NAN)));
    CHECK(ops_erff(0.0f) == 0.0f && ops_erff(1e-30f) > 0.0f);
    /* GELU and dGELU over [-10, 10]: absolute error (the form 0.5 x (1 + erf)
     * loses relative accuracy to cancellation for x << 0, in float as in
     * PyTorch), scaled by max(1, |x|) */
    enum { GN = 20001 };
    float *x = xmalloc(sizeof(float) * GN), *y = xmalloc(sizeof(float) * GN);
    float *one = xmalloc(sizeof(float) * GN), *dy = zeros(GN);
    for (int i = 0; i < GN; i++)
        x[i] = (float)(-10.0 + 20.0 * i / (GN - 1)), one[i] = 1.0f;
    gelu_forward(y, x, GN);
    gelu_backward(dy, x, one, GN);
    double mg = 0, md = 0;
    for (int i = 0; i < GN; i++) {
        double xd = x[i], cdf = 0.5 * (1 + erf(xd / sqrt(2.0)));
        double pdf = exp(-0.5 * xd * xd) / sqrt(2 * 3.14159265358979323846);
        double s = fabs(xd) > 1 ? fabs(xd) : 1;
        double eg = fabs(y[i] - xd * cdf) / s, ed = fabs(dy[i] - (cdf + xd * pdf)) / s;
        mg = eg > mg ? eg : mg;
        md = ed > md ? ed : md;
    }
    printf("  gelu: max error %.3g, derivative %.3g (absolute / max(1, |x|))\n", mg, md);
    CHECK(mg < 2e-7 && md < 3e-7);
    free(x), free(y), free(one), free(dy);
}

/* ---------------------------------------------------------------- dropout */
enum { DN = 40 };
static float *d_x;
static unsigned char d_keep[DN];
static rng_t d_rng;
static void f_drop(void)
{
    rng_seed(&d_rng, 99); /* same mask every evaluation */
    dropout_forward(g_out, d_keep, d_x, 0.3f, &d_rng, DN);
}

static void test_dropout(void)
{
    d_x = rnd(DN, 1);
    g_nout = DN, g_out = zeros(DN), g_R = rnd(DN, 1);
    f_drop();
    float *d = zeros(DN);
    dropout_backward(d, d_keep, g_R, 0.3f, DN);
    fdcheck("dropout p=0.3", d_x, DN, d, f_drop);
    /* identity when p = 0 or in evaluation (rng NULL) */
    float o[DN];
    dropout_forward(o, NULL, d_x, 0.0f, &d_rng, DN);
    CHECK(memcmp(o, d_x, sizeof o) == 0);
    dropout_forward(o, NULL, d_x, 0.5f, NULL, DN);
    CHECK(memcmp(o, d_x, sizeof o) == 0);
    /* statistics: drop rate ~ p and the mean is preserved */
    enum { BIG = 200000 };
    float *ones = xmalloc(sizeof(float) * BIG), *ob = xmalloc(sizeof(float) * BIG);
    unsigned char *kb = xmalloc(BIG);
    for (int i = 0; i < BIG; i++) ones[i] = 1;
    dropout_forward(ob, kb, ones, 0.1f, &d_rng, BIG);
    double kept = 0, mean = 0;
    for (int i = 0; i < BIG; i++) kept += kb[i], mean += ob[i];
    kept /= BIG, mean /= BIG;
    printf("  dropout p=0.1: kept %.4f, mean %.4f\n", kept, mean);
    CHECK(fabs(kept - 0.9) < 0.005 && fabs(mean - 1.0) < 0.006);
    free(ones), free(ob), free(kb), free(d_x), free(d), free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- attention */
enum { AB = 2, AT = 4, ANH = 2, AHD = 3, AH = ANH * AHD };
static int a_pt;
static float *a_qkv, *a_pkv, *a_att, *a_scr, a_p;
static unsigned char *a_keep;
static int a_mask[AB * AT] = {1, 1, 1, 1, 1, 1, 0, 0};
static rng_t a_rng;
static void f_att(void)
{
    rng_seed(&a_rng, 7);
    attention_forward(g_out, a_att, a_keep, a_scr, a_qkv, a_pt ? a_pkv : NULL,
                      a_pt ? a_pkv + AH : NULL, 2 * AH, a_mask, a_p, &a_rng, AB, AT, ANH, AHD,
                      a_pt);
}

static void test_attention(int pt, float p)
{
    char name[64];
    a_pt = pt, a_p = p;
    int S = pt + AT;
    a_qkv = rnd(AB * AT * 3 * AH, 1), a_pkv = rnd(3 * 2 * AH, 1);
    a_att = zeros(AB * ANH * AT * S), a_scr = zeros(2 * AT * S), a_keep = xcalloc(AB * ANH * AT * S, 1);
    g_nout = AB * AT * AH, g_out = zeros(g_nout), g_R = rnd(g_nout, 1);
    f_att();
    /* padded keys of batch 1 (t = 2, 3) get probability exactly 0 */
    int zero_ok = 1;
    for (int h = 0; h < ANH; h++)
        for (int i = 0; i < AT; i++)
            for (int j = 2; j < AT; j++)
                zero_ok &= a_att[((1L * ANH + h) * AT + i) * S + pt + j] == 0.0f;
    CHECK(zero_ok);
    float *dqkv = zeros(AB * AT * 3 * AH), *dpkv = zeros(3 * 2 * AH);
    attention_backward(dqkv, pt ? dpkv : NULL, pt ? dpkv + AH : NULL, a_scr, g_R, a_att, a_keep,
                       a_qkv, pt ? a_pkv : NULL, pt ? a_pkv + AH : NULL, 2 * AH, p, AB, AT, ANH,
                       AHD, pt);
    snprintf(name, sizeof name, "attention dqkv (pt=%d p=%.1f)", pt, p);
    fdcheck(name, a_qkv, AB * AT * 3 * AH, dqkv, f_att);
    if (pt) {
        snprintf(name, sizeof name, "attention dprefix k,v (pt=%d p=%.1f)", pt, p);
        fdcheck(name, a_pkv, pt * 2 * AH, dpkv, f_att);
    }
    free(a_qkv), free(a_pkv), free(a_att), free(a_scr), free(a_keep), free(dqkv), free(dpkv);
    free(g_out), free(g_R);
}

/* ---------------------------------------------------------------- losses */
enum { CN = 5, CC = 4 };
static float *c_z, *c_probs;
static int c_lab[CN] = {1, LABEL_IGNORE, 3, 0, 3};
static float c_loss;
static void f_ce(void) { c_loss = crossentropy_forward(c_probs, c_z, c_lab, CN, CC); g_out[0] = c_loss; }
static float *m_pred, *m_tgt;
static void f_mse(void) { g_out[0] = mse_forward(m_pred, m_tgt, CN); }

static void test_losses(void)
{
    c_z = rnd(CN * CC, 2), c_probs = zeros(CN * CC);
    g_nout = 1, g_out = zeros(1), g_R = zeros(1);
    g_R[0] = 1;
    f_ce();
    /* against a direct computation */
    double ref = 0;
    int cnt = 0;
    for (int i = 0; i < CN; i++) {
        if (c_lab[i] == LABEL_IGNORE) continue;
        double s = 0;
        for (int c = 0; c < CC; c++) s += exp(c_z[i * CC + c]);
        ref += log(s) - c_z[i * CC + c_lab[i]];
        cnt++;
    }
    CHECK(fabs(c_loss - ref / cnt) < 1e-5);
    float *dz = zeros(CN * CC);
    crossentropy_backward(dz, c_probs, c_lab, 1.0f, CN, CC);
    fdcheck("crossentropy dlogits (with -100)", c_z, CN * CC, dz, f_ce);
    /* in-place backward over probs gives the same */
    f_ce();
    crossentropy_backward(c_probs, c_probs, c_lab, 1.0f, CN, CC);
    CHECK(memcmp(c_probs, dz, sizeof(float) * CN * CC) == 0);
    m_pred = rnd(CN, 1), m_tgt = rnd(CN, 1);
    float *dp = zeros(CN);
    mse_backward(dp, m_pred, m_tgt, 1.0f, CN);
    fdcheck("mse dpred", m_pred, CN, dp, f_mse);
    free(c_z), free(c_probs), free(dz), free(m_pred), free(m_tgt), free(dp), free(g_out), free(g_R);
}

int main(void)
{
    rng_seed(&R, 12345);
    test_embed();
    test_layernorm();
    test_linear();
    test_linear_set();
    test_lora();
    test_adapter(1.0f);
    test_adapter(4.0f);
    test_pointwise();
    test_exp_erf();
    test_dropout();
    test_attention(0, 0.0f);
    test_attention(3, 0.0f);
    test_attention(2, 0.3f);
    test_losses();
    return check_status("test_ops");
}
