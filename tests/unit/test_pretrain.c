/* test_pretrain.c -- lib/train/pretrain.c.
 * 1. Masking statistics over many sequences: the chosen fraction of the
 *    maskable tokens (0.15), the 80/10/10 split, specials never chosen and
 *    never drawn as random replacements, labels = original ids, at least one
 *    position per sequence, uniform positions, determinism in the seed.
 * 2. Corpus reading: blank lines, CRLF, truncation, --max-lines, texts with
 *    nothing maskable, and the errors (invalid UTF-8 with its line, empty
 *    corpus).
 * 3. Batching: dynamic padding, attention mask, every sequence once per
 *    epoch, reshuffled order in the next epoch.
 * 4. Learning: a few hundred steps on a tiny synthetic corpus (cyclic shifts
 *    of "a b c d e f g h") drive the MLM loss below 30% of its initial value
 *    and the masked-token accuracy above 90% (about 1 s without sanitizers;
 *    the time is printed, not asserted). */
#include "check.h"
#include "train/pretrain.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static const char *VOCAB =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n[unused0]\n" /* 0-5 special */
    "a\nb\nc\nd\ne\nf\ng\nh\n"                        /* 6-13 */
    "the\ncat\nsat\non\nmat\n.\n##s\n[\n]\n";         /* 14-22; "[" and "]" are punctuation */

static void test_masking(void)
{
    wp_vocab v;
    char err[512];
    CHECK(wp_vocab_load_mem(&v, "tiny", VOCAB, strlen(VOCAB), err, sizeof err) == 0);
    mlm_masker mk;
    CHECK(mlm_masker_init(&mk, &v, "tiny", 0.15, err, sizeof err) == 0);
    /* specials: the five fixed ones and [unused0]; "[" and "]" are not */
    int nspecial = 0;
    for (int i = 0; i < v.n; i++)
        nspecial += mk.special[i];
    CHECK(nspecial == 6);
    CHECK(mk.special[5] == 1 && mk.special[21] == 0 && mk.special[22] == 0);
    CHECK(mk.n_normal == v.n - 6);

    enum { NSEQ = 4000, MAXL = 64 };
    rng_t gen, r;
    rng_seed(&gen, 7);
    rng_seed(&r, 123);
    int orig[MAXL], ids[MAXL], lab[MAXL];
    long maskable = 0, chosen = 0, as_mask = 0, as_other = 0, kept = 0, bad = 0, zero_seq = 0;
    long first_half = 0, second_half = 0, cand_first = 0, cand_second = 0;
    for (int s = 0; s < NSEQ; s++) {
        int n = 3 + (int)rng_below(&gen, MAXL - 2); /* 3..64 */
        orig[0] = v.cls_id, orig[n - 1] = v.sep_id;
        for (int i = 1; i < n - 1; i++) {
            double u = rng_uniform(&gen);
            /* mostly normal tokens, some [UNK] / [unused0] / [MASK] written in the text */
            orig[i] = u < 0.05 ? v.unk_id : u < 0.07 ? 5 : u < 0.08 ? v.mask_id : 6 + (int)rng_below(&gen, 17);
        }
        memcpy(ids, orig, sizeof(int) * n);
        int m_here = 0;
        for (int i = 0; i < n; i++)
            m_here += !mk.special[orig[i]];
        int32_t o32[MAXL];
        for (int i = 0; i < n; i++)
            o32[i] = orig[i];
        CHECK(mlm_maskable(&mk, o32, n) == m_here);
        int k = mlm_mask(&mk, &r, ids, lab, n);
        int cnt = 0;
        for (int i = 0; i < n; i++) {
            if (lab[i] == -100) {
                bad += ids[i] != orig[i]; /* unchosen positions untouched */
                continue;
            }
            cnt++;
            bad += lab[i] != orig[i];      /* label = original id */
            bad += mk.special[orig[i]];    /* specials never chosen */
            if (ids[i] == v.mask_id)
                as_mask++;
            else if (ids[i] == orig[i])
                kept++;
            else {
                as_other++;
                bad += mk.special[ids[i]]; /* random replacements are not special */
            }
            if (i < n / 2)
                first_half++;
            else
                second_half++;
        }
        for (int i = 0; i < n; i++)
            if (!mk.special[orig[i]]) {
                if (i < n / 2)
                    cand_first++;
                else
                    cand_second++;
            }
        CHECK(cnt == k);
        if (m_here > 0 && k < 1)
            zero_seq++;
        if (m_here == 0)
            CHECK(k == 0);
        maskable += m_here, chosen += k;
    }
    CHECK(bad == 0);
    CHECK(zero_seq == 0);
    /* minimum-one bumps short sequences a little above 0.15; compute the
     * exact expectation: E[k] = max(1, p n) for each sequence is what the
     * stochastic rounding gives when p n >= 1, else 1. */
    double frac = (double)chosen / (double)maskable;
    double pm = (double)as_mask / chosen, po = (double)as_other / chosen, pk = (double)kept / chosen;
    printf("  masking: %ld maskable, chosen %.4f, [MASK] %.4f, other %.4f, kept %.4f\n", maskable,
           frac, pm, po, pk);
    CHECK_MSG(frac > 0.148 && frac < 0.160, "chosen fraction %.4f", frac);
    /* of the chosen: 80% [MASK]; 10% random (1/17 of which hit the original
     * id again and look kept); 10% kept. Tolerances ~5 standard deviations. */
    double sd = 1.0 / sqrt((double)chosen);
    CHECK_MSG(fabs(pm - 0.8) < 5 * 0.4 * sd, "[MASK] fraction %.4f", pm);
    CHECK_MSG(fabs(po - 0.1 * 16 / 17) < 5 * 0.3 * sd, "random fraction %.4f", po);
    CHECK_MSG(fabs(pk - (0.1 + 0.1 / 17)) < 5 * 0.3 * sd, "kept fraction %.4f", pk);
    /* positions uniform: the chosen share of each half matches its candidates */
    double r1 = (double)first_half / cand_first, r2 = (double)second_half / cand_second;
    CHECK_MSG(fabs(r1 - r2) < 0.01, "first half %.4f vs second half %.4f", r1, r2);

    /* a sequence with one maskable token always gets it */
    int one[3] = {v.cls_id, 8, v.sep_id}, l1[3];
    CHECK(mlm_mask(&mk, &r, one, l1, 3) == 1);
    CHECK(l1[0] == -100 && l1[1] == 8 && l1[2] == -100);
    /* nothing maskable: nothing chosen */
    int none[4] = {v.cls_id, v.unk_id, 5, v.sep_id}, l0[4];
    CHECK(mlm_mask(&mk, &r, none, l0, 4) == 0);
    CHECK(l0[0] == -100 && l0[1] == -100 && l0[2] == -100 && l0[3] == -100 && none[1] == v.unk_id);

    /* deterministic in the seed */
    int a[40], b[40], la[40], lb[40], c[40], lc[40];
    for (int i = 0; i < 40; i++)
        a[i] = b[i] = c[i] = 6 + i % 17;
    rng_t r1s, r2s, r3s;
    rng_seed(&r1s, 99), rng_seed(&r2s, 99), rng_seed(&r3s, 100);
    for (int rep = 0; rep < 5; rep++) {
        mlm_mask(&mk, &r1s, a, la, 40);
        mlm_mask(&mk, &r2s, b, lb, 40);
        mlm_mask(&mk, &r3s, c, lc, 40);
    }
    CHECK(!memcmp(a, b, sizeof a) && !memcmp(la, lb, sizeof la));
    CHECK(memcmp(la, lc, sizeof la) || memcmp(a, c, sizeof a));

    /* errors */
    mlm_masker bad_mk;
    CHECK(mlm_masker_init(&bad_mk, &v, "tiny", 0.0, err, sizeof err) == -1);
    CHECK(mlm_masker_init(&bad_mk, &v, "tiny", 1.5, err, sizeof err) == -1);
    wp_vocab nomask;
    const char *NM = "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n";
    CHECK(wp_vocab_load_mem(&nomask, "nm.txt", NM, strlen(NM), err, sizeof err) == 0);
    CHECK(mlm_masker_init(&bad_mk, &nomask, "nm.txt", 0.15, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "nm.txt") && strstr(err, "[MASK]"), "%s", err);
    wp_vocab_free(&nomask);
    const char *OS = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    CHECK(wp_vocab_load_mem(&nomask, "os.txt", OS, strlen(OS), err, sizeof err) == 0);
    CHECK(mlm_masker_init(&bad_mk, &nomask, "os.txt", 0.15, err, sizeof err) == -1);
    wp_vocab_free(&nomask);

    mlm_masker_free(&mk);
    wp_vocab_free(&v);
}

static FILE *mem(const char *s)
{
    FILE *f = tmpfile();
    fputs(s, f);
    rewind(f);
    return f;
}

static void test_corpus(void)
{
    wp_vocab v;
    char err[512];
    CHECK(wp_vocab_load_mem(&v, "tiny", VOCAB, strlen(VOCAB), err, sizeof err) == 0);
    mlm_masker mk;
    CHECK(mlm_masker_init(&mk, &v, "tiny", 0.15, err, sizeof err) == 0);
    wp_tokenizer t;
    wp_init(&t, &v, 1);
    mlm_corpus c;

    FILE *f = mem("The cat sat\r\n\n   \t\nA B C D E F G H\n[UNK] [MASK]\nzzz\non the mat.");
    CHECK(mlm_corpus_read(&c, f, "c.txt", &t, &mk, 6, 0, err, sizeof err) == 0);
    fclose(f);
    CHECK(c.lines == 7 && c.blank == 2 && c.nothing == 2 && c.n == 3 && c.truncated == 1);
    int32_t want[] = {2, 14, 15, 16, 3, /**/ 2, 6, 7, 8, 9, 3, /**/ 2, 17, 14, 18, 19, 3};
    CHECK(c.n_ids == 17 && c.off[1] == 5 && c.off[2] == 11 && c.off[3] == 17);
    CHECK(c.n_ids == 17 && !memcmp(c.ids, want, sizeof want));
    mlm_corpus_free(&c);

    f = mem("a\n\nb\nc\nd\n");
    CHECK(mlm_corpus_read(&c, f, "c.txt", &t, &mk, 8, 2, err, sizeof err) == 0);
    fclose(f);
    CHECK(c.n == 2 && c.lines == 3);
    mlm_corpus_free(&c);

    f = mem("a b\nc d\nok \xff\xfe bad\n");
    CHECK(mlm_corpus_read(&c, f, "c.txt", &t, &mk, 8, 0, err, sizeof err) == -1);
    fclose(f);
    CHECK_MSG(!strcmp(err, "c.txt:3: invalid UTF-8"), "%s", err);

    f = mem("\n  \n\n");
    CHECK(mlm_corpus_read(&c, f, "e.txt", &t, &mk, 8, 0, err, sizeof err) == -1);
    fclose(f);
    CHECK_MSG(strstr(err, "e.txt: ") == err && strstr(err, "empty"), "%s", err);

    f = mem("");
    CHECK(mlm_corpus_read(&c, f, "e.txt", &t, &mk, 8, 0, err, sizeof err) == -1);
    fclose(f);

    f = mem("zzz\n[UNK]\n");
    CHECK(mlm_corpus_read(&c, f, "u.txt", &t, &mk, 8, 0, err, sizeof err) == -1);
    fclose(f);
    CHECK_MSG(strstr(err, "u.txt: ") == err && strstr(err, "maskable"), "%s", err);

    f = mem("a\n");
    CHECK(mlm_corpus_read(&c, f, "c.txt", &t, &mk, 2, 0, err, sizeof err) == -1);
    fclose(f);

    wp_free(&t);
    mlm_masker_free(&mk);
    wp_vocab_free(&v);
}

/* Cyclic shifts of "a b c d e f g h", cut at lengths 4..8. */
static void synth_corpus(mlm_corpus *c, const mlm_masker *mk, wp_tokenizer *t, int n)
{
    const char *w = "abcdefgh";
    char *buf = xmalloc((size_t)n * 20 + 1);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        int len = 4 + i % 5, s = 0;
        for (int j = 0; j < len; j++) {
            buf[k++] = w[(s + j) % 8];
            buf[k++] = j + 1 < len ? ' ' : '\n';
        }
    }
    buf[k] = 0;
    FILE *f = mem(buf);
    char err[256];
    CHECK(mlm_corpus_read(c, f, "synth", t, mk, 16, 0, err, sizeof err) == 0);
    fclose(f);
    free(buf);
}

static bert_model *tiny_model(const wp_vocab *v, int batch, int seq, peft_config *pc)
{
    bert_config c;
    memset(&c, 0, sizeof c);
    c.vocab_size = v->n, c.hidden = 32, c.layers = 2, c.heads = 2, c.intermediate = 64;
    c.max_position = 32, c.type_vocab = 2, c.ln_eps = 1e-12f;
    c.hidden_dropout = c.attn_dropout = 0.0f;
    snprintf(c.hidden_act, sizeof c.hidden_act, "gelu");
    peft_default(pc, c.layers);
    pc->full = 1;
    bert_opts o;
    bert_opts_default(&o);
    o.peft = pc, o.task = BERT_TASK_MLM, o.max_batch = batch, o.max_seq = seq, o.seed = 5;
    char err[512];
    bert_model *m = bert_new(&c, &o, err, sizeof err);
    CHECK_MSG(m != NULL, "%s", err);
    return m;
}

static void test_batches(void)
{
    wp_vocab v;
    char err[512];
    CHECK(wp_vocab_load_mem(&v, "tiny", VOCAB, strlen(VOCAB), err, sizeof err) == 0);
    mlm_masker mk;
    CHECK(mlm_masker_init(&mk, &v, "tiny", 0.15, err, sizeof err) == 0);
    wp_tokenizer t;
    wp_init(&t, &v, 1);
    mlm_corpus c;
    synth_corpus(&c, &mk, &t, 40);
    peft_config pc;
    bert_model *m = tiny_model(&v, 8, 16, &pc);
    pretrain_opts po;
    pretrain_opts_default(&po);
    po.batch = 8, po.steps = 100, po.seed = 3;
    pretrainer p;
    CHECK(pretrainer_init(&p, m, &c, &mk, &po, err, sizeof err) == 0);
    int seen[40] = {0};
    long order0[40], order1[40];
    bert_batch b;
    for (int e = 0; e < 2; e++)
        for (int s = 0; s < 5; s++) {
            pretrain_next_batch(&p, &b);
            CHECK(b.B == 8);
            int T = 0;
            for (int i = 0; i < 8; i++) {
                long q = p.pick[i];
                (e ? order1 : order0)[s * 8 + i] = q;
                if (!e)
                    seen[q]++;
                int len = (int)(c.off[q + 1] - c.off[q]);
                if (len > T)
                    T = len;
                for (int j = 0; j < b.T; j++) {
                    int id = b.input_ids[i * b.T + j], l = b.labels[i * b.T + j];
                    int orig = j < len ? c.ids[c.off[q] + j] : -1;
                    CHECK(b.attention_mask[i * b.T + j] == (j < len));
                    if (j >= len)
                        CHECK(id == v.pad_id && l == -100);
                    else if (l == -100)
                        CHECK(id == orig);
                    else
                        CHECK(l == orig);
                }
            }
            CHECK(b.T == T); /* dynamic padding: longest sequence of the batch */
        }
    for (int i = 0; i < 40; i++)
        CHECK(seen[i] == 1);
    CHECK(p.epoch == 1);
    CHECK(memcmp(order0, order1, sizeof order0) != 0); /* reshuffled */
    /* the same seed gives the same first batch */
    pretrainer q;
    CHECK(pretrainer_init(&q, m, &c, &mk, &po, err, sizeof err) == 0);
    pretrain_next_batch(&q, &b);
    for (int i = 0; i < 8; i++)
        CHECK(q.pick[i] == order0[i]);
    pretrainer_free(&q);
    /* bad options */
    pretrain_opts bo = po;
    bo.batch = 9;
    CHECK(pretrainer_init(&q, m, &c, &mk, &bo, err, sizeof err) == -1);
    bo = po, bo.steps = 0;
    CHECK(pretrainer_init(&q, m, &c, &mk, &bo, err, sizeof err) == -1);
    pretrainer_free(&p);
    bert_free(m);
    mlm_corpus_free(&c);
    wp_free(&t);
    mlm_masker_free(&mk);
    wp_vocab_free(&v);
}

static void test_learning(void)
{
    wp_vocab v;
    char err[512];
    CHECK(wp_vocab_load_mem(&v, "tiny", VOCAB, strlen(VOCAB), err, sizeof err) == 0);
    mlm_masker mk;
    CHECK(mlm_masker_init(&mk, &v, "tiny", 0.15, err, sizeof err) == 0);
    wp_tokenizer t;
    wp_init(&t, &v, 1);
    mlm_corpus c;
    synth_corpus(&c, &mk, &t, 200);
    peft_config pc;
    bert_model *m = tiny_model(&v, 16, 16, &pc);
    pretrain_opts po;
    pretrain_opts_default(&po);
    po.batch = 16, po.steps = 300, po.lr = 2e-3, po.seed = 11;
    pretrainer p;
    CHECK(pretrainer_init(&p, m, &c, &mk, &po, err, sizeof err) == 0);
    double t0 = now_seconds(), first = 0, last = 0;
    long ok = 0, masked = 0;
    pretrain_stats st;
    for (long s = 0; s < po.steps; s++) {
        if (pretrain_step(&p, &st, err, sizeof err)) {
            CHECK_MSG(0, "%s", err);
            break;
        }
        if (s < 10)
            first += st.loss / 10;
        if (s >= po.steps - 30) {
            last += st.loss / 30;
            ok += st.correct, masked += st.masked;
        }
    }
    double secs = now_seconds() - t0, acc = masked ? (double)ok / masked : 0;
    printf("  learning: loss %.4f (first 10 steps) -> %.4f (last 30), masked acc %.3f, %ld steps %.2fs\n",
           first, last, acc, po.steps, secs);
    CHECK_MSG(first > 2.0, "initial loss %.4f should be near ln(%d)", first, v.n);
    CHECK_MSG(last < 0.3 * first, "loss %.4f -> %.4f", first, last);
    CHECK_MSG(acc > 0.9, "masked accuracy %.3f", acc);
    pretrainer_free(&p);
    bert_free(m);
    mlm_corpus_free(&c);
    wp_free(&t);
    mlm_masker_free(&mk);
    wp_vocab_free(&v);
}

int main(void)
{
    test_masking();
    test_corpus();
    test_batches();
    test_learning();
    return check_status("test_pretrain");
}
