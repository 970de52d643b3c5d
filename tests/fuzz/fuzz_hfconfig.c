/* fuzz_hfconfig.c -- libFuzzer harness: config.json (hfconfig_parse,
 * cJSON underneath).
 *
 * The input is the JSON text (up to its first NUL, as hfconfig_load reads
 * a file). Oracles for a config that parses: the limits hfconfig.h
 * documents hold (positive sizes, hidden divisible by heads, layers <=
 * PEFT_MAX_LAYERS, dropouts in [0,1), layer_norm_eps > 0), the base
 * parameter count is positive, and hfconfig_save writes a file that
 * hfconfig_load reads back to the same config. */
#include "fuzz.h"
#include "config/hfconfig.h"

static fuzz_tmp tmp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tmp_init(&tmp, "config");
    char *json = malloc(size + 1);
    FUZZ_CHECK(json);
    if (size)
        memcpy(json, data, size);
    json[size] = 0;
    char err[512] = "";
    bert_config c;
    int rc = hfconfig_parse(json, "config.json", &c, err, sizeof err);
    free(json);
    if (rc) {
        FUZZ_CHECK(rc == -1 && err[0] != 0);
        return 0;
    }
    FUZZ_CHECK(c.vocab_size > 0 && c.hidden > 0 && c.layers > 0 && c.heads > 0 && c.intermediate > 0 &&
               c.max_position > 0 && c.type_vocab > 0 && c.num_labels >= 0);
    FUZZ_CHECK(c.hidden % c.heads == 0 && c.layers <= PEFT_MAX_LAYERS);
    FUZZ_CHECK(c.hidden_dropout >= 0 && c.hidden_dropout < 1);
    FUZZ_CHECK(c.attn_dropout >= 0 && c.attn_dropout < 1);
    FUZZ_CHECK(c.ln_eps > 0 && c.ln_eps < 1);
    FUZZ_CHECK(!strcmp(c.hidden_act, "gelu"));
    FUZZ_CHECK(bert_base_param_count(c.vocab_size, c.hidden, c.layers, c.intermediate, c.max_position,
                                     c.type_vocab) > 0);
    if (c.num_labels > 1000)
        return 0; /* writing a million labels is slow and tells nothing new */
    FUZZ_CHECK(hfconfig_save(tmp.path, &c, err, sizeof err) == 0);
    bert_config d;
    if (hfconfig_load(tmp.path, &d, err, sizeof err)) {
        fprintf(stderr, "saved config does not load back: %s\n", err);
        abort();
    }
    FUZZ_CHECK(c.vocab_size == d.vocab_size && c.hidden == d.hidden && c.layers == d.layers &&
               c.heads == d.heads && c.intermediate == d.intermediate && c.max_position == d.max_position &&
               c.type_vocab == d.type_vocab && c.num_labels == d.num_labels);
    FUZZ_CHECK(c.ln_eps == d.ln_eps && c.hidden_dropout == d.hidden_dropout && c.attn_dropout == d.attn_dropout);
    return 0;
}
