/* ops.c -- see ops.h */
#include "ops.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void embed_forward(float *out, const int *ids, const int *tids, const float *wte,
                   const float *wpe, const float *wtt, int B, int T, int H)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            long i = (long)b * T + t;
            const float *w = wte + (long)ids[i] * H;
            const float *p = wpe + (long)t * H;
            const float *y = wtt + (long)(tids ? tids[i] : 0) * H;
            float *o = out + i * H;
            for (int h = 0; h < H; h++)
                o[h] = w[h] + p[h] + y[h];
        }
}

void embed_backward(float *dwte, float *dwpe, float *dwtt, const float *dout, const int *ids,
                    const int *tids, int B, int T, int H)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            long i = (long)b * T + t;
            const float *d = dout + i * H;
            if (dwte) {
                float *w = dwte + (long)ids[i] * H;
                for (int h = 0; h < H; h++)
                    w[h] += d[h];
            }
            if (dwpe) {
                float *p = dwpe + (long)t * H;
                for (int h = 0; h < H; h++)
                    p[h] += d[h];
            }
            if (dwtt) {
                float *y = dwtt + (long)(tids ? tids[i] : 0) * H;
                for (int h = 0; h < H; h++)
                    y[h] += d[h];
            }
        }
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                       const float *b, float eps, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (long)i * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++)
            m += x[c];
        m /= C;
        for (int c = 0; c < C; c++) {
            double d = x[c] - m;
            v += d * d;
        }
        v /= C;
        float s = (float)(1.0 / sqrt(v + eps));
        float mf = (float)m;
        float *o = out + (long)i * C;
        for (int c = 0; c < C; c++)
            o[c] = (x[c] - mf) * s * w[c] + b[c];
        mean[i] = mf;
        rstd[i] = s;
    }
}

void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, const float *mean, const float *rstd, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (long)i * C, *dy = dout + (long)i * C;
        float m = mean[i], s = rstd[i];
        if (dinp) {
            double dm = 0, dnm = 0;
            for (int c = 0; c < C; c++) {
                float n = (x[c] - m) * s;
                float dn = w[c] * dy[c];
                dm += dn;
                dnm += dn * n;
            }
            float dmean = (float)(dm / C), dnmean = (float)(dnm / C);
            float *dx = dinp + (long)i * C;
            for (int c = 0; c < C; c++) {
                float n = (x[c] - m) * s;
                dx[c] += (w[c] * dy[c] - dmean - n * dnmean) * s;
            }
        }
        if (dw)
            for (int c = 0; c < C; c++)
                dw[c] += (x[c] - m) * s * dy[c];
        if (db)
            for (int c = 0; c < C; c++)
                db[c] += dy[c];
    }
}

void linear_forward(float *out, const float *inp, const float *W, const float *b, int N, int IC,
                    int OC)
{
    if (b) {
        for (int i = 0; i < N; i++)
            memcpy(out + (long)i * OC, b, sizeof(float) * OC);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, IC, W, IC,
                b ? 1.0f : 0.0f, out, OC);
}

void linear_backward(float *dinp, float *dW, float *db, const float *dout, const float *inp,
                     const float *W, int N, int IC, int OC)
{
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, IC, OC, 1.0f, dout, OC, W, IC,
                    1.0f, dinp, IC);
    if (dW)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, IC, N, 1.0f, dout, OC, inp, IC,
                    1.0f, dW, IC);
    if (db)
        for (int i = 0; i < N; i++) {
            const float *d = dout + (long)i * OC;
            for (int o = 0; o < OC; o++)
                db[o] += d[o];
        }
}

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT2PI 0.39894228040143267794f

void gelu_forward(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + erff(x * INV_SQRT2));
    }
}

void gelu_backward(float *dinp, const float *inp, const float *dout, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
        float pdf = INV_SQRT2PI * expf(-0.5f * x * x);
        dinp[i] += dout[i] * (cdf + x * pdf);
    }
}

void relu_forward(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = inp[i] > 0 ? inp[i] : 0.0f;
}

void relu_backward(float *dinp, const float *out, const float *dout, int n)
{
    for (int i = 0; i < n; i++)
        if (out[i] > 0)
            dinp[i] += dout[i];
}

void tanh_forward(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = tanhf(inp[i]);
}

void tanh_backward(float *dinp, const float *out, const float *dout, int n)
{
    for (int i = 0; i < n; i++)
        dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void residual_forward(float *out, const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

void residual_backward(float *da, float *db, const float *dout, int n)
{
    if (da)
        for (int i = 0; i < n; i++)
            da[i] += dout[i];
    if (db)
        for (int i = 0; i < n; i++)
            db[i] += dout[i];
}

void dropout_forward(float *out, unsigned char *keep, const float *inp, float p, rng_t *rng, int n)
{
    if (p <= 0.0f || !rng) {
        if (out != inp)
            memcpy(out, inp, sizeof(float) * n);
        return;
    }
    float s = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++) {
        keep[i] = rng_uniform(rng) >= p;
        out[i] = keep[i] ? inp[i] * s : 0.0f;
    }
}

void dropout_backward(float *dinp, const unsigned char *keep, const float *dout, float p, int n)
{
    if (p <= 0.0f) {
        for (int i = 0; i < n; i++)
            dinp[i] += dout[i];
        return;
    }
    float s = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++)
        if (keep[i])
            dinp[i] += dout[i] * s;
}

/* Row softmax over S keys; keys j >= pt with mask[j-pt] == 0 get 0. */
static void softmax_row(float *a, const int *mask, int pt, int S)
{
    float mx = -INFINITY;
    int any = 0;
    for (int j = 0; j < S; j++)
        if (j < pt || !mask || mask[j - pt]) {
            if (a[j] > mx)
                mx = a[j];
            any = 1;
        }
    if (!any) { /* every key masked: HF's uniform-offset scores give a plain softmax */
        mask = NULL;
        for (int j = 0; j < S; j++)
            if (a[j] > mx)
                mx = a[j];
    }
    double sum = 0;
    for (int j = 0; j < S; j++) {
        if (j < pt || !mask || mask[j - pt]) {
            a[j] = expf(a[j] - mx);
            sum += a[j];
        } else {
            a[j] = 0.0f;
        }
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < S; j++)
        a[j] *= inv;
}

void attention_forward(float *out, float *att, unsigned char *keep, float *scratch,
                       const float *qkv, const float *pk, const float *pv, int ldp,
                       const int *mask, float p, rng_t *rng, int B, int T, int NH, int hd,
                       int pt)
{
    int H = NH * hd, H3 = 3 * H, S = pt + T;
    float scale = 1.0f / sqrtf((float)hd);
    int drop = p > 0.0f && rng;
    float ds = drop ? 1.0f / (1.0f - p) : 1.0f;
    for (int b = 0; b < B; b++) {
        const int *mb = mask ? mask + (long)b * T : NULL;
        for (int h = 0; h < NH; h++) {
            const float *Q = qkv + (long)b * T * H3 + h * hd;
            const float *K = Q + H, *V = Q + 2 * H;
            long off = ((long)b * NH + h) * T * S;
            float *A = att + off;
            /* scores (T,S) */
            if (pt > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, pt, hd, scale, Q, H3,
                            pk + h * hd, ldp, 0.0f, A, S);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, scale, Q, H3, K, H3,
                        0.0f, A + pt, S);
            for (int i = 0; i < T; i++)
                softmax_row(A + (long)i * S, mb, pt, S);
            const float *Ad = A;
            if (drop) {
                unsigned char *kp = keep + off;
                for (long i = 0; i < (long)T * S; i++) {
                    kp[i] = rng_uniform(rng) >= p;
                    scratch[i] = kp[i] ? A[i] * ds : 0.0f;
                }
                Ad = scratch;
            }
            float *O = out + (long)b * T * H + h * hd;
            if (pt > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, pt, 1.0f, Ad, S,
                            pv + h * hd, ldp, 0.0f, O, H);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, 1.0f, Ad + pt, S, V,
                        H3, pt > 0 ? 1.0f : 0.0f, O, H);
        }
    }
}

void attention_backward(float *dqkv, float *dpk, float *dpv, float *scratch, const float *dout,
                        const float *att, const unsigned char *keep, const float *qkv,
                        const float *pk, const float *pv, int ldp, float p, int B, int T,
                        int NH, int hd, int pt)
{
    int H = NH * hd, H3 = 3 * H, S = pt + T;
    long TS = (long)T * S;
    float scale = 1.0f / sqrtf((float)hd);
    int drop = p > 0.0f;
    float ds = drop ? 1.0f / (1.0f - p) : 1.0f;
    float *dA = scratch, *Ad = scratch + TS;
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *Q = qkv + (long)b * T * H3 + h * hd;
            const float *K = Q + H, *V = Q + 2 * H;
            float *dQ = dqkv + (long)b * T * H3 + h * hd;
            float *dK = dQ + H, *dV = dQ + 2 * H;
            long off = ((long)b * NH + h) * TS;
            const float *A = att + off;
            const float *dO = dout + (long)b * T * H + h * hd;
            const float *Ause = A;
            if (drop) {
                const unsigned char *kp = keep + off;
                for (long i = 0; i < TS; i++)
                    Ad[i] = kp[i] ? A[i] * ds : 0.0f;
                Ause = Ad;
            }
            /* dA (T,S) = dO [PV; V]^T */
            if (pt > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, pt, hd, 1.0f, dO, H,
                            pv + h * hd, ldp, 0.0f, dA, S);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, 1.0f, dO, H, V, H3,
                        0.0f, dA + pt, S);
            /* dV += A'^T dO, dPV += A'[:, :pt]^T dO */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, 1.0f, Ause + pt, S, dO,
                        H, 1.0f, dV, H3);
            if (pt > 0 && dpv)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, pt, hd, T, 1.0f, Ause, S, dO,
                            H, 1.0f, dpv + h * hd, ldp);
            if (drop) {
                const unsigned char *kp = keep + off;
                for (long i = 0; i < TS; i++)
                    dA[i] = kp[i] ? dA[i] * ds : 0.0f;
            }
            /* softmax backward, O(S) per row: dS = A * (dA - sum(A * dA)) */
            for (int i = 0; i < T; i++) {
                const float *a = A + (long)i * S;
                float *d = dA + (long)i * S;
                double s = 0;
                for (int j = 0; j < S; j++)
                    s += a[j] * d[j];
                float sf = (float)s;
                for (int j = 0; j < S; j++)
                    d[j] = a[j] * (d[j] - sf);
            }
            /* dQ += scale dS [PK; K];  dK += scale dS^T Q;  dPK += scale dS[:, :pt]^T Q */
            if (pt > 0)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, pt, scale, dA, S,
                            pk + h * hd, ldp, 1.0f, dQ, H3);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, scale, dA + pt, S, K,
                        H3, 1.0f, dQ, H3);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, scale, dA + pt, S, Q,
                        H3, 1.0f, dK, H3);
            if (pt > 0 && dpk)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, pt, hd, T, scale, dA, S, Q,
                            H3, 1.0f, dpk + h * hd, ldp);
        }
}

float crossentropy_forward(float *probs, const float *logits, const int *labels, int N, int C)
{
    double loss = 0;
    int count = 0;
    for (int i = 0; i < N; i++) {
        const float *z = logits + (long)i * C;
        float *pr = probs + (long)i * C;
        float mx = z[0];
        for (int c = 1; c < C; c++)
            if (z[c] > mx)
                mx = z[c];
        float sum = 0;
        for (int c = 0; c < C; c++) {
            pr[c] = expf(z[c] - mx);
            sum += pr[c];
        }
        float inv = 1.0f / sum;
        for (int c = 0; c < C; c++)
            pr[c] *= inv;
        if (labels && labels[i] != LABEL_IGNORE) {
            loss += log(sum) - ((double)z[labels[i]] - mx);
            count++;
        }
    }
    return count ? (float)(loss / count) : 0.0f;
}

void crossentropy_backward(float *dlogits, const float *probs, const int *labels, float dloss,
                           int N, int C)
{
    int count = 0;
    for (int i = 0; i < N; i++)
        count += labels[i] != LABEL_IGNORE;
    float s = count ? dloss / count : 0.0f;
    for (int i = 0; i < N; i++) {
        const float *pr = probs + (long)i * C;
        float *d = dlogits + (long)i * C;
        if (labels[i] == LABEL_IGNORE) {
            memset(d, 0, sizeof(float) * C);
            continue;
        }
        for (int c = 0; c < C; c++)
            d[c] = pr[c] * s;
        d[labels[i]] -= s;
    }
}

float mse_forward(const float *pred, const float *target, int N)
{
    double s = 0;
    for (int i = 0; i < N; i++) {
        double d = (double)pred[i] - target[i];
        s += d * d;
    }
    return N ? (float)(s / N) : 0.0f;
}

void mse_backward(float *dpred, const float *pred, const float *target, float dloss, int N)
{
    for (int i = 0; i < N; i++)
        dpred[i] += dloss * 2.0f * (pred[i] - target[i]) / N;
}
